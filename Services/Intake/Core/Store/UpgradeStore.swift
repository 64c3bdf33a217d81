import EventStore
import Foundation
import GRDB
import Model

/// The incident side of an upgrade: the `major` flag of `incidents`, and `incident_upgrades`, one
/// row per upgrade a merged call brought (what the read API shows).
enum UpgradeStore {
    /// The open incident `id` as an upgrade reads it, with its region; nil when it is not open.
    static func openIncident(_ id: String, _ db: Database) throws -> (incident: IncidentUpgrade.Incident, regionId: String?)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT category, priority, major, casualties, region_id FROM incidents WHERE id = ? AND status = 'open'"),
                arguments: [id]),
            let category = Category(rawValue: row["category"])
        else { return nil }
        let priority: Int? = row["priority"]
        return (
            IncidentUpgrade.Incident(
                category: category, priority: priority ?? IncidentPriority.of(category), major: row["major"], casualties: row["casualties"]),
            row["region_id"]
        )
    }

    /// Marks an incident major from its opening (dispatch makes the same reading of it).
    static func markMajor(_ id: String, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET major = 1 WHERE id = ?", [id])
    }

    /// Writes `upgrade` onto the incident and keeps it in the incident's history.
    static func apply(_ upgrade: IncidentUpgrade, to id: String, callId: String, at: Date, _ tx: Transaction) throws {
        try tx.run(
            """
            UPDATE incidents SET category = COALESCE(?, category), priority = COALESCE(?, priority), major = COALESCE(?, major),
                                 casualties = MAX(casualties, COALESCE(?, 0))
            WHERE id = ?
            """, [upgrade.category?.rawValue, upgrade.priority, upgrade.major, upgrade.casualties, id])
        try tx.run(
            """
            INSERT INTO incident_upgrades (incident_id, call_id, at, category, priority, major, casualties, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [id, callId, at.timeIntervalSince1970, upgrade.category?.rawValue, upgrade.priority, upgrade.major, upgrade.casualties, upgrade.reason])
    }

    /// The upgrades of an incident, oldest first.
    static func upgrades(of id: String, _ db: Database) throws -> [IncidentUpgradeView] {
        try Row.fetchAll(db, sql: "SELECT * FROM incident_upgrades WHERE incident_id = ? ORDER BY at, rowid", arguments: [id]).map { row in
            IncidentUpgradeView(
                callId: row["call_id"], at: Date(timeIntervalSince1970: row["at"]), category: row["category"], priority: row["priority"],
                major: row["major"], casualties: row["casualties"], reason: row["reason"])
        }
    }
}
