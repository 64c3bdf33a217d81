import EventStore
import Foundation
import Model

/// The `flush` command (and the tick): re-derives dirty incidents from their facts and writes the
/// difference to the ledger, publishing one `PointsAwarded` per incident whose points changed.
struct IncidentDeriver {
    let rules: ScoringRules
    /// Each covered grid's arrival promise, seconds (`ArrivalPromise`).
    let promises: [String: Double]
    /// Facts decoded by earlier derivations (nil: decode every fact each time).
    var decoded: DecodedFacts? = nil

    /// Re-derives every dirty incident; returns how many.
    func flush(_ tx: Transaction) throws -> Int {
        let log = FactLog(tx: tx)
        let ids = try log.dirtyIncidents()
        guard !ids.isEmpty else { return 0 }
        for id in ids { _ = try derive(id, tx) }
        try log.clearDirty()
        return ids.count
    }

    /// Derives one incident from its facts, writes its row and the ledger's difference, and
    /// publishes its changes of points in one event.
    func derive(_ incidentId: String, _ tx: Transaction) throws -> LedgerChange {
        let promises = self.promises
        let facts = try FactLog(tx: tx).facts(of: incidentId)
        let (incident, awards) = Derivation.derive(
            incidentId: incidentId, facts: facts, rules: rules, decoder: tx.decoder, cache: decoded,
            promise: { promises[$0] })
        // A closed incident rarely changes again: its decoded facts make room for open ones.
        if incident.closedAt != nil { decoded?.forget(facts) }
        let writer = LedgerWriter(tx: tx)
        try writer.write(incident)
        let change = LedgerChange(incident: incident, awards: awards, stored: try writer.lines(of: incidentId), rulesVersion: rules.version)
        try writer.apply(change)
        if let event = change.event { try tx.emit(event) }
        return change
    }
}
