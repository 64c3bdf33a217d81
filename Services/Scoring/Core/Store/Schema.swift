import GRDB

/// scoring's tables. v1 kept only a ledger; v2 added the fact log the ledger is derived from.
enum ScoringSchema {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("scoring-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE ledger (
                        award_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, unit_id TEXT, incident_id TEXT NOT NULL,
                        rule TEXT NOT NULL, points REAL NOT NULL, earned_by TEXT NOT NULL, station_id TEXT, at REAL NOT NULL);
                    CREATE INDEX ledger_officer ON ledger(officer_id);
                    CREATE INDEX ledger_incident ON ledger(incident_id);
                    CREATE TABLE assignments (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, station_id TEXT, PRIMARY KEY (incident_id, unit_id));
                    """)
        }
        // v2: the fact log and the derived tables. The old ledger cannot be explained by facts it
        // never kept: it is rebuilt by replaying every followed source from its start.
        migrator.registerMigration("scoring-v2") { db in
            try db.execute(
                sql: """
                    DROP TABLE ledger;
                    DELETE FROM assignments;
                    DELETE FROM inbox;
                    CREATE TABLE ledger (
                        award_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, unit_id TEXT, incident_id TEXT NOT NULL,
                        rule TEXT NOT NULL, points REAL NOT NULL, earned_by TEXT NOT NULL, explanation TEXT NOT NULL,
                        station_id TEXT, post_id TEXT, region_id TEXT, grid_id TEXT, unit_station_id TEXT, category TEXT,
                        at REAL NOT NULL, rules_version TEXT NOT NULL, revision INTEGER NOT NULL);
                    CREATE INDEX ledger_officer ON ledger(officer_id, at);
                    CREATE INDEX ledger_incident ON ledger(incident_id);
                    CREATE INDEX ledger_at ON ledger(at);
                    CREATE TABLE facts (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, type TEXT NOT NULL, at REAL NOT NULL, payload BLOB NOT NULL);
                    CREATE INDEX facts_incident ON facts(incident_id);
                    CREATE TABLE dirty (incident_id TEXT PRIMARY KEY);
                    CREATE TABLE incidents (
                        incident_id TEXT PRIMARY KEY, received_at REAL, start_at REAL, category TEXT, channel TEXT, call_taker TEXT,
                        grid_id TEXT, station_id TEXT, post_id TEXT, region_id TEXT,
                        first_assigned_at REAL, first_signed_at REAL, first_arrived_at REAL, first_feedback_at REAL,
                        closed_at REAL, outcome TEXT, handed_over INTEGER NOT NULL, station_units INTEGER NOT NULL, units INTEGER NOT NULL,
                        complaints INTEGER NOT NULL, complaints_upheld INTEGER NOT NULL, callbacks INTEGER NOT NULL, satisfied INTEGER NOT NULL);
                    CREATE INDEX incidents_start ON incidents(start_at);
                    CREATE TABLE incident_units (
                        incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, kind TEXT, station_id TEXT, officer_ids TEXT NOT NULL, role TEXT,
                        assigned_at REAL NOT NULL, signed_at REAL, arrived_at REAL, feedback_at REAL, closed_at REAL, outcome TEXT,
                        handed_over INTEGER NOT NULL, PRIMARY KEY (incident_id, unit_id));
                    CREATE TABLE complaints (complaint_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, body BLOB NOT NULL);
                    CREATE TABLE callbacks (callback_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, body BLOB NOT NULL);
                    CREATE TABLE reports_published (period TEXT NOT NULL, from_at REAL NOT NULL, report_id TEXT NOT NULL,
                        PRIMARY KEY (period, from_at));
                    """)
        }
    }
}
