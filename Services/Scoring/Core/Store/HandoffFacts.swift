import EventStore
import Foundation
import GRDB
import Model
import Wire

/// What scoring keeps of liaison's hand-offs (`liaison.handoff.*`) and support requests
/// (`support.request.*`): one row each, updated by every step, for ``HandoffKPIs``.
enum HandoffFacts {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("scoring-handoff-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE handoff_facts (
                        call_id TEXT PRIMARY KEY, department TEXT NOT NULL, delivered_at REAL NOT NULL, accepted_at REAL, returned_at REAL,
                        resolved_at REAL, escalated_at REAL);
                    CREATE INDEX handoff_facts_at ON handoff_facts(delivered_at);
                    CREATE TABLE support_facts (
                        request_id TEXT PRIMARY KEY, department_id TEXT NOT NULL, kind TEXT NOT NULL, requested_at REAL NOT NULL,
                        acknowledge_by REAL NOT NULL, answer_by REAL NOT NULL, acknowledged_at REAL, answered_at REAL,
                        escalations INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX support_facts_at ON support_facts(requested_at);
                    """)
        }
    }

    static func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case HandoffChanged.type:
            let c = try tx.decode(HandoffChanged.self, from: event)
            let at = c.at.timeIntervalSince1970
            switch c.transition {
            case .delivered:
                try tx.run(
                    "INSERT OR IGNORE INTO handoff_facts (call_id, department, delivered_at) VALUES (?, ?, ?)", [c.callId, c.department, at])
            case .accepted: try tx.run("UPDATE handoff_facts SET accepted_at = coalesce(accepted_at, ?) WHERE call_id = ?", [at, c.callId])
            case .returned: try tx.run("UPDATE handoff_facts SET returned_at = coalesce(returned_at, ?) WHERE call_id = ?", [at, c.callId])
            case .resolved: try tx.run("UPDATE handoff_facts SET resolved_at = coalesce(resolved_at, ?) WHERE call_id = ?", [at, c.callId])
            case .escalated: try tx.run("UPDATE handoff_facts SET escalated_at = coalesce(escalated_at, ?) WHERE call_id = ?", [at, c.callId])
            }
        case SupportChanged.type:
            let s = try tx.decode(SupportChanged.self, from: event)
            let at = s.at.timeIntervalSince1970
            switch s.transition {
            case .requested:
                try tx.run(
                    """
                    INSERT OR IGNORE INTO support_facts (request_id, department_id, kind, requested_at, acknowledge_by, answer_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        s.requestId, s.departmentId, s.kind, s.requestedAt.timeIntervalSince1970, s.acknowledgeBy.timeIntervalSince1970,
                        s.answerBy.timeIntervalSince1970,
                    ])
            case .acknowledged:
                try tx.run("UPDATE support_facts SET acknowledged_at = coalesce(acknowledged_at, ?) WHERE request_id = ?", [at, s.requestId])
            case .answered:
                try tx.run(
                    "UPDATE support_facts SET answered_at = coalesce(answered_at, ?), acknowledged_at = coalesce(acknowledged_at, ?) WHERE request_id = ?",
                    [at, at, s.requestId])
            case .escalated: try tx.run("UPDATE support_facts SET escalations = escalations + 1 WHERE request_id = ?", [s.requestId])
            }
        default: return
        }
    }

    /// Scoring's event-time now, as the hand-off KPIs read it: the latest event it has applied.
    static func eventNow(_ db: Database) throws -> Date {
        let latest = try Double.fetchOne(
            db,
            sql: """
                SELECT MAX(t) FROM (SELECT MAX(delivered_at, coalesce(accepted_at, 0), coalesce(returned_at, 0), coalesce(resolved_at, 0),
                                               coalesce(escalated_at, 0)) AS t FROM handoff_facts
                                    UNION ALL SELECT MAX(requested_at, coalesce(answered_at, 0)) FROM support_facts)
                """)
        return max(try LedgerReads.latestEventTime(db) ?? .distantPast, latest.map(Date.init(timeIntervalSince1970:)) ?? .distantPast)
    }

    /// The KPIs over diversions delivered and requests raised in `[from, to)`, at event time `now`.
    static func kpis(from: Date?, to: Date?, now: Date, _ db: Database) throws -> HandoffKPIs {
        let lo = from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        let hi = to?.timeIntervalSince1970 ?? Double.greatestFiniteMagnitude
        let diversions = try Row.fetchAll(
            db, sql: "SELECT * FROM handoff_facts WHERE delivered_at >= ? AND delivered_at < ?", arguments: [lo, hi]
        ).map { row -> HandoffKPIs.Diversion in
            let delivered: Double = row["delivered_at"]
            let accepted: Double? = row["accepted_at"]
            let returned: Double? = row["returned_at"]
            let receipt = [accepted, returned].compactMap { $0 }.min().map { $0 - delivered }
            return HandoffKPIs.Diversion(
                department: row["department"], accepted: accepted != nil, returned: returned != nil, resolved: (row["resolved_at"] as Double?) != nil,
                escalated: (row["escalated_at"] as Double?) != nil, receiptSeconds: receipt)
        }
        let t = now.timeIntervalSince1970
        let support = try Row.fetchAll(
            db, sql: "SELECT * FROM support_facts WHERE requested_at >= ? AND requested_at < ?", arguments: [lo, hi]
        ).map { row -> HandoffKPIs.Support in
            let requested: Double = row["requested_at"]
            return HandoffKPIs.Support(
                departmentId: row["department_id"], kind: row["kind"], acknowledgeLimit: (row["acknowledge_by"] as Double) - requested,
                answerLimit: (row["answer_by"] as Double) - requested, acknowledgeSeconds: (row["acknowledged_at"] as Double?).map { $0 - requested },
                answerSeconds: (row["answered_at"] as Double?).map { $0 - requested }, escalations: row["escalations"], elapsedSeconds: t - requested)
        }
        return HandoffKPIs(diversions: diversions, support: support)
    }
}

/// `GET /v1/kpis/handoffs`: the hand-off KPIs, read in one snapshot.
public struct HandoffKPIQueries: Sendable {
    let reader: StateReader
    public init(reader: StateReader) { self.reader = reader }

    public func kpis(_ q: HandoffKPIQuery) async throws -> HandoffKPIs {
        try await reader.read { db in try HandoffFacts.kpis(from: q.from, to: q.to, now: try HandoffFacts.eventNow(db), db) }
    }
}

/// The hand-off KPIs' input: a period, `from` inclusive, `to` exclusive (all time by default).
public struct HandoffKPIQuery: Codable, Sendable, Hashable {
    public var from: Date?
    public var to: Date?
    public init(from: Date? = nil, to: Date? = nil) {
        self.from = from
        self.to = to
    }
}
