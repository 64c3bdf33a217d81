import EventStore
import Model

/// The `callback` command: records a satisfaction call-back (回访) as a fact of its incident and
/// re-derives at once.
enum CallbackHandler {
    static func handle(_ input: ScoringAPI.CallbackInput, _ deriver: IncidentDeriver, in tx: Transaction) throws -> Callback {
        guard !input.callbackId.isEmpty else { throw ScoringRefusal.invalid("callbackId is empty", field: "callbackId") }
        let log = FactLog(tx: tx)
        guard try log.knows(input.incidentId) else {
            throw ScoringRefusal.notFound("incident '\(input.incidentId)' is not known to scoring", field: "incidentId")
        }
        let callback = Callback(
            callbackId: input.callbackId, incidentId: input.incidentId, satisfied: input.satisfied, note: input.note,
            at: input.at ?? tx.now)
        try log.save(callback)
        _ = try deriver.flush(tx)
        return callback
    }
}
