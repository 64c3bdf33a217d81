import Bus
import EventStore
import Foundation
import GRDB
import Model

/// One enterprise, one officer (一企一警): an incident that touches a registered enterprise
/// alerts it and its liaison officer, once per transition.
public final class LiaisonCore: ServiceCore {
    public enum Command: Sendable {}
    public enum Reply: Sendable {}

    let enterprises: [Enterprise]
    private let byId: [String: Enterprise]
    private let boxes: [BoundingBox]

    public init(enterprises: [Enterprise]) {
        self.enterprises = enterprises
        byId = Dictionary(uniqueKeysWithValues: enterprises.map { ($0.id, $0) })
        boxes = enterprises.map(\.geofence.boundingBox)
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("liaison-v1") { db in
            try db.execute(sql: """
                CREATE TABLE alerts (
                    alert_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, incident_id TEXT NOT NULL, transition TEXT NOT NULL,
                    matched_by TEXT NOT NULL, severity TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX alerts_enterprise ON alerts(enterprise_id);
                """)
        }
    }

    public func load(_ db: Database) throws {}

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {}

    /// The enterprises an incident touches, and why.
    public func matches(place: IncidentPlace, namedEnterprise: String?) -> [(Enterprise, String)] {
        var out: [(Enterprise, String)] = []
        if let named = namedEnterprise, let e = byId[named] { out.append((e, "named")) }
        if let c = place.coordinate {
            for (index, e) in enterprises.enumerated() where boxes[index].contains(c) && e.geofence.contains(c) && !out.contains(where: { $0.0.id == e.id }) {
                out.append((e, "geofence"))
            }
        }
        if let address = place.address {
            for e in enterprises where e.address == address && !out.contains(where: { $0.0.id == e.id }) {
                out.append((e, "address"))
            }
        }
        return out
    }

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        guard event.header.type == IncidentOpened.type else { return }
        let opened = try tx.decode(IncidentOpened.self, from: event)
        for (enterprise, reason) in matches(place: opened.place, namedEnterprise: opened.enterpriseId) {
            let severity: EnterpriseAlert.Severity = switch opened.category {
            case .criminal, .accidentCasualty: .severe
            case .publicOrder, .accidentMinor, .dispute: .moderate
            case .helpRequest, .nonPolice: .minor
            }
            let alertId = "\(opened.incidentId):\(enterprise.id):opened"
            try tx.run("INSERT OR IGNORE INTO alerts (alert_id, enterprise_id, incident_id, transition, matched_by, severity, at) VALUES (?, ?, ?, 'opened', ?, ?, ?)",
                              [alertId, enterprise.id, opened.incidentId, reason, severity.rawValue, opened.receivedAt.timeIntervalSince1970])
            guard tx.db.changesCount > 0 else { continue }
            try tx.emit(EnterpriseAlert(
                alertId: alertId, enterpriseId: enterprise.id, enterpriseName: enterprise.name, incidentId: opened.incidentId,
                transition: "opened", severity: severity, category: opened.category, matchedBy: reason,
                liaisonOfficerId: enterprise.liaisonOfficerId, zeroDisturbance: enterprise.zeroDisturbance,
                gridId: opened.place.grid?.gridId, at: opened.receivedAt))
        }
    }
}
