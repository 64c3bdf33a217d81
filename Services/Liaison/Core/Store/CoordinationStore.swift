import EventStore
import Foundation
import GRDB
import Model

/// Zero-disturbance holds as liaison follows them from dispatch, with the acknowledgements it
/// sent. Its own migration, registered after `LiaisonSchema`'s.
enum CoordinationStore {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("liaison-coordination-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE coordination (incident_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, officer_id TEXT NOT NULL,
                                               status TEXT NOT NULL, reason TEXT NOT NULL, held_at REAL, due_at REAL, updated_at REAL NOT NULL,
                                               acknowledged_by TEXT, acknowledged_at REAL, note TEXT);
                    CREATE INDEX coordination_officer ON coordination(officer_id, status);
                    """)
        }
    }

    /// Records dispatch's hold event. A later status replaces an earlier one; a replayed older
    /// event (by event time) changes nothing.
    static func record(_ h: CoordinationHold, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO coordination (incident_id, enterprise_id, officer_id, status, reason, held_at, due_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(incident_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                acknowledged_by = COALESCE(?, acknowledged_by), updated_at = excluded.updated_at
            WHERE excluded.updated_at >= coordination.updated_at
            """,
            [
                h.incidentId, h.enterpriseId, h.liaisonOfficerId, h.status.rawValue, h.reason, h.heldAt?.timeIntervalSince1970,
                h.dueAt?.timeIntervalSince1970, h.at.timeIntervalSince1970, h.acknowledgedBy,
            ])
    }

    static func acknowledge(_ incidentId: String, by officerId: String, note: String?, _ tx: Transaction) throws {
        try tx.run(
            "UPDATE coordination SET acknowledged_by = ?, acknowledged_at = ?, note = ? WHERE incident_id = ?",
            [officerId, tx.now.timeIntervalSince1970, note, incidentId])
    }

    static func hold(_ db: Database, incidentId: String) throws -> CoordinationView? {
        try list(db, where: "incident_id = ?", [incidentId]).first
    }

    /// Holds of one officer, or in one status, newest first (at most 500).
    static func list(_ db: Database, officerId: String?, status: String?) throws -> [CoordinationView] {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let officerId {
            clauses.append("officer_id = ?")
            args.append(officerId)
        }
        if let status {
            clauses.append("status = ?")
            args.append(status)
        }
        return try list(db, where: clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), args)
    }

    private static func list(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible]) throws -> [CoordinationView] {
        let sql = "SELECT * FROM coordination WHERE \(clause) ORDER BY updated_at DESC, incident_id LIMIT 500"
        func date(_ r: Row, _ c: String) -> Date? { (r[c] as Double?).map(Date.init(timeIntervalSince1970:)) }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
            CoordinationView(
                incidentId: r["incident_id"], enterpriseId: r["enterprise_id"], liaisonOfficerId: r["officer_id"], status: r["status"],
                reason: r["reason"], heldAt: date(r, "held_at"), dueAt: date(r, "due_at"), acknowledgedBy: r["acknowledged_by"],
                acknowledgedAt: date(r, "acknowledged_at"), note: r["note"])
        }
    }
}
