import DispatchCore
import EventStore
import Foundation
import GRDB
import Model
import Testing

@Suite("unit state machine")
struct UnitStateMachineTests {
    @Test("the documented path, and illegal transitions refused with a clear error")
    func path() throws {
        var s = UnitState.available
        for t: UnitTransition in [.dispatch, .signOff, .enRoute, .arrive, .feedback, .handover, .handedOver] {
            s = try UnitStateMachine.next(s, t, unitId: "U1")
        }
        #expect(s == .available)
        #expect(try UnitStateMachine.next(.available, .signOut, unitId: "U1") == .offDuty)
        #expect(try UnitStateMachine.next(.offDuty, .signOn, unitId: "U1") == .available)
        #expect(try UnitStateMachine.next(.dispatched, .signOff, unitId: "U1") == .dispatched)
        #expect(try UnitStateMachine.next(.onScene, .close, unitId: "U1") == .available)
        #expect(throws: IllegalTransition.self) { try UnitStateMachine.next(.onScene, .enRoute, unitId: "U1") }
        #expect(throws: IllegalTransition.self) { try UnitStateMachine.next(.offDuty, .dispatch, unitId: "U1") }
        #expect(throws: IllegalTransition.self) { try UnitStateMachine.next(.dispatched, .signOut, unitId: "U1") }
        do {
            _ = try UnitStateMachine.next(.available, .arrive, unitId: "U7")
            Issue.record("arrive from available must fail")
        } catch let e as IllegalTransition {
            #expect(e.description == "arrive is not allowed while unit U7 is available (allowed from: dispatched, enRoute)")
        }
    }

    @Test("travel time: distance × detour ÷ the kind's speed + turnout; motorcycles slower than cars")
    func travel() {
        let r = DispatchRules.defaults
        #expect(r.travelSeconds(0, .patrolCar) == r.travel.turnoutSeconds)
        #expect(abs(r.travelSeconds(10_000, .patrolCar) - (30 + 10_000 * 1.3 / (40 / 3.6))) < 1e-9)
        #expect(r.travelSeconds(5_000, .motorcycle) > r.travelSeconds(5_000, .patrolCar))
        #expect(r.travelSeconds(2_000, .patrolCar) > r.travelSeconds(1_000, .patrolCar))
    }
}

@Suite("field commands")
struct FieldCommandTests {
    static let grid = "G001"

    @Test("the load generator's batch: signedOff, arrived, feedback, closed in one go; the unit is free again")
    func loadGeneratorBatch() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        let (accepted, refused) = try await h.field([
            FieldCommand(incidentId: id, unitId: unit, stage: .signedOff),
            FieldCommand(incidentId: id, unitId: unit, stage: .arrived),
            FieldCommand(incidentId: id, unitId: unit, stage: .feedback),
            FieldCommand(incidentId: id, unitId: unit, stage: .closed, outcome: .resolvedOnScene),
        ])
        #expect(accepted == 4 && refused.isEmpty, "\(refused)")
        let board = try await h.queries.unitBoard(UnitBoardQuery()).first { $0.id == unit }
        #expect(board?.state == "available" && board?.incidentId == nil)
        let reports = try h.events(FieldReported.self).filter { $0.incidentId == id }
        #expect(reports.map(\.stage) == [.signedOff, .arrived, .feedback, .closed])
        #expect(reports.last?.incidentClosed == true)
        #expect(try h.events(IncidentClosed.self).map(\.incidentId) == [id])
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.status == "closed" && view.outcome == "resolvedOnScene")
        #expect(view.timers.filter { $0.state == "met" }.map(\.timer).sorted() == ["arrival", "close", "firstFeedback", "signOff"])
        // Every topic stays where consumers look for it.
        let topics = try h.topics()
        #expect(topics.contains("dispatch.assigned.R1") && topics.contains("dispatch.field.closed.R1") && topics.contains("dispatch.closed.R1"))
        #expect(topics.contains { $0.hasPrefix("unit.status.") })
    }

    @Test("illegal or unknown commands are refused, naming the field and the reason")
    func refusals() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        let other = try #require(demo.units.first { $0.id != unit && $0.kind == .patrolCar }).id
        let (accepted, refused) = try await h.field([
            FieldCommand(incidentId: id, unitId: "U999", stage: .arrived),
            FieldCommand(incidentId: id, unitId: other, stage: .arrived),
            FieldCommand(incidentId: id, unitId: unit, stage: .closed),
            FieldCommand(incidentId: id, unitId: unit, stage: .arrived),
            FieldCommand(incidentId: id, unitId: unit, stage: .enRoute),
            FieldCommand(incidentId: id, unitId: unit, stage: .arrived),
            FieldCommand(incidentId: id, unitId: unit, stage: .handover),
        ])
        #expect(accepted == 1)
        #expect(refused.map(\.index) == [0, 1, 2, 4, 5, 6])
        #expect(refused.map(\.field) == ["unitId", "incidentId", "outcome", "stage", "stage", "handover"])
        #expect(refused[3].reason.contains("enRoute is not allowed while unit \(unit) is onScene"))
    }

    @Test("handover: the receiver is sent; the giver is handing over until the receiver signs off")
    func handover() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let giver = try #require(try h.assigned(id).first).unitId
        try await h.field(id, giver, .arrived)
        let stationUnit = try #require(demo.units.first { $0.kind == .stationDuty && $0.stationId == demo.grid(Self.grid)!.stationId }).id
        let toStation = Handover(kind: .postToStation, toStationId: demo.grid(Self.grid)!.stationId)
        let (accepted, refused) = try await h.field(id, giver, .handover, handover: toStation)
        #expect(accepted == 1, "\(refused)")
        let receiver = try #require(try h.assigned(id).last)
        #expect(receiver.rule == "handover-postToStation" && receiver.role == "handover" && receiver.replacesUnitId == giver)
        #expect(demo.units.first { $0.id == receiver.unitId }!.stationId == demo.grid(Self.grid)!.stationId)
        _ = stationUnit
        #expect(h.engine.isRunning)
        var board = try await h.queries.unitBoard(UnitBoardQuery())
        #expect(board.first { $0.id == giver }?.state == "handingOver")
        try await h.field(id, receiver.unitId, .signedOff)
        board = try await h.queries.unitBoard(UnitBoardQuery())
        #expect(board.first { $0.id == giver }?.state == "available")
        #expect(board.first { $0.id == receiver.unitId }?.state == "dispatched")
        // The incident is the receiver's now: its close closes the incident.
        let (_, r2) = try await h.field(id, receiver.unitId, .closed, outcome: .caseOpened)
        #expect(r2.isEmpty)
        #expect(try await h.queries.incident(id: id)?.status == "closed")
        #expect(try h.events(FieldReported.self).contains { $0.stage == .handover && $0.handover?.kind == .postToStation })

        // Handing over to a busy unit is refused.
        let next = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let u = try #require(try h.assigned(next).first).unitId
        let busy = try await h.open(.criminal, at: Harness.point(in: "G002"))
        let busyUnit = try #require(try h.assigned(busy).first).unitId
        let (a3, r3) = try await h.field(next, u, .handover, handover: Handover(kind: .onScene, toUnitId: busyUnit))
        #expect(a3 == 0 && r3.first?.field == "handover.toUnitId")
    }

    @Test("request support sends more units; with several units the incident closes with the last")
    func supportAndLastClose() async throws {
        let h = try Harness()
        let id = try await h.open(.publicOrder, at: Harness.point(in: Self.grid))
        let first = try #require(try h.assigned(id).first).unitId
        let (accepted, _) = try await h.field(id, first, .requestSupport, support: SupportRequest(units: 2))
        #expect(accepted == 1)
        let support = try h.assigned(id).filter { $0.role == "support" }
        #expect(support.count == 2 && support.allSatisfy { $0.rule == "support" })
        try await h.field(id, first, .closed, outcome: .resolvedOnScene)
        #expect(try await h.queries.incident(id: id)?.status == "assigned")
        #expect(try h.events(FieldReported.self).last?.incidentClosed == false)
        try await h.field(id, support[0].unitId, .closed, outcome: .resolvedOnScene)
        try await h.field(id, support[1].unitId, .closed, outcome: .mediated)
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.status == "closed" && view.outcome == "mediated")
        #expect(try h.events(FieldReported.self).last?.incidentClosed == true)
    }

    @Test("position reports move a unit; the nearest unit is chosen from where units are")
    func positions() async throws {
        let h = try Harness()
        let target = Harness.point(in: "G002")
        let station = demo.grid("G002")!.stationId
        let stationUnits = unitIds { $0.stationId == station && ($0.kind == .patrolCar || $0.kind == .stationDuty) && $0.homeGridId != "G002" }
        let patrols = unitIds { ($0.kind == .patrolCar || $0.kind == .motorcycle) && $0.homeGridId == "G002" }
        try await h.signOut(patrols)
        // Put one station unit right at the incident: the station-fallback picks it over the others.
        let far = try #require(stationUnits.last)
        try await h.units([UnitReport(unitId: far, position: target)])
        let neighbours = demo.grid("G002")!.neighbourIds
        try await h.signOut(unitIds { ($0.kind == .patrolCar || $0.kind == .motorcycle) && neighbours.contains($0.homeGridId ?? "") })
        let id = try await h.open(.criminal, at: target)
        let a = try #require(try h.assigned(id).first)
        #expect(a.unitId == far && a.rule == "station-fallback" && a.distanceMeters < 1)
        let (_, refused) = try await h.units([UnitReport(unitId: far, duty: .offDuty)])
        #expect(refused.first?.reason.contains("signOut is not allowed while unit \(far) is dispatched") == true)
    }
}

@Suite("service-level timers")
struct TimerTests {
    static let grid = "G001"

    @Test("sign-off: warning before, breach at 90 s, re-dispatch to the next unit")
    func signOffBreach() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let first = try #require(try h.assigned(id).first).unitId
        try await h.advance(59)
        #expect(try h.events(SLAWarning.self).filter { $0.timer == .signOff }.isEmpty)
        try await h.advance(2)
        let warning = try #require(try h.events(SLAWarning.self).first { $0.timer == .signOff })
        #expect(warning.timer == .signOff && warning.unitId == first)
        #expect(try h.topics().contains("sla.warning.signOff.R1"))
        try await h.advance(30)
        let breach = try #require(try h.events(SLABreached.self).first { $0.timer == .signOff })
        #expect(breach.unitId == first && breach.action == "redispatched")
        #expect(try h.topics().contains("sla.breached.signOff.R1"))
        let again = try h.assigned(id)
        #expect(again.count == 2 && again[1].unitId != first && again[1].replacesUnitId == first && again[1].role == "redispatch")
        // The first unit is free again, and no longer on the incident.
        let (_, refused) = try await h.field(id, first, .signedOff)
        #expect(refused.first?.field == "incidentId")
        #expect(h.recorded.breaches.filter { $0 == .signOff }.count == 1)
        #expect(try await h.queries.stats()["breaches_signOff"] == 1)
        #expect(try await h.queries.stats()["assignments"] == 2)
    }

    @Test("a unit that signed off is never re-dispatched")
    func signedOffIsKept() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        try await h.advance(80)
        try await h.field(id, unit, .signedOff)
        try await h.advance(60)
        #expect(try h.events(SLABreached.self).filter { $0.timer == .signOff }.isEmpty)
        #expect(try h.assigned(id).count == 1)
    }

    @Test("arrival against the response point's N-minute promise")
    func arrival() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        try await h.field(id, unit, .signedOff)
        let minutes = try #require(demo.responseMinutes(grid: Self.grid))
        try await h.advance(Double(minutes * 60) - 1)
        #expect(try h.events(SLABreached.self).filter { $0.timer == .arrival }.isEmpty)
        #expect(try h.events(SLAWarning.self).contains { $0.timer == .arrival })
        try await h.advance(2)
        let breach = try #require(try h.events(SLABreached.self).first { $0.timer == .arrival })
        #expect(breach.action == "none" && breach.dueAt.timeIntervalSince(breach.startedAt) == Double(minutes * 60))
        // Arriving on time instead: met, no breach.
        let ok = try await h.open(.criminal, at: Harness.point(in: "G002"))
        let u2 = try #require(try h.assigned(ok).first).unitId
        try await h.field(ok, u2, .arrived)
        try await h.advance(Double(minutes * 60) + 1)
        #expect(try h.events(SLABreached.self).filter { $0.timer == .arrival && $0.incidentId == ok }.isEmpty)
    }

    @Test("first feedback within 5 h and close within 22 h, on event time")
    func feedbackAndClose() async throws {
        let h = try Harness()
        let id = try await h.open(.helpRequest, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        try await h.field(id, unit, .arrived)
        try await h.advance(5 * 3600 - 1800 + 1)
        #expect(try h.events(SLAWarning.self).contains { $0.timer == .firstFeedback && $0.incidentId == id })
        try await h.advance(1800)
        #expect(try h.events(SLABreached.self).contains { $0.timer == .firstFeedback && $0.incidentId == id })
        try await h.advance(17 * 3600)
        #expect(try h.events(SLABreached.self).contains { $0.timer == .close && $0.incidentId == id })
        #expect(try h.topics().contains("sla.breached.close.R1"))
        let stats = try await h.queries.stats()
        #expect(stats["breaches_firstFeedback"] == 1 && stats["breaches_close"] == 1)
    }

    @Test("timers are configurable (dispatch-rules.json)")
    func configurable() async throws {
        let h = try Harness(rules: shortRules(signOff: 10, feedback: 20, close: 40))
        let id = try await h.open(.helpRequest, at: Harness.point(in: Self.grid))
        try await h.advance(11)
        #expect(try h.events(SLABreached.self).contains { $0.timer == .signOff && $0.incidentId == id })
        try await h.advance(10)
        #expect(try h.events(SLABreached.self).contains { $0.timer == .firstFeedback && $0.incidentId == id })
        try await h.advance(20)
        #expect(try h.events(SLABreached.self).contains { $0.timer == .close && $0.incidentId == id })
    }

    @Test("state survives a restart: queue, assignments and timers are rebuilt from the store")
    func restart() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        try h.restart()
        try await h.advance(91)
        #expect(try h.assigned(id).count == 2, "the sign-off timer survived the restart")
        let second = try h.assigned(id)[1].unitId
        let (accepted, refused) = try await h.field([
            FieldCommand(incidentId: id, unitId: second, stage: .arrived),
            FieldCommand(incidentId: id, unitId: second, stage: .closed, outcome: .falseReport),
        ])
        #expect(accepted == 2, "\(refused)")
        #expect(unit != second)
    }
}

@Suite("regions (--regions)")
struct RegionTests {
    @Test("an instance applies only its regions' incidents and uses only its regions' units")
    func regionFilter() async throws {
        let h = try Harness(regions: ["R5"])
        let outside = try await h.open(.criminal, at: Harness.point(in: "G001"))  // R1
        #expect(try await h.queries.incident(id: outside) == nil)
        #expect(try h.assigned(outside).isEmpty)
        // The inbox still advanced past it.
        #expect(try h.store.inbox()["intake"]?.seq == 1)

        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let inside = try await h.open(.criminal, at: r5grid.polygon.centroid)
        let a = try #require(try h.assigned(inside).first)
        #expect(demo.regionId(of: demo.units.first { $0.id == a.unitId }!) == "R5")

        // The accident division has no region: only an instance listing `city` sends it.
        let accident = try await h.open(.accidentCasualty, at: r5grid.polygon.centroid, casualties: 1)
        #expect(try h.assigned(accident).map(\.rule) == ["dual-station"])
        #expect(try h.events(IncidentQueued.self).contains { $0.incidentId == accident && $0.need == "accidentDivision" })
        // Units of other regions cannot be commanded here.
        let (_, refused) = try await h.units([UnitReport(unitId: "U001", duty: .offDuty)])
        #expect(refused.first?.field == "unitId")
    }

    @Test("R5 with all its units busy queues rather than borrowing another region's")
    func noBorrowing() async throws {
        let h = try Harness(regions: ["R5", "city"])
        try await h.signOut(unitIds { demo.regionId(of: $0) == "R5" })
        let grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" })
        let id = try await h.open(.criminal, at: grid.polygon.centroid)
        #expect(try h.assigned(id).isEmpty)
        #expect(try await h.queries.queue().map(\.incidentId) == [id])
    }

    @Test("--regions is parsed and checked against the city")
    func parse() throws {
        #expect(try RegionScope.parse("R1, R2", jurisdiction: demo) == RegionScope(["R1", "R2"]))
        #expect(try RegionScope.parse(nil, jurisdiction: demo) == .all)
        #expect(try RegionScope.parse("", jurisdiction: demo) == .all)
        #expect(try RegionScope.parse("R1,unlocated,city", jurisdiction: demo).regions == ["R1", "unlocated", "city"])
        #expect(throws: ConfigurationError.self) { try RegionScope.parse("R1,R9", jurisdiction: demo) }
    }
}

@Suite("configuration files")
struct ConfigurationTests {
    func copyCity() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-city-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: demoCity, to: dir)
        return dir
    }

    @Test("the demo city and its dispatch rules load; the shipped rules are the documented defaults")
    func demoLoads() throws {
        let rules = try DispatchRules.load(cityDirectory: demoCity)
        #expect(rules == .defaults)
        #expect(demo.units.count == 105)
        #expect(demo.officers.values.contains { $0.roles.contains(.schoolChief) && $0.team == .communityPolicing })
        #expect(Set(demo.units.map(\.kind)) == Set(UnitKind.allCases))
    }

    @Test("an invalid jurisdiction fails naming the file, the record and the problem")
    func invalidJurisdiction() throws {
        let dir = try copyCity()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("jurisdiction.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: #""shift": {"start": "08:00", "end": "20:00"}"#, with: #""shift": {"start": "8h", "end": "20:00"}"#)
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try Jurisdiction.load(from: dir)
            Issue.record("a malformed shift must be refused")
        } catch let e as ConfigurationError {
            #expect(e.file == "jurisdiction.json")
            #expect(e.record?.hasPrefix("unit U") == true)
            #expect(e.problem.contains("shift"))
        }
    }

    @Test("an invalid dispatch-rules.json fails naming the file, the record and the problem")
    func invalidRules() throws {
        let dir = try copyCity()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("dispatch-rules.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: #""signOff": {"seconds": 90, "warnBefore": 30}"#, with: #""signOff": {"seconds": 90, "warnBefore": 120}"#)
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try DispatchRules.load(cityDirectory: dir)
            Issue.record("warnBefore ≥ seconds must be refused")
        } catch let e as ConfigurationError {
            #expect(e.file == "dispatch-rules.json" && e.record == "timers.signOff" && e.problem.contains("warnBefore"))
        }
        try "{\"timers\": 1}".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try DispatchRules.load(cityDirectory: dir) }
        // No file: the defaults.
        try FileManager.default.removeItem(at: url)
        #expect(try DispatchRules.load(cityDirectory: dir) == .defaults)
    }
}

@Suite("read API and metrics")
struct ReadAPITests {
    @Test("open incidents by region and station, unit board, queue, timeline, metrics")
    func reads() async throws {
        let h = try Harness()
        let a = try await h.open(.criminal, at: Harness.point(in: "G001"))
        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let b = try await h.open(.helpRequest, at: r5grid.polygon.centroid)
        let open = try await h.queries.incidents(IncidentListQuery()).incidents
        #expect(Set(open.map(\.id)) == [a, b])
        #expect(try await h.queries.incidents(IncidentListQuery(region: "R1")).incidents.map(\.id) == [a])
        #expect(try await h.queries.incidents(IncidentListQuery(station: r5grid.stationId)).incidents.map(\.id) == [b])
        let unit = try #require(try h.assigned(a).first).unitId
        let board = try await h.queries.unitBoard(UnitBoardQuery(state: "dispatched"))
        #expect(Set(board.map(\.id)) == Set(try h.assigned(a).map(\.unitId) + h.assigned(b).map(\.unitId)))
        #expect(board.first { $0.id == unit }?.incidentId == a)
        #expect(try await h.queries.unitBoard(UnitBoardQuery(region: "R1")).allSatisfy { $0.regionId == "R1" })
        try await h.field(a, unit, .arrived)
        let timeline = try #require(try await h.queries.timeline(id: a)).timeline.map(\.kind)
        #expect(timeline.starts(with: ["opened"]))
        #expect(timeline.contains("assigned") && timeline.contains("notified") && timeline.last == "arrived")
        let view = try #require(try await h.queries.incident(id: a))
        #expect(view.unitId == unit && view.rule == "grid-nearest" && view.units.first?.callSign != nil)
        #expect(Set(view.timers.map(\.timer)) == ["signOff", "arrival", "firstFeedback", "close"])
        #expect(h.recorded.rules.count == 2)
        let stats = try await h.queries.stats()
        #expect(stats["incidents"] == 2 && stats["incidentsAssigned"] == 2 && stats["assignments"] == 2 && stats["queue"] == 0)
        #expect(stats["assignments_grid-nearest"] == 2, "both incidents are rural: grid first")
    }
}
