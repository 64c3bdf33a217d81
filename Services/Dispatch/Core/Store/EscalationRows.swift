import EventStore
import Foundation
import GRDB
import Model

/// A missed-timer escalation as the incident's read API shows it (`escalations`).
public struct EscalationView: Codable, Sendable, Hashable {
    /// 1: the station's duty chief; 2: the region's centre station.
    public var level: Int
    /// `arrivalOverdue`, `firstFeedbackOverdue`, `closeOverdue`.
    public var reason: String
    public var stationId: String?
    public var officerIds: [String]
    public var at: Date
}

/// A level-1 escalation whose level 2 has come due.
struct DueEscalation: Sendable, Hashable {
    var id: Int64
    var incidentId: String
    var timer: SLATimer
}

// MARK: Missed-timer escalations (issue 15, point 2)

extension DispatchStore {
    static func registerEscalations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v3-escalations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE escalations (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, timer TEXT NOT NULL,
                                              level INTEGER NOT NULL, reason TEXT NOT NULL, station_id TEXT, officers TEXT NOT NULL, at REAL NOT NULL,
                                              next_due_at REAL, next_done INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX escalations_incident ON escalations(incident_id, id);
                    CREATE INDEX escalations_next ON escalations(next_due_at) WHERE next_done = 0 AND next_due_at IS NOT NULL;
                    ALTER TABLE incidents ADD COLUMN city_only INTEGER NOT NULL DEFAULT 0;
                    """)
        }
    }

    static func insertEscalation(_ e: OverdueEscalation, timer: SLATimer, incidentId: String, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO escalations (incident_id, timer, level, reason, station_id, officers, at, next_due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                incidentId, timer.rawValue, e.level, e.reason, e.stationId, e.officerIds.joined(separator: ","), tx.now.timeIntervalSince1970,
                e.nextAt?.timeIntervalSince1970,
            ])
    }

    /// Level-1 escalations whose next level is due (at most 100 per tick); each is marked done.
    static func escalationsDue(_ tx: Transaction) throws -> [DueEscalation] {
        let sql = "SELECT id, incident_id, timer FROM escalations WHERE next_done = 0 AND next_due_at IS NOT NULL AND next_due_at <= ? LIMIT 100"
        let due = try Row.fetchAll(tx.db.cachedStatement(sql: sql), arguments: [tx.now.timeIntervalSince1970]).compactMap { row in
            SLATimer(rawValue: row["timer"]).map { DueEscalation(id: row["id"], incidentId: row["incident_id"], timer: $0) }
        }
        for d in due { try tx.run("UPDATE escalations SET next_done = 1 WHERE id = ?", [d.id]) }
        return due
    }

    /// Whether any unit gave its first feedback on the incident (a late one still ends the escalation).
    static func hasFeedback(incidentId: String, _ tx: Transaction) throws -> Bool {
        try Int.fetchOne(
            tx.db, sql: "SELECT 1 FROM field_reports WHERE incident_id = ? AND stage IN ('feedback', 'closed') LIMIT 1", arguments: [incidentId])
            != nil
    }
}

extension DispatchQueries {
    static func escalations(_ db: Database, incidentId: String) throws -> [EscalationView] {
        try Row.fetchAll(db, sql: "SELECT * FROM escalations WHERE incident_id = ? ORDER BY id", arguments: [incidentId]).map { r in
            let officers: String = r["officers"]
            return EscalationView(
                level: r["level"], reason: r["reason"], stationId: r["station_id"],
                officerIds: officers.isEmpty ? [] : officers.split(separator: ",").map(String.init), at: Date(timeIntervalSince1970: r["at"]))
        }
    }
}
