import EventStore
import Model
import Wire

/// dispatch's `sla.breached`: a missed timer (a deduction for the officers it names).
enum SLABreachedHandler {
    static func apply(_ event: Envelope, in tx: Transaction) throws {
        let e = try tx.decode(SLABreached.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.at)
    }
}
