import EventStore
import Model
import Wire

/// dispatch's `dispatch.closed`: the incident's outcome and close time.
enum IncidentClosedHandler {
    static func apply(_ event: Envelope, in tx: Transaction) throws {
        let e = try tx.decode(IncidentClosed.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.at)
    }
}
