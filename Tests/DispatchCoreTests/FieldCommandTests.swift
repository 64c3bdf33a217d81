import DispatchCore
import EventStore
import Foundation
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
