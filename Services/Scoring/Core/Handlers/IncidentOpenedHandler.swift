import EventStore
import Model
import Wire

/// intake's `incident.opened`: the category, place and call-taker of an incident.
enum IncidentOpenedHandler {
    static func apply(_ event: Envelope, in tx: Transaction, cache: DecodedFacts? = nil) throws {
        let e = try tx.decode(IncidentOpened.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.receivedAt, decoded: e, cache: cache)
    }
}
