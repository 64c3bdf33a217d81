import EventStore
import Foundation
import GRDB
import Model

/// What intake keeps of a diverted call's life after it left: liaison's `liaison.handoff.*`
/// steps (delivered, accepted, returned, resolved, escalated), for the call's read API.
enum DiversionStore {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-handoff-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE call_handoffs (id INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL, body TEXT NOT NULL);
                    CREATE INDEX call_handoffs_call ON call_handoffs(call_id, id);
                    """)
        }
    }

    static func record(_ change: HandoffChanged, payload: [UInt8], _ tx: Transaction) throws {
        try tx.run("INSERT INTO call_handoffs (call_id, body) VALUES (?, ?)", [change.callId, String(decoding: payload, as: UTF8.self)])
    }

    static func steps(_ callId: String, _ db: Database) throws -> [HandoffChanged] {
        let decoder = JSONCodec.decoder()
        return try String.fetchAll(db.cachedStatement(sql: "SELECT body FROM call_handoffs WHERE call_id = ? ORDER BY id"), arguments: [callId])
            .compactMap { try? decoder.decode(HandoffChanged.self, from: Data($0.utf8)) }
    }

    /// Calls waiting for review since before `cutoff`, not yet escalated (few: the outcome index).
    static func overdueReviews(receivedBefore cutoff: Date, _ db: Database) throws -> [(callId: String, receivedAt: Date, regionId: String?, flags: [String], rule: String?)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, received_at, region_id, flags, diversion_rule FROM calls
                    WHERE outcome = 'review' AND received_at <= ? AND instr(coalesce(flags, ''), ?) = 0 ORDER BY n LIMIT 100
                    """), arguments: [cutoff.timeIntervalSince1970, DiversionSafetyNet.overdueFlag]
        ).map { row -> (callId: String, receivedAt: Date, regionId: String?, flags: [String], rule: String?) in
            let flags = ((row["flags"] as String?) ?? "").split(separator: ",").map(String.init)
            return (row["id"], Date(timeIntervalSince1970: row["received_at"]), row["region_id"], flags, row["diversion_rule"])
        }
    }

    static func setFlags(_ callId: String, _ flags: [String], _ tx: Transaction) throws {
        try tx.run("UPDATE calls SET flags = ? WHERE id = ?", [flags.isEmpty ? nil : flags.joined(separator: ","), callId])
    }
}
