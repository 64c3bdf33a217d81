import EventStore
import Foundation
import GRDB
import Model

/// liaison's read API that needs neither the registry in memory nor event time: the alert feed
/// and the counters, on a reader connection (a query never waits for the engine's writer).
public struct LiaisonQueries: Sendable {
    let reader: StateReader

    public init(reader: StateReader) { self.reader = reader }

    /// Enterprise alerts, newest first, at most 500; filtered by enterprise and incident.
    public func alerts(enterpriseId: String?, incidentId: String?) async throws -> [AlertFeedEntry] {
        try await reader.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM alerts WHERE (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR incident_id = ?)
                        ORDER BY at DESC, alert_id LIMIT 500
                    """, arguments: [enterpriseId, enterpriseId, incidentId, incidentId]
            ).map {
                AlertFeedEntry(
                    alertId: $0["alert_id"], enterpriseId: $0["enterprise_id"], incidentId: $0["incident_id"],
                    transition: $0["transition"],
                    matchedBy: $0["matched_by"], severity: $0["severity"], summary: $0["summary"], zeroDisturbance: $0["zero_disturbance"],
                    at: Date(timeIntervalSince1970: $0["at"]))
            }
        }
    }

    /// The counters of `GET /v1/stats`: `alerts` counts `opened` enterprise alerts, one per
    /// incident and enterprise (the load generator checks it); `alerts_<transition>` each kind.
    public func stats() async throws -> [String: Int] {
        try await reader.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }
            var out: [String: Int] = [
                "alerts": try count("SELECT COUNT(*) FROM alerts WHERE transition = 'opened'"),
                "incidentsAlerted": try count("SELECT COUNT(DISTINCT incident_id) FROM alerts WHERE transition = 'opened'"),
                "alertsTotal": try count("SELECT COUNT(*) FROM alerts"),
                "officerAlerts": try count("SELECT COUNT(*) FROM officer_alerts"),
                "coordinationAlerts": try count("SELECT COUNT(*) FROM officer_alerts WHERE kind = 'coordination'"),
                "enterprises": try count("SELECT COUNT(*) FROM enterprises WHERE retired = 0"),
                "cases": try count("SELECT COUNT(*) FROM cases"),
                "workLogEntries": try count("SELECT COUNT(*) FROM worklog"),
                "pendingDispatchEvents": try count("SELECT COUNT(*) FROM pending_dispatch"),
            ]
            for row in try Row.fetchAll(db, sql: "SELECT transition, COUNT(*) AS n FROM alerts GROUP BY transition") {
                out["alerts_\(row["transition"] as String)"] = row["n"]
            }
            return out
        }
    }
}
