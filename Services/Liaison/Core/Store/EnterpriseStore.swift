import EventStore
import Foundation
import GRDB
import Model
import Wire

/// The `enterprises` table (each record's JSON, revision and dates) and whether the city's
/// registry was seeded.
enum EnterpriseStore {
    static func records(_ db: Database) throws -> [EnterpriseRecord] {
        let decoder = JSONCodec.decoder()
        return try Row.fetchAll(db, sql: "SELECT id, body, revision, retired, registered_at, updated_at FROM enterprises").map { row in
            let body: String = row["body"]
            return EnterpriseRecord(
                enterprise: try decoder.decode(Enterprise.self, from: Data(body.utf8)), revision: row["revision"],
                retired: row["retired"], registeredAt: Date(timeIntervalSince1970: row["registered_at"]),
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    /// Writes a change decided by ``Registry``.
    static func write(_ change: Registry.Change, _ tx: Transaction) throws {
        let r = change.record
        if change.change == .retired {
            try tx.run(
                "UPDATE enterprises SET retired = 1, revision = ?, updated_at = ? WHERE id = ?",
                [r.revision, r.updatedAt.timeIntervalSince1970, r.enterprise.id])
            return
        }
        let body = String(decoding: try JSONCodec.encoder().encode(r.enterprise), as: UTF8.self)
        if change.isNew {
            try tx.run(
                "INSERT INTO enterprises (id, body, revision, retired, registered_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
                [r.enterprise.id, body, r.revision, r.registeredAt.timeIntervalSince1970, r.updatedAt.timeIntervalSince1970])
        } else {
            try tx.run(
                "UPDATE enterprises SET body = ?, revision = ?, retired = 0, updated_at = ? WHERE id = ?",
                [body, r.revision, r.updatedAt.timeIntervalSince1970, r.enterprise.id])
        }
    }

    static func isSeeded(_ db: Database) throws -> Bool {
        try String.fetchOne(db, sql: "SELECT value FROM liaison_meta WHERE key = 'seeded'") != nil
    }

    static func markSeeded(at now: Date, _ tx: Transaction) throws {
        try tx.run("INSERT OR REPLACE INTO liaison_meta (key, value) VALUES ('seeded', ?)", [EventTime.string(now)])
    }
}
