import EventStore
import Model
import Wire

/// dispatch's `dispatch.assigned`: a unit and its officers sent to an incident (base points).
enum UnitAssignedHandler {
    static func apply(_ event: Envelope, in tx: Transaction, cache: DecodedFacts? = nil) throws {
        let e = try tx.decode(UnitAssigned.self, from: event)
        let log = FactLog(tx: tx)
        try log.recordAssignment(e)
        try log.keep(event, incident: e.incidentId, at: e.assignedAt, decoded: e, cache: cache)
    }
}
