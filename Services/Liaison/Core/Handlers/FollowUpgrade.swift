import EventStore
import Foundation
import Model

/// intake's `incident.upgraded` (issue 15): an enterprise's incident that a repeat call made more
/// serious (someone hurt, a knife drawn) carries its new category and severity in the alerts
/// still to come (`arrived`, `closed`) and in the read API. Severity only rises. No alert of its
/// own: an enterprise is told of the incident's transitions, not of its reclassification.
struct FollowUpgrade {
    func apply(_ upgrade: IncidentUpgraded, _ tx: Transaction) throws {
        guard upgrade.category != nil || upgrade.casualties != nil else { return }
        for state in try IncidentStore.states(upgrade.incidentId, tx) {
            let category = upgrade.category ?? state.category
            let severity = AlertText.severity(category, casualties: upgrade.casualties ?? 0)
            let rank: [EnterpriseAlert.Severity] = [.minor, .moderate, .severe]
            let higher = (rank.firstIndex(of: severity) ?? 0) > (rank.firstIndex(of: state.severity) ?? 0) ? severity : state.severity
            try IncidentStore.upgrade(upgrade.incidentId, enterpriseId: state.enterpriseId, category: category, severity: higher, tx)
        }
    }
}
