import EventStore
import Foundation
import Model

/// Sends and records the alerts of one transition. The stored alert id is the de-duplication
/// key: a transition reported twice alerts nobody the second time.
struct SendAlerts {
    /// `alert.enterprise.<id>` and its officer alert, for the incident at the enterprise.
    func transition(
        _ incident: IncidentState, _ transition: IncidentState.Transition, outcome: Outcome?, at: Date, registry: Registry,
        detail: AlertRules.OfficerDetail? = nil, _ tx: Transaction
    ) throws {
        guard let e = registry[incident.enterpriseId]?.enterprise else { return }
        let alertId = AlertRules.alertId(incident, transition: transition.name)
        let references = try AlertStore.earlier(incidentId: incident.incidentId, enterpriseId: e.id, excluding: alertId, tx)
        let alert = AlertRules.enterpriseAlert(incident, e, transition: transition, outcome: outcome, at: at, references: references)
        guard try AlertStore.insert(alert, tx) else { return }
        try tx.emit(alert)
        try officer(AlertRules.officerAlert(incident, e, transition: transition, outcome: outcome, at: at, detail: detail), tx)
    }

    /// `alert.officer.<id>`, once per alert id.
    func officer(_ alert: OfficerAlert, _ tx: Transaction) throws {
        guard try AlertStore.insert(alert, tx) else { return }
        try tx.emit(alert)
    }
}
