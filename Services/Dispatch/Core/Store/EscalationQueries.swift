import EventStore
import Foundation
import GRDB
import Model

/// An escalation (docs/dispatch.md, "Escalations"): raised by dispatch, acknowledged by a dispatcher.
public struct EscalationView: Codable, Sendable, Hashable {
    /// `<source>-<seq>` of the `dispatch.escalated` event that raised it (`dispatch-1043`).
    public var id: String
    public var incidentId: String
    /// 1: the region's centre station; 2: the city command centre.
    public var level: Int
    public var reason: String
    public var note: String?
    public var commandStationId: String?
    public var regionId: String?
    public var raisedAt: Date
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var acknowledgeReason: String?
}

// MARK: Escalations (read side)

extension DispatchQueries {
    /// One escalation, by id.
    public func escalation(id: String) async throws -> EscalationView? {
        try await reader.read { try Self.escalations($0, where: "id = ?", [id], limit: 1).first }
    }

    /// Escalations of one incident, or not yet acknowledged, newest first.
    public func escalations(_ query: EscalationListQuery) async throws -> [EscalationView] {
        try await reader.read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let incident = query.incident {
                clauses.append("incident_id = ?")
                args.append(incident)
            }
            if let open = query.open { clauses.append(open ? "acknowledged_at IS NULL" : "acknowledged_at IS NOT NULL") }
            return try Self.escalations(
                db, where: clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), args, limit: max(1, min(query.limit ?? 200, 5_000)))
        }
    }

    static func escalations(_ db: Database, incidentId: String) throws -> [EscalationView] {
        try escalations(db, where: "incident_id = ?", [incidentId], limit: 5_000)
    }

    private static func escalations(_ db: Database, where clause: String, _ args: [any DatabaseValueConvertible], limit: Int) throws -> [EscalationView] {
        let sql = "SELECT * FROM escalations WHERE \(clause) ORDER BY raised_at DESC, rowid DESC LIMIT \(limit)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
            EscalationView(
                id: r["id"], incidentId: r["incident_id"], level: r["level"], reason: r["reason"], note: r["note"],
                commandStationId: r["command_station_id"], regionId: r["region_id"], raisedAt: Date(timeIntervalSince1970: r["raised_at"]),
                acknowledgedBy: r["acknowledged_by"], acknowledgedAt: date(r, "acknowledged_at"), acknowledgeReason: r["acknowledge_reason"])
        }
    }
}
