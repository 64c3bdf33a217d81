import EventStore
import Model

/// The `recompute` command: re-derives the whole ledger from the fact log, in incident-id order,
/// under the table given (or the one in force). Recomputing twice under one table changes nothing.
enum RecomputeHandler {
    static func handle(_ deriver: IncidentDeriver, in tx: Transaction) throws -> ScoringAPI.RecomputeSummary {
        let ids = try FactLog(tx: tx).allIncidents()
        var summary = ScoringAPI.RecomputeSummary(
            rulesVersion: deriver.rules.version, incidents: ids.count, added: 0, changed: 0, withdrawn: 0,
            awards: 0, points: 0)
        for id in ids {
            let change = try deriver.derive(id, tx)
            summary.added += change.added
            summary.changed += change.changed
            summary.withdrawn += change.withdrawn
        }
        (summary.awards, summary.points) = try LedgerWriter(tx: tx).totals()
        return summary
    }
}
