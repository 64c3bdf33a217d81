import GRDB

/// dispatch's tables. Migrations are append-only: a shipped one is never edited, so every store
/// upgrades the same way.
enum DispatchSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE units (id TEXT PRIMARY KEY, state TEXT NOT NULL, incident_id TEXT, lat REAL NOT NULL, lon REAL NOT NULL,
                                        updated_at REAL NOT NULL);
                    CREATE TABLE incidents (
                        id TEXT PRIMARY KEY, category TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
                        region_id TEXT, station_id TEXT, grid_id TEXT, post_id TEXT, urban INTEGER, lat REAL, lon REAL,
                        opened_at REAL NOT NULL, assigned_at REAL, closed_at REAL, unit_id TEXT, rule TEXT, outcome TEXT);
                    CREATE INDEX incidents_status ON incidents(status);
                    CREATE TABLE assignments (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, rule TEXT NOT NULL, at REAL NOT NULL,
                                              PRIMARY KEY (incident_id, unit_id));
                    CREATE TABLE field_reports (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, stage TEXT NOT NULL, at REAL NOT NULL, outcome TEXT,
                                                PRIMARY KEY (incident_id, unit_id, stage));
                    """)
        }
        migrator.registerMigration("dispatch-v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE units ADD COLUMN off_reason TEXT;
                    ALTER TABLE incidents ADD COLUMN casualties INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE incidents ADD COLUMN consent INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE incidents ADD COLUMN channel TEXT;
                    ALTER TABLE incidents ADD COLUMN major INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE incidents ADD COLUMN command_station_id TEXT;
                    ALTER TABLE incidents ADD COLUMN case_referred INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE assignments ADD COLUMN role TEXT NOT NULL DEFAULT 'primary';
                    ALTER TABLE assignments ADD COLUMN need TEXT;
                    ALTER TABLE assignments ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE assignments ADD COLUMN signed_off INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE assignments ADD COLUMN ended_at REAL;
                    ALTER TABLE assignments ADD COLUMN end_reason TEXT;
                    ALTER TABLE assignments ADD COLUMN distance REAL;
                    ALTER TABLE assignments ADD COLUMN eta REAL;
                    CREATE INDEX assignments_active ON assignments(incident_id) WHERE active = 1;
                    CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, need TEXT NOT NULL,
                        priority INTEGER NOT NULL,
                                        region_id TEXT, queued_at REAL NOT NULL, level INTEGER NOT NULL DEFAULT 1);
                    CREATE INDEX queue_incident ON queue(incident_id);
                    CREATE TABLE timers (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL DEFAULT '', timer TEXT NOT NULL, region_id TEXT,
                                         station_id TEXT,
                                         started_at REAL NOT NULL, warn_at REAL, due_at REAL NOT NULL, state TEXT NOT NULL, ended_at REAL,
                                         PRIMARY KEY (incident_id, unit_id, timer));
                    CREATE INDEX timers_warn ON timers(warn_at) WHERE state = 'pending';
                    CREATE INDEX timers_due ON timers(due_at) WHERE state IN ('pending', 'warned');
                    CREATE TABLE echelons (incident_id TEXT NOT NULL, echelon INTEGER NOT NULL, units INTEGER NOT NULL, due_at REAL NOT NULL,
                                           done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (incident_id, echelon));
                    CREATE INDEX echelons_due ON echelons(due_at) WHERE done = 0;
                    CREATE TABLE timeline (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL,
                                           unit_id TEXT, detail TEXT);
                    CREATE INDEX timeline_incident ON timeline(incident_id, id);
                    """)
        }
        DispatchStore.registerEscalations(&migrator)
    }
}
