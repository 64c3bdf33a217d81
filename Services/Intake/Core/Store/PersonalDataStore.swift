import EventStore
import Foundation
import GRDB

/// The redaction of callers' personal data once the retention period is over: names and phones
/// go from the calls (and from the request each call was recorded with), and from the ledger
/// once none of the caller's calls keeps its phone; the keyed hashes stay, for repeat-call and
/// malicious-caller detection.
enum PersonalDataStore {
    /// Rows from before the keyed hash (migration intake-v4) get theirs.
    static func backfill(_ key: CallerKey, _ tx: Transaction) throws {
        let phones = try String.fetchAll(tx.db, sql: "SELECT DISTINCT caller_phone FROM calls WHERE caller_key IS NULL AND caller_phone IS NOT NULL")
        for phone in phones {
            try tx.run("UPDATE calls SET caller_key = ? WHERE caller_key IS NULL AND caller_phone = ?", [key.hash(phone), phone])
        }
        let pending = try String.fetchAll(tx.db, sql: "SELECT caller_key FROM callers WHERE caller_key LIKE 'pending:%'")
        for old in pending {
            let phone = String(old.dropFirst("pending:".count))
            try tx.run("UPDATE OR IGNORE callers SET caller_key = ? WHERE caller_key = ?", [key.hash(phone), old])
        }
    }

    /// Redacts what was received before `cutoff`; returns how many calls it redacted.
    @discardableResult
    static func redact(receivedBefore cutoff: Date, at now: Date, _ tx: Transaction) throws -> Int {
        try tx.run(
            """
            UPDATE calls SET caller_name = NULL, caller_phone = NULL, redacted_at = ?,
                request = CASE WHEN json_valid(request) THEN json_remove(request, '$.caller', '$.callerPhone', '$.callerName', '$.phone')
                               ELSE '(redacted: unreadable call past the personal-data retention period)' END
            WHERE redacted_at IS NULL AND received_at < ?
            """, [now.timeIntervalSince1970, cutoff.timeIntervalSince1970])
        let redacted = tx.db.changesCount
        try tx.run(
            """
            UPDATE callers SET phone = NULL WHERE phone IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM calls c WHERE c.caller_key = callers.caller_key AND c.caller_phone IS NOT NULL)
            """)
        return redacted
    }
}
