import EventStore
import Foundation
import LiaisonCore
import Model
import Testing
import Wire

/// Issue 15, point 1: an enterprise's incident upgraded by a repeat call is alerted with its new
/// category and severity from then on.
@Suite struct LiaisonUpgradeTests {
    @Test func anUpgradedIncidentIsAlertedWithItsNewCategoryAndSeverity() async throws {
        let h = try Harness()
        let e = demo("E0002")
        try await h.deliver(opened("I-9", at: e.location, category: .dispute, description: "工人与厂方争执"), from: "intake")
        let upgrade = IncidentUpgraded(
            incidentId: "I-9", callId: "C-9b", category: .criminal, priority: 1, major: true, casualties: nil,
            reason: "a repeat call reports criminal", regionId: "R1", upgradedAt: t0.addingTimeInterval(60))
        try await h.deliver(upgrade, from: "intake")
        try await h.deliver(assigned("I-9", at: t0.addingTimeInterval(70)), from: "dispatch")
        try await h.deliver(field("I-9", .arrived, at: t0.addingTimeInterval(300)), from: "dispatch")
        let alerts = try h.published(EnterpriseAlert.self).filter { $0.incidentId == "I-9" }
        #expect(alerts.map(\.transition) == ["opened", "arrived"])
        #expect(alerts.first?.severity == .moderate && alerts.first?.category == .dispute)
        #expect(alerts.last?.severity == .severe && alerts.last?.category == .criminal)
    }
}
