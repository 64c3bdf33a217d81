import GRDB

/// liaison's tables: the registry, the incidents it matched and their dispatches, the alerts it
/// sent, cases with their ledger, the work log, and what it parks until an incident is known.
enum LiaisonSchema {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("liaison-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alerts (
                        alert_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, incident_id TEXT NOT NULL, transition TEXT NOT NULL,
                        matched_by TEXT NOT NULL, severity TEXT NOT NULL, at REAL NOT NULL);
                    CREATE INDEX alerts_enterprise ON alerts(enterprise_id);
                    """)
        }
        migrator.registerMigration("liaison-v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE alerts ADD COLUMN summary TEXT;
                    ALTER TABLE alerts ADD COLUMN zero_disturbance INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX alerts_incident ON alerts(incident_id);
                    CREATE TABLE liaison_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE enterprises (
                        id TEXT PRIMARY KEY, body TEXT NOT NULL, revision INTEGER NOT NULL, retired INTEGER NOT NULL,
                        registered_at REAL NOT NULL, updated_at REAL NOT NULL);
                    CREATE TABLE seen_incidents (incident_id TEXT PRIMARY KEY, at REAL NOT NULL);
                    CREATE INDEX seen_incidents_at ON seen_incidents(at);
                    CREATE TABLE pending_dispatch (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, type TEXT NOT NULL, payload BLOB NOT NULL, at REAL NOT NULL);
                    CREATE INDEX pending_dispatch_incident ON pending_dispatch(incident_id);
                    CREATE TABLE incidents (
                        incident_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, matched_by TEXT NOT NULL, reasons TEXT NOT NULL,
                        category TEXT NOT NULL, severity TEXT NOT NULL, zero_disturbance INTEGER NOT NULL, grid_id TEXT,
                        status TEXT NOT NULL, opened_at REAL NOT NULL, arrived_at REAL, closed_at REAL, outcome TEXT,
                        PRIMARY KEY (incident_id, enterprise_id));
                    CREATE INDEX incidents_enterprise ON incidents(enterprise_id, status);
                    CREATE TABLE dispatches (
                        incident_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, unit_id TEXT NOT NULL, call_sign TEXT NOT NULL,
                        at REAL NOT NULL, coordination_alert_id TEXT, PRIMARY KEY (incident_id, enterprise_id, unit_id));
                    CREATE TABLE officer_alerts (
                        alert_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, kind TEXT NOT NULL, enterprise_id TEXT NOT NULL,
                        incident_id TEXT NOT NULL, transition TEXT NOT NULL, matched_by TEXT NOT NULL, severity TEXT NOT NULL,
                        zero_disturbance INTEGER NOT NULL, summary TEXT, at REAL NOT NULL);
                    CREATE INDEX officer_alerts_officer ON officer_alerts(officer_id, at);
                    CREATE INDEX officer_alerts_enterprise ON officer_alerts(enterprise_id);
                    CREATE TABLE cases (
                        case_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, officer_id TEXT NOT NULL, incident_id TEXT, title TEXT NOT NULL,
                        status TEXT NOT NULL, suspects_caught INTEGER NOT NULL, losses_recovered_fen INTEGER NOT NULL,
                        opened_at REAL NOT NULL, solved_at REAL, updated_at REAL NOT NULL);
                    CREATE INDEX cases_enterprise ON cases(enterprise_id);
                    CREATE INDEX cases_officer ON cases(officer_id);
                    CREATE TABLE case_ledger (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, officer_id TEXT NOT NULL,
                        at REAL NOT NULL, opened INTEGER NOT NULL, solved INTEGER NOT NULL, suspects INTEGER NOT NULL,
                            recovered_fen INTEGER NOT NULL);
                    CREATE INDEX case_ledger_at ON case_ledger(at);
                    CREATE TABLE worklog (
                        entry_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, kind TEXT NOT NULL, officer_ids TEXT NOT NULL,
                        at REAL NOT NULL, note TEXT, recorded_at REAL NOT NULL);
                    CREATE INDEX worklog_enterprise ON worklog(enterprise_id, kind, at);
                    """)
        }
    }
}
