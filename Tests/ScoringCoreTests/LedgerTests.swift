import EventStore
import Foundation
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

/// Points 1 and 2 of issue #6: the rule table as a data file, the ledger, recompute.
@Suite struct RuleTableTests {
    static let demoFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cities/demo")

    @Test func missingFieldsKeepTheDocumentedDefaults() throws {
        let table = #"{"version": "t1", "basePoints": {"dispute": 7}, "bonuses": {"mediated": 4}, "timers": {"signOffSeconds": 60}}"#
        let r = try ScoringRules.decode(Data(table.utf8))
        #expect(r.version == "t1")
        #expect(r.base(.dispute) == 7)
        #expect(r.base(.criminal) == 3)
        #expect(r.base(nil) == 1)
        #expect(r.bonuses.mediated == 4)
        #expect(r.bonuses.signOffOnTime == 0.5)
        #expect(r.deductions.complaintUpheld == -5)
        #expect(r.timers.signOffSeconds == 60)
        #expect(r.timers.closeSeconds == 22 * 3600)
    }

    @Test func badTablesAreRefusedWithTheField() throws {
        #expect(throws: ConfigurationError.self) { try ScoringRules.decode(Data(#"{"basePoints": {"burglary": 3}}"#.utf8)) }
        #expect(throws: ConfigurationError.self) { try ScoringRules.decode(Data(#"{"deductions": {"complaintUpheld": 5}}"#.utf8)) }
        #expect(throws: ConfigurationError.self) { try ScoringRules.decode(Data(#"{"bonuses": {"bravery": 5}}"#.utf8)) }
        #expect(throws: ConfigurationError.self) { try ScoringRules.decode(Data(#"{"timers": {"closeSeconds": 0}}"#.utf8)) }
        do {
            _ = try ScoringRules.decode(Data(#"{"basePoints": {"dispute": "two"}}"#.utf8))
            Issue.record("a non-number was accepted")
        } catch let e as ConfigurationError {
            #expect(e.record == "basePoints.dispute")
        }
    }

    @Test func theDemoCityFileIsTheDocumentedDefaults() throws {
        let r = try ScoringRules.load(from: Self.demoFile)
        var expected = ScoringRules.defaults
        expected.version = r.version
        #expect(r == expected)
        #expect(r.version == "demo-2026-11")
    }
}

@Suite struct LedgerTests {
    /// One dispute handled end to end by one two-officer unit, every timer met.
    static func mediatedDispute(_ intake: EventSource, _ dispatch: EventSource, id: String = "I1") -> [Envelope] {
        let o = ["O1", "O2"]
        return [
            intake.event(Make.opened(id, .dispute, at: 0)),
            dispatch.event(Make.assigned(id, unit: "U1", officers: o, at: 60)),
            dispatch.event(Make.field(id, unit: "U1", officers: o, .signedOff, at: 90)),
            dispatch.event(Make.field(id, unit: "U1", officers: o, .enRoute, at: 95)),
            dispatch.event(Make.field(id, unit: "U1", officers: o, .arrived, at: 600)),
            dispatch.event(Make.field(id, unit: "U1", officers: o, .feedback, at: 3600)),
            dispatch.event(Make.field(id, unit: "U1", officers: o, .closed, at: 7200, outcome: .mediated, incidentClosed: true)),
            dispatch.event(Make.closed(id, .mediated, openedAt: 0, at: 7200)),
        ]
    }

    @Test func everyPointIsOneLineWithItsRuleAndTheEventsThatEarnedIt() async throws {
        let h = try Harness()
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        let events = Self.mediatedDispute(intake, dispatch)
        try await h.deliver(events)
        let lines = try h.lines("O1")
        // 2 (dispute) + 0.5 (sign-off in 30 s) + 1 (arrived in 540 s ≤ 900) + 0.5 (feedback in 1 h) + 0.5 (closed in 2 h) + 2 (mediated)
        #expect(Set(lines.map(\.rule)) == ["dispatched", "signOff.onTime", "arrival.onTime", "feedback.onTime", "close.onTime", "closed.mediated"])
        #expect(try h.total("O1") == 6.5)
        #expect(try h.total("O2") == 6.5)
        let id = { (i: Int) in events[i].header.id }
        #expect(lines.rule("dispatched")?.points == 2)
        #expect(lines.rule("dispatched")?.earnedBy == [id(0), id(1)].sorted())
        #expect(lines.rule("signOff.onTime")?.earnedBy == [id(1), id(2)].sorted())
        #expect(lines.rule("signOff.onTime")?.explanation.contains("30 s") == true)
        #expect(lines.rule("arrival.onTime")?.earnedBy == [id(1), id(4)].sorted())
        #expect(lines.rule("closed.mediated")?.earnedBy == [id(6)])
        #expect(lines.rule("dispatched")?.unitId == "U1")
        #expect(lines.rule("dispatched")?.stationId == "S1")
        #expect(lines.allSatisfy { $0.awardId == "I1:O1:\($0.rule)" })
        // The ledger's rows went out on the bus as score.awarded events.
        let published = try h.published()
        #expect(Set(published.filter { $0.officerId == "O1" }.map(\.awardId)) == Set(lines.map(\.awardId)))
    }

    @Test func eachChangeOfAnIncidentIsOneEventCarryingEveryChangedLine() async throws {
        let h = try Harness()
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        let o = ["O1", "O2"]
        try await h.deliver([intake.event(Make.opened("I5", .dispute, at: 0))])
        try await h.deliver([dispatch.event(Make.assigned("I5", unit: "U1", officers: o, at: 60))])
        try await h.deliver([dispatch.event(Make.field("I5", unit: "U1", officers: o, .signedOff, at: 90))])
        let events = try h.events()
        #expect(events.count == 2, "one event per change of the incident, not one per ledger line")
        #expect(events.map { Set($0.lines.map(\.rule)) } == [["dispatched"], ["signOff.onTime"]])
        #expect(events.allSatisfy { $0.incidentId == "I5" && $0.stationId == "S1" && Set($0.lines.map(\.officerId)) == Set(o) })
        #expect(events.allSatisfy { $0.rulesVersion == ScoringRules.defaults.version })
        #expect(events[1].at == at(90))
        // On the wire: version 2, on the station's topic.
        let wire = try h.store.replay(after: 0, limit: 1_000).events.filter { String(decoding: $0.topic, as: UTF8.self).hasPrefix("score.") }
        #expect(wire.map { String(decoding: $0.topic, as: UTF8.self) } == ["score.awarded.S1", "score.awarded.S1"])
        #expect(try wire.allSatisfy { try EventHeader.decode($0.header).version == 2 })
    }

    @Test func lateOrBreachedTimersDeduct() async throws {
        let h = try Harness()
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        let o = ["O1"]
        try await h.deliver([
            intake.event(Make.opened("I2", .criminal, at: 0)),
            dispatch.event(Make.assigned("I2", unit: "U1", officers: o, at: 10)),
            dispatch.event(Make.field("I2", unit: "U1", officers: o, .signedOff, at: 130)),  // 120 s > 90 s
            dispatch.event(Make.field("I2", unit: "U1", officers: o, .arrived, at: 1210)),  // 1200 s > 900 s
            dispatch.event(Make.breached("I2", .firstFeedback, officers: o, at: 18000)),
            dispatch.event(Make.field("I2", unit: "U1", officers: o, .feedback, at: 20000)),
            dispatch.event(Make.field("I2", unit: "U1", officers: o, .closed, at: 90000, outcome: .caseOpened, incidentClosed: true)),
        ])
        let lines = try h.lines("O1")
        #expect(lines.rule("signOff.breached")?.points == -1)
        #expect(lines.rule("signOff.onTime") == nil)
        #expect(lines.rule("arrival.breached")?.points == -1)
        #expect(lines.rule("feedback.breached")?.points == -1)
        #expect(lines.rule("feedback.onTime") == nil)
        #expect(lines.rule("close.breached")?.points == -2)  // 90000 s > 22 h, no timer event needed
        #expect(lines.rule("closed.caseOpened")?.points == 2)
        #expect(try h.total("O1") == 0.0)  // 3 − 1 − 1 − 1 − 2 + 2
    }

    @Test func aSignOffBreachFromDispatchWinsOverALaterSignOff() async throws {
        let h = try Harness()
        let dispatch = EventSource("dispatch")
        try await h.deliver([
            dispatch.event(Make.assigned("I3", unit: "U1", officers: ["O1"], at: 0)),
            dispatch.event(Make.breached("I3", .signOff, unit: "U1", officers: ["O1"], at: 90)),
        ])
        #expect(try h.lines("O1").rule("signOff.breached") != nil)
        // Category unknown (intake's event not here yet): the `default` base.
        #expect(try h.lines("O1").rule("dispatched")?.points == 1)
    }

    @Test func aLaterEventUpdatesAnAwardAndTheLedgerKeepsOneRow() async throws {
        let h = try Harness()
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        try await h.deliver([dispatch.event(Make.assigned("I4", unit: "U1", officers: ["O1"], at: 60))])
        #expect(try h.lines("O1").rule("dispatched")?.points == 1)
        try await h.deliver([intake.event(Make.opened("I4", .criminal, at: 0))])
        let line = try #require(try h.lines("O1").rule("dispatched"))
        #expect(line.points == 3)
        #expect(line.revision == 2)
        #expect(try h.lines("O1").count == 1)
        let published = try h.published().filter { $0.awardId == "I4:O1:dispatched" }
        #expect(published.map(\.points) == [1, 3])
        #expect(published.last?.previousPoints == 1)
    }

    @Test func aReplayedEventChangesNothing() async throws {
        let h = try Harness()
        let events = Self.mediatedDispute(EventSource("intake"), EventSource("dispatch"))
        try await h.deliver(events)
        let before = try h.ledger()
        let publishedBefore = try h.published().count
        try await h.deliver(events)
        #expect(try h.ledger() == before)
        #expect(try h.published().count == publishedBefore)
    }

    @Test func recomputeRebuildsTheLedgerUnderANewRuleTable() async throws {
        let h = try Harness()
        try await h.deliver(Self.mediatedDispute(EventSource("intake"), EventSource("dispatch")))
        #expect(try h.total("O1") == 6.5)
        var rules = ScoringRules.defaults
        rules.version = "v2"
        rules.basePoints["dispute"] = 5
        rules.bonuses.mediated = 0  // a zero rule earns no line
        guard case .recomputed(let summary) = try await h.engine.submit(.recompute(rules)) else {
            Issue.record("no summary")
            return
        }
        #expect(summary.rulesVersion == "v2")
        #expect(summary.incidents == 1)
        #expect(summary.withdrawn == 2)  // closed.mediated for O1 and O2
        #expect(try h.total("O1") == 5 + 0.5 + 1 + 0.5 + 0.5)
        #expect(try h.lines("O1").allSatisfy { $0.rulesVersion == "v2" })
        let ledger = try h.ledger()
        // Idempotent: recomputing again under the same table changes nothing.
        guard case .recomputed(let again) = try await h.engine.submit(.recompute(nil)) else {
            Issue.record("no summary")
            return
        }
        #expect(again.added == 0 && again.changed == 0 && again.withdrawn == 0)
        #expect(try h.ledger() == ledger)
        // Future awards follow the new table.
        // Past the sequences already applied (the inbox drops what it has seen).
        try await h.deliver([
            EventSource.envelope(Make.opened("I9", .dispute, at: 0), source: "intake", seq: 101),
            EventSource.envelope(Make.assigned("I9", unit: "U2", officers: ["O9"], at: 10), source: "dispatch", seq: 101),
        ])
        #expect(try h.lines("O9").rule("dispatched")?.points == 5)
    }

    /// The one arrival promise (`ArrivalPromise`, issue 15 point 4): the incident grid's fastest
    /// response point, as dispatch's timer uses it.
    @Test func theGridsResponsePointIsTheArrivalPromise() async throws {
        let j = try Jurisdiction.load(from: RuleTableTests.demoFile)
        let grid = try #require(j.grids.first { j.responseMinutes(grid: $0.id) == 1 })
        let unit = try #require(j.units.first)
        let h = try Harness(jurisdiction: j)
        let d = EventSource("dispatch")
        try await h.deliver([
            d.event(Make.assigned("I5", unit: unit.id, officers: ["O1"], at: 0, grid: grid.id)),
            d.event(Make.field("I5", unit: unit.id, officers: ["O1"], .arrived, at: 120)),  // 2 min > the 1-minute promise
        ])
        #expect(try h.lines("O1").rule("arrival.breached")?.explanation.contains("promise 60 s") == true)
    }
}
