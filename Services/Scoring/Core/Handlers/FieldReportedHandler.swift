import EventStore
import Model
import Wire

/// dispatch's `dispatch.field.<stage>`: a unit's sign-off, arrival, feedback, handover or close.
enum FieldReportedHandler {
    /// The stages that change an award or a KPI (en route is an implied sign-off); support requests are not kept.
    static let kept: [FieldStage] = [.signedOff, .enRoute, .arrived, .feedback, .closed, .handover]

    /// The stage is read from the topic, so a stage scoring does not keep is never decoded.
    static func apply(_ event: Envelope, in tx: Transaction, cache: DecodedFacts? = nil) throws {
        guard let stage = FieldReported.stage(ofTopic: event.topic), kept.contains(stage) else { return }
        let e = try tx.decode(FieldReported.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.at, decoded: e, cache: cache)
    }
}
