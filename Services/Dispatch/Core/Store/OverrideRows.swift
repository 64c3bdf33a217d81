import EventStore
import Foundation
import GRDB
import Model

/// The tables of dispatcher overrides and escalations. Their own migration (append-only, like
/// `DispatchSchema`'s), registered after it.
enum OverrideSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-escalations-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE escalations (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, level INTEGER NOT NULL, reason TEXT NOT NULL,
                                              note TEXT, command_station_id TEXT, region_id TEXT, raised_at REAL NOT NULL,
                                              acknowledged_by TEXT, acknowledged_at REAL, acknowledge_reason TEXT);
                    CREATE INDEX escalations_incident ON escalations(incident_id);
                    CREATE INDEX escalations_open ON escalations(raised_at) WHERE acknowledged_at IS NULL;
                    """)
        }
    }
}

/// An escalation as stored, for the acknowledgement's checks.
struct EscalationRow: Sendable, Hashable {
    var id: String
    var incidentId: String
    var regionId: String?
    var acknowledgedBy: String?
    var acknowledgedAt: Date?
}

// MARK: Overrides and escalations

extension DispatchStore {
    /// Records an escalation under the id of the event that raised it.
    static func insertEscalation(id: String, _ e: IncidentEscalated, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT OR IGNORE INTO escalations (id, incident_id, level, reason, note, command_station_id, region_id, raised_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [id, e.incidentId, e.level, e.reason, e.note, e.commandStationId, e.regionId, e.at.timeIntervalSince1970])
    }

    static func escalation(id: String, _ tx: Transaction) throws -> EscalationRow? {
        let sql = "SELECT id, incident_id, region_id, acknowledged_by, acknowledged_at FROM escalations WHERE id = ?"
        return try Row.fetchOne(tx.db.cachedStatement(sql: sql), arguments: [id]).map {
            EscalationRow(
                id: $0["id"], incidentId: $0["incident_id"], regionId: $0["region_id"], acknowledgedBy: $0["acknowledged_by"],
                acknowledgedAt: ($0["acknowledged_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    static func acknowledgeEscalation(id: String, by dispatcher: String, reason: String, _ tx: Transaction) throws {
        try tx.run(
            "UPDATE escalations SET acknowledged_by = ?, acknowledged_at = ?, acknowledge_reason = ? WHERE id = ?",
            [dispatcher, tx.now.timeIntervalSince1970, reason, id])
    }

    /// The incident's status as stored (`nil`: dispatch never recorded it).
    static func incidentStatus(_ id: String, _ tx: Transaction) throws -> String? {
        try tx.fetchOne(String.self, "SELECT status FROM incidents WHERE id = ?", [id])
    }

    static func setCategory(incidentId: String, _ category: Category, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET category = ? WHERE id = ?", [category.rawValue, incidentId])
    }

    static func setMajor(incidentId: String, _ major: Bool, commandStationId: String?, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET major = ?, command_station_id = ? WHERE id = ?", [major ? 1 : 0, commandStationId, incidentId])
    }

    /// No later PTU echelon will be sent (the incident is no longer major).
    static func cancelEchelons(incidentId: String, _ tx: Transaction) throws {
        try tx.run("UPDATE echelons SET done = 1 WHERE incident_id = ? AND done = 0", [incidentId])
    }
}
