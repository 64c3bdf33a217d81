import Foundation
import LiaisonCore
import Model
import Testing
import TestSupport

/// Zero-disturbance coordination on liaison's side (issue 15, point 7): dispatch's hold asks the
/// liaison officer; the officer's acknowledgement is an event dispatch follows.
@Suite("zero-disturbance coordination")
struct CoordinationTests {
    static let site = demoEnterprises.first { $0.zeroDisturbance }!

    static func hold(_ id: String, _ status: HoldStatus, reason: String = "awaiting the liaison officer", at: Date = t0) -> CoordinationHold {
        CoordinationHold(
            incidentId: id, status: status, enterpriseId: site.id, enterpriseName: site.name, liaisonOfficerId: site.liaisonOfficerId,
            category: .dispute, priority: 3, regionId: "R1", gridId: site.gridId, heldAt: t0, dueAt: t0.addingTimeInterval(600),
            reason: reason, at: at)
    }

    @Test("a hold alerts the liaison officer; only that enterprise's officers may acknowledge, once")
    func acknowledge() async throws {
        let h = try Harness()
        try await h.deliver(Self.hold("I1", .held), from: "dispatch")
        let alert = try #require(try h.published(OfficerAlert.self).last)
        #expect(alert.kind == .coordination && alert.transition == "hold" && alert.coordinationRequired && alert.officerId == Self.site.liaisonOfficerId)

        let stranger = try #require(demoEnterprises.first { $0.liaisonOfficerId != Self.site.liaisonOfficerId }).liaisonOfficerId
        let forbidden = await refused(403) { try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I1", officerId: stranger))) }
        #expect(forbidden.first?.field == "officerId")
        _ = await refused(404) { try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I-none", officerId: Self.site.liaisonOfficerId))) }
        #expect(try h.published(CoordinationAcknowledged.self).isEmpty)

        let reply = try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I1", officerId: Self.site.liaisonOfficerId, note: "gate 2")))
        guard case .coordination(let view) = reply else {
            Issue.record("not a coordination reply")
            return
        }
        #expect(view.acknowledgedBy == Self.site.liaisonOfficerId && view.note == "gate 2")
        let ack = try #require(try h.published(CoordinationAcknowledged.self).last)
        #expect(ack.incidentId == "I1" && ack.enterpriseId == Self.site.id && ack.officerId == Self.site.liaisonOfficerId)
        _ = await refused(409) { try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I1", officerId: Self.site.liaisonOfficerId))) }

        // dispatch's release is recorded; a hold that timed out cannot be acknowledged.
        try await h.deliver(Self.hold("I2", .held), from: "dispatch")
        try await h.deliver(Self.hold("I2", .released, reason: "timeout", at: t0.addingTimeInterval(600)), from: "dispatch")
        _ = await refused(409) { try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I2", officerId: Self.site.liaisonOfficerId))) }
        guard case .coordinations(let list) = try await h.run(.coordinations(officerId: Self.site.liaisonOfficerId, status: nil)) else {
            Issue.record("not a list")
            return
        }
        #expect(Set(list.map(\.incidentId)) == ["I1", "I2"] && list.first { $0.incidentId == "I2" }?.status == "released")
    }

    @Test("an emergency sent at once tells the officer, and asks nothing")
    func emergency() async throws {
        let h = try Harness()
        try await h.deliver(Self.hold("I3", .bypassed, reason: "casualties"), from: "dispatch")
        let alert = try #require(try h.published(OfficerAlert.self).last)
        #expect(alert.transition == "emergency" && !alert.coordinationRequired && alert.severity == .severe)
        _ = await refused(409) { try await h.run(.acknowledgeCoordination(CoordinationAck(incidentId: "I3", officerId: Self.site.liaisonOfficerId))) }
    }
}
