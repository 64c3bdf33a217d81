import EventStore
import Model
import Wire

/// intake's `incident.upgraded`: a repeat call changed the incident's category (which its base
/// points, its KPIs and its awards read).
enum IncidentUpgradedHandler {
    static func apply(_ event: Envelope, in tx: Transaction, cache: DecodedFacts? = nil) throws {
        let e = try tx.decode(IncidentUpgraded.self, from: event)
        try FactLog(tx: tx).keep(event, incident: e.incidentId, at: e.upgradedAt, decoded: e, cache: cache)
    }
}
