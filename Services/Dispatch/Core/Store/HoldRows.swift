import EventStore
import Foundation
import GRDB
import Model

/// The tables of zero-disturbance holds: the sites dispatch learnt from liaison, and each hold
/// (or bypass) with how it ended. Their own migration, registered after `DispatchSchema`'s.
enum HoldSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-zero-disturbance-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE zd_sites (id TEXT PRIMARY KEY, body TEXT NOT NULL);
                    CREATE TABLE holds (incident_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, enterprise_name TEXT, officer_id TEXT NOT NULL,
                                        status TEXT NOT NULL, reason TEXT NOT NULL, held_at REAL NOT NULL, due_at REAL, released_at REAL,
                                        acknowledged_by TEXT);
                    CREATE INDEX holds_open ON holds(due_at) WHERE status = 'held';
                    """)
        }
    }

    /// The sites and the holds still waiting, for `Dispatcher.load`.
    static func load(_ db: Database) throws -> (sites: [ZeroDisturbanceSite], holds: [HeldIncident]) {
        let decoder = JSONDecoder()
        var sites: [String: ZeroDisturbanceSite] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT body FROM zd_sites") {
            if let site = try? decoder.decode(ZeroDisturbanceSite.self, from: Data((row["body"] as String).utf8)) { sites[site.id] = site }
        }
        let holds = try Row.fetchAll(db, sql: "SELECT * FROM holds WHERE status = 'held'").compactMap { row -> HeldIncident? in
            let enterpriseId: String = row["enterprise_id"]
            let site =
                sites[enterpriseId]
                ?? ZeroDisturbanceSite(id: enterpriseId, name: row["enterprise_name"] ?? enterpriseId, liaisonOfficerId: row["officer_id"], geofence: GeoPolygon(rings: []))
            guard let due: Double = row["due_at"] else { return nil }
            return HeldIncident(
                incidentId: row["incident_id"], site: site, heldAt: Date(timeIntervalSince1970: row["held_at"]), dueAt: Date(timeIntervalSince1970: due))
        }
        return (Array(sites.values), holds)
    }
}

// MARK: Zero-disturbance sites and holds

extension DispatchStore {
    static func saveSite(_ site: ZeroDisturbanceSite, _ tx: Transaction) throws {
        let body = String(decoding: try JSONEncoder().encode(site), as: UTF8.self)
        try tx.run("INSERT INTO zd_sites (id, body) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body", [site.id, body])
    }

    static func deleteSite(id: String, _ tx: Transaction) throws {
        try tx.run("DELETE FROM zd_sites WHERE id = ?", [id])
    }

    /// A hold (`held`) or a bypass (`bypassed`, no due time) begins.
    static func insertHold(_ incidentId: String, site: ZeroDisturbanceSite, status: HoldStatus, reason: String, dueAt: Date?, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT OR IGNORE INTO holds (incident_id, enterprise_id, enterprise_name, officer_id, status, reason, held_at, due_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [incidentId, site.id, site.name, site.liaisonOfficerId, status.rawValue, reason, tx.now.timeIntervalSince1970, dueAt?.timeIntervalSince1970])
        if status == .held { try tx.run("UPDATE incidents SET status = 'held' WHERE id = ?", [incidentId]) }
    }

    /// The hold ended (`reason`: acknowledged, timeout, dispatcher, emergency). The incident stays
    /// `held` in its row until a unit is sent or its need queued, which set the status.
    static func releaseHold(_ incidentId: String, reason: String, acknowledgedBy: String?, _ tx: Transaction) throws {
        try tx.run(
            "UPDATE holds SET status = 'released', reason = ?, released_at = ?, acknowledged_by = ? WHERE incident_id = ?",
            [reason, tx.now.timeIntervalSince1970, acknowledgedBy, incidentId])
    }
}
