import EventStore
import Foundation
import GRDB
import Model

/// The alerts liaison sent: `alerts` (to enterprises) and `officer_alerts`. The alert id is the
/// primary key, so a repeated transition inserts nothing and alerts nobody.
enum AlertStore {
    /// Records an enterprise alert; `false` when it was already sent.
    static func insert(_ a: EnterpriseAlert, _ tx: Transaction) throws -> Bool {
        try tx.run(
            """
            INSERT OR IGNORE INTO alerts (alert_id, enterprise_id, incident_id, transition, matched_by, severity, at, summary, zero_disturbance)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                a.alertId, a.enterpriseId, a.incidentId, a.transition, a.matchedBy, a.severity.rawValue, a.at.timeIntervalSince1970, a.summary,
                a.zeroDisturbance,
            ])
        return tx.db.changesCount > 0
    }

    /// Records an officer alert; `false` when it was already sent.
    static func insert(_ a: OfficerAlert, _ tx: Transaction) throws -> Bool {
        try tx.run(
            """
            INSERT OR IGNORE INTO officer_alerts (alert_id, officer_id, kind, enterprise_id, incident_id, transition, matched_by, severity,
                                                  zero_disturbance, summary, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                a.alertId, a.officerId, a.kind.rawValue, a.enterpriseId, a.incidentId, a.transition, a.matchedBy, a.severity.rawValue,
                a.zeroDisturbance, a.summary, a.at.timeIntervalSince1970,
            ])
        return tx.db.changesCount > 0
    }

    /// The enterprise alerts already sent for this incident and enterprise, oldest first (ties in
    /// the order they were written): read inside the same transaction, so a replay produces the
    /// same list.
    static func earlier(incidentId: String, enterpriseId: String, excluding alertId: String, _ tx: Transaction) throws -> [AlertReference] {
        try Row.fetchAll(
            tx.db.cachedStatement(
                sql: """
                    SELECT alert_id, at FROM alerts WHERE incident_id = ? AND enterprise_id = ? AND alert_id != ? ORDER BY at, rowid
                    """), arguments: [incidentId, enterpriseId, alertId]
        ).map {
            AlertReference(alertId: $0["alert_id"], sent: Date(timeIntervalSince1970: $0["at"]))
        }
    }

    /// An enterprise's alerts (with `officerId` nil) and officer alerts, newest first.
    static func records(_ db: Database, enterpriseId: String? = nil, officerId: String? = nil, limit: Int = 100) throws -> [AlertRecord] {
        var out: [AlertRecord] = []
        if officerId == nil {
            out += try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE enterprise_id = ? ORDER BY at DESC, alert_id LIMIT ?",
                arguments: [enterpriseId, limit]
            ).map {
                AlertRecord(
                    alertId: $0["alert_id"], audience: "enterprise", officerId: nil, kind: "incident", enterpriseId: $0["enterprise_id"],
                    incidentId: $0["incident_id"], transition: $0["transition"], matchedBy: $0["matched_by"], severity: $0["severity"],
                    zeroDisturbance: $0["zero_disturbance"], summary: $0["summary"], at: Date(timeIntervalSince1970: $0["at"]))
            }
        }
        out += try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM officer_alerts WHERE (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR officer_id = ?)
                    ORDER BY at DESC, alert_id LIMIT ?
                """, arguments: [enterpriseId, enterpriseId, officerId, officerId, limit]
        ).map {
            AlertRecord(
                alertId: $0["alert_id"], audience: "officer", officerId: $0["officer_id"], kind: $0["kind"],
                enterpriseId: $0["enterprise_id"],
                incidentId: $0["incident_id"], transition: $0["transition"], matchedBy: $0["matched_by"], severity: $0["severity"],
                zeroDisturbance: $0["zero_disturbance"], summary: $0["summary"], at: Date(timeIntervalSince1970: $0["at"]))
        }
        return out.sorted { ($0.at, $0.alertId) > ($1.at, $1.alertId) }
    }
}
