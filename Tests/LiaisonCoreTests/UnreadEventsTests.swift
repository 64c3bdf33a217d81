import EventStore
import Foundation
import GRDB
@testable import LiaisonCore
import Model
import Testing
import Wire

// A dispatch event liaison does not act on is left unread: its topic or header says so before
// the payload is decoded. A payload that is not even JSON shows which events were read (they
// are dead-lettered) and which were not.

@Suite struct UnreadEventsTests {
    static let notJSON = Array("not json".utf8)

    @Test func dispatchEventsOfIncidentsAtNoEnterpriseAndStagesNeverFollowedAreNotRead() async throws {
        let h = try Harness()
        let e = demo("E0002")
        let at = t0.addingTimeInterval(60)
        try await h.deliver(opened("I-ent", at: e.location), from: "intake")
        try await h.deliver(opened("I-other", at: nowhere), from: "intake")

        // Not read: an incident seen at no enterprise, and a stage liaison never follows.
        try await h.deliver(assigned("I-other", at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-other", .arrived, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-ent", .enRoute, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-unseen", .signedOff, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        #expect(try h.store.deadLetters().isEmpty)

        // Read: the enterprise's incident, and an incident not seen yet (its events wait for it).
        try await h.deliver(assigned("I-ent", at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-ent", .arrived, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-unseen", .arrived, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(assigned("I-unseen", at: at), from: "dispatch") { $0.payload = Self.notJSON }
        let reasons = try h.store.deadLetters().map(\.reason)
        #expect(reasons.count == 4, "\(reasons)")
        #expect(reasons.allSatisfy { $0.contains("is malformed: body is not valid JSON") }, "\(reasons)")

        // What is read still acts: the arrival alerts the enterprise; an early one is parked.
        try await h.deliver(field("I-ent", .arrived, at: at), from: "dispatch")
        try await h.deliver(field("I-unseen", .arrived, at: at), from: "dispatch")
        #expect(try h.published(EnterpriseAlert.self).map(\.transition) == ["opened", "arrived"])
        let parked = try await h.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM pending_dispatch") }
        #expect(parked == 1)

        // After a restart liaison remembers no recent incident; the store still knows I-other.
        try h.restart()
        try await h.deliver(field("I-other", .closed, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        try await h.deliver(field("I-ent", .closed, at: at), from: "dispatch") { $0.payload = Self.notJSON }
        #expect(try h.store.deadLetters().count == 5, "only I-ent's close was read")
    }

    @Test func recentIncidentsRememberTheLastOnesUpToTheirCapacity() {
        var recent = RecentIncidents(capacity: 3)
        for id in ["I-1", "I-2", "I-2", "I-3"] { recent.insert(id) }
        #expect(recent.count == 3 && ["I-1", "I-2", "I-3"].allSatisfy(recent.contains))
        recent.insert("I-4")
        recent.insert("I-5")
        #expect(recent.count == 3 && !recent.contains("I-1") && !recent.contains("I-2"))
        #expect(["I-3", "I-4", "I-5"].allSatisfy(recent.contains))
        for k in 6..<100 { recent.insert("I-\(k)") }
        #expect(recent.count == 3 && ["I-97", "I-98", "I-99"].allSatisfy(recent.contains))
    }

    @Test func theTopicOfAFieldReportNamesItsStageAndOnlyArrivalsAndClosesAreRead() {
        for stage in FieldStage.allCases {
            for region in ["R1", nil] {
                let report = field("I-1", stage, at: t0)
                var located = report
                located.regionId = region
                #expect(IncidentState.neverFollows(topic: located.topic) == (stage != .arrived && stage != .closed), "\(located.topic)")
            }
        }
        #expect(!IncidentState.neverFollows(topic: FieldReported.type), "no stage in the topic: read the payload")
        #expect(!IncidentState.neverFollows(topic: FieldReported.type + ".landed.R1"), "a stage liaison does not know: read the payload")
        #expect(!IncidentState.neverFollows(topic: UnitAssigned.type + ".R1"))
    }
}
