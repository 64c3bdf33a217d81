import EventStore
import Foundation
import GRDB
import Model

/// A zero-disturbance hold (or bypass) of an incident (docs/dispatch.md, "Zero-disturbance sites").
public struct HoldView: Codable, Sendable, Hashable {
    public var incidentId: String
    public var enterpriseId: String
    public var enterpriseName: String?
    public var liaisonOfficerId: String
    /// `held`, `released`, `bypassed`.
    public var status: String
    /// `held`: why it waits; `released`: acknowledged, timeout, dispatcher, emergency; `bypassed`: priority, casualties, major.
    public var reason: String
    public var heldAt: Date
    public var dueAt: Date?
    public var releasedAt: Date?
    public var acknowledgedBy: String?
}

/// `?status=held|released|bypassed`: holds, newest first, at most `limit` (default 200, at most 5000).
public struct HoldListQuery: Codable, Sendable, Hashable {
    public var status: String?
    public var limit: Int?
    public init(status: String? = nil, limit: Int? = nil) {
        self.status = status
        self.limit = limit
    }
}

// MARK: Holds (read side)

extension DispatchQueries {
    /// Holds by status, newest first.
    public func holds(_ query: HoldListQuery) async throws -> [HoldView] {
        try await reader.read { db in
            let limit = max(1, min(query.limit ?? 200, 5_000))
            if let status = query.status { return try Self.holds(db, where: "status = ?", [status], limit: limit) }
            return try Self.holds(db, where: "1", [], limit: limit)
        }
    }

    static func hold(_ db: Database, incidentId: String) throws -> HoldView? {
        try holds(db, where: "incident_id = ?", [incidentId], limit: 1).first
    }

    private static func holds(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible], limit: Int) throws -> [HoldView] {
        let sql = "SELECT * FROM holds WHERE \(clause) ORDER BY held_at DESC, incident_id LIMIT \(limit)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
            HoldView(
                incidentId: r["incident_id"], enterpriseId: r["enterprise_id"], enterpriseName: r["enterprise_name"], liaisonOfficerId: r["officer_id"],
                status: r["status"], reason: r["reason"], heldAt: Date(timeIntervalSince1970: r["held_at"]), dueAt: date(r, "due_at"),
                releasedAt: date(r, "released_at"), acknowledgedBy: r["acknowledged_by"])
        }
    }
}
