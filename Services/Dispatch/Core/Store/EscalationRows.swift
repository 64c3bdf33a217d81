import EventStore
import Foundation
import GRDB
import Model

/// A level-1 overdue escalation whose level 2 has come due.
struct DueEscalation: Sendable, Hashable {
    var id: Int64
    var incidentId: String
    var timer: SLATimer
}

// MARK: Missed-timer escalation progress (issue 15, point 2)
//
// The escalation itself is recorded once, in `escalations` (OverrideRows.swift), where a dispatcher
// acknowledges it; this table only remembers when an overdue timer's next level comes due.

extension DispatchStore {
    static func registerEscalations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v3-escalations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE overdue_levels (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, timer TEXT NOT NULL,
                                                 level INTEGER NOT NULL, next_due_at REAL, next_done INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX overdue_levels_next ON overdue_levels(next_due_at) WHERE next_done = 0 AND next_due_at IS NOT NULL;
                    ALTER TABLE incidents ADD COLUMN city_only INTEGER NOT NULL DEFAULT 0;
                    """)
        }
    }

    static func insertOverdueLevel(_ e: OverdueEscalation, timer: SLATimer, incidentId: String, _ tx: Transaction) throws {
        try tx.run(
            "INSERT INTO overdue_levels (incident_id, timer, level, next_due_at) VALUES (?, ?, ?, ?)",
            [incidentId, timer.rawValue, e.level, e.nextAt?.timeIntervalSince1970])
    }

    /// Level-1 escalations whose next level is due (at most 100 per tick); each is marked done.
    static func escalationsDue(_ tx: Transaction) throws -> [DueEscalation] {
        let sql = "SELECT id, incident_id, timer FROM overdue_levels WHERE next_done = 0 AND next_due_at IS NOT NULL AND next_due_at <= ? LIMIT 100"
        let due = try Row.fetchAll(tx.db.cachedStatement(sql: sql), arguments: [tx.now.timeIntervalSince1970]).compactMap { row in
            SLATimer(rawValue: row["timer"]).map { DueEscalation(id: row["id"], incidentId: row["incident_id"], timer: $0) }
        }
        for d in due { try tx.run("UPDATE overdue_levels SET next_done = 1 WHERE id = ?", [d.id]) }
        return due
    }

    /// Whether any unit gave its first feedback on the incident (a late one still ends the escalation).
    static func hasFeedback(incidentId: String, _ tx: Transaction) throws -> Bool {
        try Int.fetchOne(
            tx.db, sql: "SELECT 1 FROM field_reports WHERE incident_id = ? AND stage IN ('feedback', 'closed') LIMIT 1", arguments: [incidentId])
            != nil
    }
}
