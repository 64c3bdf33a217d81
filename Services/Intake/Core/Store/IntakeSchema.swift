import GRDB

/// intake's tables: `calls` (every call, whatever became of it), `incidents` (what calls opened),
/// `callers` (the repeat / malicious caller ledger, keyed by the callers' keyed hash), `incident_upgrades` (what merged calls changed).
enum IntakeSchema {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE calls (
                        id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, received_at REAL NOT NULL, channel TEXT NOT NULL,
                        outcome TEXT NOT NULL, reason_field TEXT, reason TEXT, incident_id TEXT, category TEXT,
                        grid_id TEXT, station_id TEXT, region_id TEXT, lat REAL, lon REAL, address TEXT,
                        caller_name TEXT, caller_phone TEXT, call_taker TEXT, client_ref TEXT UNIQUE, request TEXT NOT NULL);
                    CREATE INDEX calls_incident ON calls(incident_id);
                    CREATE TABLE incidents (
                        id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, opened_at REAL NOT NULL, call_id TEXT NOT NULL,
                        category TEXT NOT NULL, status TEXT NOT NULL, region_id TEXT, grid_id TEXT, lat REAL, lon REAL);
                    """)
        }
        // v2: unreadable calls are recorded too (channel may be unknown), with reason codes,
        // classification, merge and diversion details; incidents know their latest call; the
        // caller ledger.
        migrator.registerMigration("intake-v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE calls_v2 (
                        id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, received_at REAL NOT NULL, channel TEXT,
                        outcome TEXT NOT NULL, status INTEGER, reason_code TEXT, reason_field TEXT, reason TEXT, incident_id TEXT,
                        category TEXT, category_source TEXT, priority INTEGER, enterprise_related INTEGER, casualties INTEGER,
                        merge_reason TEXT, diversion_rule TEXT, diversion_matter TEXT, diversion_department TEXT, flags TEXT,
                        grid_id TEXT, station_id TEXT, post_id TEXT, region_id TEXT, lat REAL, lon REAL, address TEXT,
                        caller_name TEXT, caller_phone TEXT, call_taker TEXT, client_ref TEXT UNIQUE, description TEXT, request TEXT NOT NULL);
                    INSERT INTO calls_v2 (id, n, received_at, channel, outcome, reason_field, reason, incident_id, category, grid_id, station_id,
                                          region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref, request)
                        SELECT id, n, received_at, channel, outcome, reason_field, reason, incident_id, category, grid_id, station_id,
                               region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref, request FROM calls;
                    DROP TABLE calls;
                    ALTER TABLE calls_v2 RENAME TO calls;
                    CREATE INDEX calls_incident ON calls(incident_id);
                    CREATE INDEX calls_caller ON calls(caller_phone, received_at);
                    CREATE INDEX calls_outcome ON calls(outcome, n);
                    ALTER TABLE incidents ADD COLUMN priority INTEGER;
                    ALTER TABLE incidents ADD COLUMN station_id TEXT;
                    ALTER TABLE incidents ADD COLUMN post_id TEXT;
                    ALTER TABLE incidents ADD COLUMN address TEXT;
                    ALTER TABLE incidents ADD COLUMN enterprise_related INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE incidents ADD COLUMN casualties INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE incidents ADD COLUMN last_call_at REAL;
                    ALTER TABLE incidents ADD COLUMN call_count INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE incidents ADD COLUMN closed_at REAL;
                    ALTER TABLE incidents ADD COLUMN close_outcome TEXT;
                    UPDATE incidents SET last_call_at = opened_at;
                    CREATE INDEX incidents_open ON incidents(status, category, lat);
                    CREATE TABLE callers (
                        phone TEXT PRIMARY KEY, repeat_since REAL, false_reports INTEGER NOT NULL DEFAULT 0, malicious_since REAL);
                    """)
        }
        // Upgrades (issue 15): a merged call may raise an incident's category, priority,
        // casualties or make it major; each upgrade is kept for the read API.
        migrator.registerMigration("intake-v3-upgrades") { db in
            try db.execute(
                sql: """
                    ALTER TABLE incidents ADD COLUMN major INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE incident_upgrades (
                        incident_id TEXT NOT NULL, call_id TEXT NOT NULL, at REAL NOT NULL, category TEXT, priority INTEGER, major INTEGER,
                        casualties INTEGER, reason TEXT NOT NULL);
                    CREATE INDEX incident_upgrades_incident ON incident_upgrades(incident_id);
                    """)
        }
        // Personal data (issue 17): callers are matched on a keyed hash (`caller_key`), so their
        // names and phones can be redacted after the retention period; the ledger is keyed by
        // it too. Rows from before get their hash on the first sweep (the key is not known here):
        // until then the ledger's key is 'pending:<phone>'.
        migrator.registerMigration("intake-v4-personal-data") { db in
            try db.execute(
                sql: """
                    ALTER TABLE calls ADD COLUMN caller_key TEXT;
                    ALTER TABLE calls ADD COLUMN redacted_at REAL;
                    CREATE INDEX calls_caller_key ON calls(caller_key, received_at);
                    CREATE INDEX calls_unredacted ON calls(received_at) WHERE redacted_at IS NULL;
                    CREATE INDEX calls_unkeyed ON calls(caller_phone) WHERE caller_key IS NULL AND caller_phone IS NOT NULL;
                    CREATE TABLE callers_v4 (
                        caller_key TEXT PRIMARY KEY, phone TEXT, repeat_since REAL, false_reports INTEGER NOT NULL DEFAULT 0, malicious_since REAL);
                    INSERT INTO callers_v4 (caller_key, phone, repeat_since, false_reports, malicious_since)
                        SELECT 'pending:' || phone, phone, repeat_since, false_reports, malicious_since FROM callers;
                    DROP TABLE callers;
                    ALTER TABLE callers_v4 RENAME TO callers;
                    """)
        }
    }
}
