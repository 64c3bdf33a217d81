import EventStore
import Model
import Wire

/// dispatch's `dispatch.field.<stage>`: a unit's sign-off, arrival, feedback, handover or close.
enum FieldReportedHandler {
    /// The stages that change an award or a KPI; support requests are not kept. En route is: it
    /// is a sign-off when the unit never sent one (it is under way).
    static let kept: [FieldStage] = [.signedOff, .enRoute, .arrived, .feedback, .closed, .handover]

    /// The stage is read from the topic, so a stage scoring does not keep is never decoded.
    static func apply(_ event: Envelope, in tx: Transaction) throws {
        let topic = event.topic
        guard kept.contains(where: { topic.hasPrefix(Topics.topic(type: FieldReported.type, routingKey: $0.rawValue) + ".") }) else { return }
        let e = try tx.decode(FieldReported.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.at)
    }
}
