import DispatchCore
import EventStore
import Foundation
import Model
import Testing

extension Harness {
    /// Runs a dispatcher's override; the reply, or the refusal it was answered with.
    func override(_ target: String, _ action: OverrideCommand.Action, by dispatcher: String = "D01", reason: String = "test") async throws
        -> Result<OverrideReply, OverrideRefusal>
    {
        do {
            guard case .override(let reply) = try await engine.submit(.override(OverrideCommand(target: target, action: action, dispatcher: dispatcher, reason: reason)))
            else { throw OverrideRefusal(.invalid, field: nil, "not an override reply") }
            return .success(reply)
        } catch let refusal as OverrideRefusal {
            return .failure(refusal)
        }
    }

    /// A unit's state as the unit board shows it.
    func unitState(_ unitId: String) async throws -> String? {
        try await queries.unitBoard(UnitBoardQuery()).first { $0.id == unitId }?.state
    }

    /// Whether a need of the incident waits in the queue.
    func isQueued(_ incidentId: String) async throws -> Bool { try await queries.queue().contains { $0.incidentId == incidentId } }

    /// The refusal an override must get.
    func refusal(_ target: String, _ action: OverrideCommand.Action, by dispatcher: String = "D01", reason: String = "test") async throws
        -> OverrideRefusal?
    {
        if case .failure(let refusal) = try await override(target, action, by: dispatcher, reason: reason) { return refusal }
        return nil
    }
}

/// Dispatcher overrides (issue 15, point 10): the pure checks, and each override through the core.
@Suite("dispatcher overrides")
struct OverrideTests {
    static let grid = "G001"
    /// A free patrol car far from the incident's grid (so the rules would not pick it first).
    static func otherPatrol(than ids: [String]) -> String {
        demo.units.first { $0.kind == .patrolCar && !ids.contains($0.id) && $0.homeGridId != grid }!.id
    }

    // MARK: The pure rules

    @Test("dispatcher and reason are required; the refusal names the field")
    func validation() {
        #expect(throws: OverrideRefusal(.invalid, field: "dispatcher", "dispatcher is required: who overrides the rules")) {
            try OverrideRules.validate(dispatcher: " ", reason: "r")
        }
        #expect(throws: OverrideRefusal(.invalid, field: "reason", "reason is required: why the rules are overridden")) {
            try OverrideRules.validate(dispatcher: "D01", reason: "")
        }
        #expect(OverrideRefusal(.conflict, field: nil, "x").status == 409 && OverrideRefusal(.notFound, field: nil, "x").status == 404)
    }

    @Test("a unit sent by hand must be known, free and new to the incident; a recalled one must be on it")
    func sendAndRecallChecks() throws {
        let unit = demo.units.first { $0.kind == .patrolCar }!
        let busy = TrackedUnit(unit: unit, state: .onScene, incidentId: "I2", regionId: "R1")
        let fleet = Fleet([busy])
        let facts = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: nil, major: false)
        var incident = ActiveIncident(id: "I1", facts: facts, priority: 1, channel: .police, coordinate: nil, openedAt: noon, commandStationId: nil)
        #expect((try? OverrideRules.checkSend("U-none", field: "unitId", to: incident, fleet: fleet, scope: .all)) == nil)
        do {
            _ = try OverrideRules.checkSend(unit.id, field: "unitId", to: incident, fleet: fleet, scope: .all)
            Issue.record("a unit on scene elsewhere cannot be sent")
        } catch let r as OverrideRefusal {
            #expect(r.kind == .conflict && r.field == "unitId" && r.message.contains("dispatch is not allowed while unit \(unit.id) is onScene"))
        }
        incident.tried = [unit.id]
        let free = Fleet([TrackedUnit(unit: unit, regionId: "R1")])
        #expect(throws: OverrideRefusal.self) { try OverrideRules.checkSend(unit.id, field: "unitId", to: incident, fleet: free, scope: .all) }
        #expect(throws: OverrideRefusal.self) { try OverrideRules.checkRecall(unit.id, field: "unitId", from: incident, fleet: free) }
        incident.active[unit.id] = ActiveAssignment(need: Need(kind: .primary))
        let handing = Fleet([TrackedUnit(unit: unit, state: .handingOver, incidentId: "I1", regionId: "R1")])
        #expect(throws: OverrideRefusal.self) { try OverrideRules.checkRecall(unit.id, field: "unitId", from: incident, fleet: handing) }
        let enRoute = Fleet([TrackedUnit(unit: unit, state: .enRoute, incidentId: "I1", regionId: "R1")])
        #expect(try OverrideRules.checkRecall(unit.id, field: "unitId", from: incident, fleet: enRoute).need.kind == .primary)
        #expect(try UnitStateMachine.next(.enRoute, .recall, unitId: "U1") == .available)
    }

    @Test("new needs: a casualty accident adds the accident division; marking major adds the region's units and PTU")
    func addedNeeds() {
        let policy = DispatchPolicy(jurisdiction: demo)
        let rules = DispatchRules.defaults
        let minor = DispatchFacts(category: .accidentMinor, casualties: 0, partiesConsent: false, grid: nil, major: false)
        var casualty = minor
        casualty.category = .accidentCasualty
        #expect(OverrideRules.addedNeeds(policy: policy, rules: rules, before: minor, after: casualty).map(\.kind) == [.accidentDivision])
        #expect(OverrideRules.addedNeeds(policy: policy, rules: rules, before: casualty, after: minor).isEmpty)
        var major = minor
        major.major = true
        #expect(OverrideRules.addedNeeds(policy: policy, rules: rules, before: minor, after: major).map(\.kind) == [.major, .ptu])
    }

    // MARK: Through the core

    @Test("recommendations: free qualified units, nearest ETA first, never a unit already sent")
    func recommendations() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let sent = try #require(try h.assigned(id).first).unitId
        guard case .success(.recommendations(let incidentId, let units)) = try await h.override(id, .recommend(limit: 50)) else {
            Issue.record("no recommendations")
            return
        }
        #expect(incidentId == id && !units.isEmpty && units.count <= 50)
        #expect(!units.contains { $0.unitId == sent })
        #expect(units.allSatisfy { $0.state == "available" })
        #expect(units.map(\.etaSeconds) == units.map(\.etaSeconds).sorted())
        #expect(units.first?.rule == "grid-nearest" || units.first?.rule == "neighbour-grid" || units.first?.rule == "station-fallback")
        #expect(try await h.refusal("I-none", .recommend(limit: 5))?.kind == .notFound)
    }

    @Test("assign a named unit: dispatch.assigned by rule override, dispatch.override with who and why, on the timeline")
    func assign() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let first = try #require(try h.assigned(id).first).unitId
        let extra = Self.otherPatrol(than: [first])
        guard case .success(.incident(id)) = try await h.override(id, .assign(unitId: extra), by: "D07", reason: "knows the family") else {
            Issue.record("assign refused")
            return
        }
        let a = try #require(try h.assigned(id).last)
        #expect(a.unitId == extra && a.rule == "override" && a.role == "support")
        let o = try #require(try h.events(DispatcherOverride.self).last)
        #expect(o.action == .assign && o.dispatcher == "D07" && o.reason == "knows the family" && o.unitId == extra && o.incidentId == id)
        #expect(try await h.unitState(extra) == "dispatched")
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.units.contains { $0.unitId == extra && $0.rule == "override" && $0.active })
        #expect(view.timeline?.contains { $0.kind == "override" && ($0.detail ?? "").contains("D07") } == true)

        // Refusals name why, and leave no trace.
        let before = try h.topics().count
        let busy = try #require(try await h.refusal(id, .assign(unitId: first)))
        #expect(busy.kind == .conflict && busy.field == "unitId" && busy.message.contains("already on"))
        #expect(try await h.refusal(id, .assign(unitId: "U-none"))?.kind == .notFound)
        #expect(try await h.refusal("I-none", .assign(unitId: extra))?.kind == .notFound)
        #expect(try await h.refusal(id, .assign(unitId: extra), by: "")?.field == "dispatcher")
        #expect(try h.topics().count == before)
    }

    @Test("a unit sent by hand serves the incident's waiting need, which leaves the queue")
    func assignServesQueue() async throws {
        let h = try Harness()
        let stationUnits = unitIds { DispatchPolicyKinds.station($0.kind) }
        try await h.signOut(stationUnits)
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        #expect(try await h.isQueued(id))
        // A unit of another station is no candidate of the rules: signing on leaves the need waiting.
        let station = demo.grid(Self.grid)!.stationId
        let far = try #require(demo.units.first { $0.kind == .patrolCar && $0.stationId != station }).id
        let (_, refused) = try await h.units([UnitReport(unitId: far, duty: .onDuty)])
        #expect(refused.isEmpty)
        #expect(try await h.isQueued(id))
        guard case .success = try await h.override(id, .assign(unitId: far), reason: "nearest crew on the radio") else {
            Issue.record("assign refused")
            return
        }
        let a = try #require(try h.assigned(id).first)
        #expect(a.unitId == far && a.rule == "override" && a.role == "primary")
        #expect(try await !h.isQueued(id))
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.status == "assigned" && view.queued.isEmpty && view.unitId == far)
    }

    @Test("reassign: the first unit is free again, the second takes its need; cancel of the only unit re-serves the incident")
    func reassignAndCancel() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let first = try #require(try h.assigned(id).first).unitId
        _ = try await h.field(id, first, .enRoute)
        let second = Self.otherPatrol(than: [first])
        guard case .success = try await h.override(id, .reassign(fromUnitId: first, toUnitId: second), reason: "stuck in traffic") else {
            Issue.record("reassign refused")
            return
        }
        #expect(try await h.unitState(first) == "available")
        #expect(try await h.unitState(second) == "dispatched")
        let a = try #require(try h.assigned(id).last)
        #expect(a.unitId == second && a.rule == "override" && a.role == "redispatch" && a.replacesUnitId == first)
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.units.first { $0.unitId == first }?.endReason == "reassigned")
        #expect(try h.events(UnitStatusChanged.self).contains { $0.unitId == first && $0.from == "enRoute" && $0.to == "available" })
        // The old unit cannot be reassigned again, nor a unit to itself.
        #expect(try await h.refusal(id, .reassign(fromUnitId: first, toUnitId: second))?.field == "fromUnitId")
        #expect(try await h.refusal(id, .reassign(fromUnitId: second, toUnitId: second))?.kind == .invalid)

        guard case .success = try await h.override(id, .cancelAssignment(unitId: second)) else {
            Issue.record("cancel refused")
            return
        }
        let third = try #require(try h.assigned(id).last)
        #expect(third.unitId != first && third.unitId != second && third.rule != "override")
        #expect(try h.events(DispatcherOverride.self).map(\.action) == [.reassign, .cancelAssignment])
    }

    @Test("reclassify to a casualty accident sends the accident division (一警双派); the same category is refused")
    func reclassify() async throws {
        let h = try Harness()
        let id = try await h.open(.accidentMinor, at: Harness.point(in: Self.grid))
        #expect(try h.assigned(id).count == 1)
        guard case .success = try await h.override(id, .reclassify(.accidentCasualty), reason: "a second call reports an injury") else {
            Issue.record("reclassify refused")
            return
        }
        #expect(try h.assigned(id).map(\.rule).contains("dual-accident-division"))
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.category == "accidentCasualty")
        let o = try #require(try h.events(DispatcherOverride.self).last)
        #expect(o.category == .accidentCasualty && o.previousCategory == .accidentMinor)
        #expect(try await h.refusal(id, .reclassify(.accidentCasualty))?.kind == .conflict)
    }

    @Test("mark major: the centre station commands, an escalation to acknowledge once; unmark stops later echelons")
    func majorAndAcknowledge() async throws {
        let h = try Harness()
        let id = try await h.open(.publicOrder, at: Harness.point(in: Self.grid))
        guard case .success = try await h.override(id, .major(true), reason: "crowd gathering") else {
            Issue.record("major refused")
            return
        }
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.major && view.commandStationId == demo.regions["R1"]!.centreStationId)
        #expect(try h.assigned(id).map(\.role).contains("major"))
        #expect(try h.events(ChiefNotified.self).contains { $0.incidentId == id && $0.role == .dutyChief })
        let escalation = try #require(view.escalations?.first { $0.reason == "major" })
        #expect(escalation.reason == "major" && escalation.level == 1 && escalation.acknowledgedBy == nil)
        #expect(try await h.refusal(id, .major(true))?.kind == .conflict)

        guard case .success(.escalation(escalation.id)) = try await h.override(escalation.id, .acknowledge, by: "D09", reason: "centre informed") else {
            Issue.record("acknowledge refused")
            return
        }
        let acknowledged = try #require(try await h.queries.escalation(id: escalation.id))
        #expect(acknowledged.acknowledgedBy == "D09" && acknowledged.acknowledgeReason == "centre informed" && acknowledged.acknowledgedAt == h.clock.now())
        let again = try #require(try await h.refusal(escalation.id, .acknowledge))
        #expect(again.kind == .conflict && again.message.contains("already acknowledged by D09"))
        #expect(try await h.refusal("dispatch-999999", .acknowledge)?.kind == .notFound)
        #expect(try await h.queries.escalations(EscalationListQuery(open: true)).allSatisfy { $0.id != escalation.id })

        guard case .success = try await h.override(id, .major(false), reason: "dispersed") else {
            Issue.record("unmark refused")
            return
        }
        let ptuBefore = try h.assigned(id).filter { $0.role == "ptu" }.count
        try await h.advance(h.rules.ptuEchelons.last!.afterSeconds + 1)
        #expect(try h.assigned(id).filter { $0.role == "ptu" }.count == ptuBefore, "no later echelon after unmarking")
        #expect(try await h.queries.incident(id: id)?.major == false)
    }

    @Test("an override on a closed incident is refused (409)")
    func closed() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        _ = try await h.field(id, unit, .closed, outcome: .resolvedOnScene)
        let refusal = try #require(try await h.refusal(id, .major(true)))
        #expect(refusal.kind == .conflict && refusal.message.contains("closed"))
    }
}

/// Which kinds a station sends itself (patrols and its duty group), as `DispatchPolicy` counts them.
enum DispatchPolicyKinds {
    static func station(_ kind: UnitKind) -> Bool { kind == .patrolCar || kind == .motorcycle || kind == .stationDuty }
}
