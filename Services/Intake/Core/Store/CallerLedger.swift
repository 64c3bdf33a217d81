import EventStore
import Foundation
import GRDB

/// The `callers` table: when a caller became a repeat or a malicious caller, and its false
/// reports. Keyed by the caller's keyed hash (``CallerKey``), so an entry outlives the redaction
/// of the phone it was made for; `phone` is the number in clear while a call still keeps it.
enum CallerLedger {
    /// Marks the caller a repeat caller from `since`, unless it already is.
    static func markRepeat(_ key: String, phone: String?, since: Date, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO callers (caller_key, phone, repeat_since) VALUES (?, ?, ?)
            ON CONFLICT(caller_key) DO UPDATE SET repeat_since = COALESCE(repeat_since, excluded.repeat_since),
                                                  phone = COALESCE(excluded.phone, phone)
            """, [key, phone, since.timeIntervalSince1970])
    }

    /// A new call brings the phone in clear again: the ledger shows it until that call is redacted.
    static func sawPhone(_ key: String, phone: String, _ tx: Transaction) throws {
        try tx.run("UPDATE callers SET phone = ? WHERE caller_key = ? AND phone IS NOT ?", [phone, key, phone])
    }

    /// The caller's flags: `repeat-caller`, `malicious-caller`, in that order.
    static func flags(_ key: String, _ db: Database) throws -> [String] {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT repeat_since, malicious_since FROM callers WHERE caller_key = ?"),
                arguments: [key])
        else { return [] }
        var flags: [String] = []
        if (row["repeat_since"] as Double?) != nil { flags.append("repeat-caller") }
        if (row["malicious_since"] as Double?) != nil { flags.append("malicious-caller") }
        return flags
    }

    /// Counts one more false report against the caller; returns its total.
    static func addFalseReport(_ key: String, phone: String?, _ tx: Transaction) throws -> Int {
        try tx.run(
            """
            INSERT INTO callers (caller_key, phone, false_reports) VALUES (?, ?, 1)
            ON CONFLICT(caller_key) DO UPDATE SET false_reports = false_reports + 1, phone = COALESCE(excluded.phone, phone)
            """, [key, phone])
        return try tx.fetchOne(Int.self, "SELECT false_reports FROM callers WHERE caller_key = ?", [key]) ?? 1
    }

    /// Marks the caller a malicious caller from `since`, unless it already is.
    static func markMalicious(_ key: String, since: Date, _ tx: Transaction) throws {
        try tx.run("UPDATE callers SET malicious_since = ? WHERE caller_key = ? AND malicious_since IS NULL", [since.timeIntervalSince1970, key])
    }
}
