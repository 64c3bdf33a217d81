import EventStore
import Foundation
import GRDB
import Model

/// The work log (`worklog`): visits and joint meetings per enterprise.
enum WorkLogStore {
    static func entries(_ db: Database, entryId: String? = nil, enterpriseId: String? = nil, limit: Int = 1_000) throws -> [WorkLogEntry] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM worklog WHERE (? IS NULL OR entry_id = ?) AND (? IS NULL OR enterprise_id = ?) ORDER BY at DESC, entry_id LIMIT ?
                """, arguments: [entryId, entryId, enterpriseId, enterpriseId, limit]
        ).map { row in
            WorkLogEntry(
                entryId: row["entry_id"], enterpriseId: row["enterprise_id"], kind: WorkLogEntry.Kind(rawValue: row["kind"]) ?? .visit,
                officerIds: (row["officer_ids"] as String).split(separator: ",").map(String.init),
                at: Date(timeIntervalSince1970: row["at"]),
                note: row["note"], recordedAt: Date(timeIntervalSince1970: row["recorded_at"]))
        }
    }

    static func insert(_ entry: WorkLogEntry, _ tx: Transaction) throws {
        try tx.run(
            "INSERT INTO worklog (entry_id, enterprise_id, kind, officer_ids, at, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                entry.entryId, entry.enterpriseId, entry.kind.rawValue, entry.officerIds.joined(separator: ","), entry.at.timeIntervalSince1970,
                entry.note, entry.recordedAt.timeIntervalSince1970,
            ])
    }

    /// Latest visit and latest meeting per enterprise.
    static func lastContacts(_ db: Database) throws -> [String: LastContacts] {
        var out: [String: LastContacts] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT enterprise_id, kind, MAX(at) AS last FROM worklog GROUP BY enterprise_id, kind") {
            let id: String = row["enterprise_id"]
            let last = Date(timeIntervalSince1970: row["last"])
            if row["kind"] as String == WorkLogEntry.Kind.meeting.rawValue {
                out[id, default: LastContacts()].meeting = last
            } else {
                out[id, default: LastContacts()].visit = last
            }
        }
        return out
    }
}
