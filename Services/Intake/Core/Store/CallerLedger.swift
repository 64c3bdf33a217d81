import EventStore
import Foundation
import GRDB

/// The `callers` table: when a phone became a repeat or a malicious caller, and its false reports.
enum CallerLedger {
    /// Marks `phone` a repeat caller from `since`, unless it already is.
    static func markRepeat(_ phone: String, since: Date, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO callers (phone, repeat_since) VALUES (?, ?)
            ON CONFLICT(phone) DO UPDATE SET repeat_since = COALESCE(repeat_since, excluded.repeat_since)
            """, [phone, since.timeIntervalSince1970])
    }

    /// The caller's flags: `repeat-caller`, `malicious-caller`, in that order.
    static func flags(_ phone: String, _ db: Database) throws -> [String] {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT repeat_since, malicious_since FROM callers WHERE phone = ?"),
                arguments: [phone])
        else { return [] }
        var flags: [String] = []
        if (row["repeat_since"] as Double?) != nil { flags.append("repeat-caller") }
        if (row["malicious_since"] as Double?) != nil { flags.append("malicious-caller") }
        return flags
    }

    /// Counts one more false report against `phone`; returns its total.
    static func addFalseReport(_ phone: String, _ tx: Transaction) throws -> Int {
        try tx.run(
            """
            INSERT INTO callers (phone, false_reports) VALUES (?, 1) ON CONFLICT(phone) DO UPDATE SET false_reports = false_reports + 1
            """, [phone])
        return try tx.fetchOne(Int.self, "SELECT false_reports FROM callers WHERE phone = ?", [phone]) ?? 1
    }

    /// Marks `phone` a malicious caller from `since`, unless it already is.
    static func markMalicious(_ phone: String, since: Date, _ tx: Transaction) throws {
        try tx.run("UPDATE callers SET malicious_since = ? WHERE phone = ? AND malicious_since IS NULL", [since.timeIntervalSince1970, phone])
    }
}
