import EventStore
import Foundation
import Model
import Wire

/// dispatch's `dispatch.field.closed.*`: a closed incident takes no more repeat calls (`incident.ended`),
/// and one closed as a false report counts against each of its callers in the ledger.
struct IncidentClosed {
    let merge: MergePolicy

    /// `dispatch.field.closed.`: the topic filters out every other stage before any decoding.
    static let topicPrefix = Topics.topic(type: FieldReported.type, routingKey: FieldStage.closed.rawValue) + "."

    func apply(_ event: Envelope, _ tx: Transaction) throws {
        guard event.topic.hasPrefix(Self.topicPrefix) else { return }
        let report = try tx.decode(FieldReported.self, from: event)
        // With several units on an incident, it closes with the last one (`incidentClosed`).
        guard report.stage == .closed, report.incidentClosed != false else { return }
        // A second closing report of the same incident (another unit) changes nothing.
        guard try IncidentStore.close(report.incidentId, at: report.at, outcome: report.outcome, tx) else { return }
        // The city desk follows intake, not the other dispatch instances: this is how it hears the end.
        try tx.emit(IncidentEnded(incidentId: report.incidentId, outcome: report.outcome, regionId: report.regionId, endedAt: report.at))
        guard report.outcome == .falseReport else { return }
        for caller in try CallStore.callers(incidentId: report.incidentId, tx.db) {
            let falseReports = try CallerLedger.addFalseReport(caller.key, phone: caller.phone, tx)
            if merge.isMalicious(falseReports: falseReports) { try CallerLedger.markMalicious(caller.key, since: report.at, tx) }
        }
    }
}
