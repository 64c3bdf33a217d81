import EventStore
import Foundation
import GRDB
import Model

/// The incidents liaison matched (`incidents`, `dispatches`), the incidents it saw at all
/// (`seen_incidents`), and the dispatch events parked until their incident is known
/// (`pending_dispatch`: intake and dispatch are two sources, not ordered with each other).
enum IncidentStore {
    // MARK: Seen and parked

    /// Records that liaison saw the incident; `false` when it had seen it already.
    @discardableResult
    static func markSeen(_ incidentId: String, at: Date, _ tx: Transaction) throws -> Bool {
        try tx.run("INSERT OR IGNORE INTO seen_incidents (incident_id, at) VALUES (?, ?)", [incidentId, at.timeIntervalSince1970])
        return tx.db.changesCount > 0
    }

    static func isSeen(_ incidentId: String, _ tx: Transaction) throws -> Bool {
        try tx.fetchOne(Int.self, "SELECT 1 FROM seen_incidents WHERE incident_id = ?", [incidentId]) != nil
    }

    /// Whether liaison saw the incident and matched it to no enterprise: its dispatch events change nothing.
    static func isSeenAtNoEnterprise(_ incidentId: String, _ tx: Transaction) throws -> Bool {
        try tx.fetchOne(
            Bool.self, "SELECT NOT EXISTS (SELECT 1 FROM incidents WHERE incident_id = ?) FROM seen_incidents WHERE incident_id = ?",
            [incidentId, incidentId]) == true
    }

    /// Parks a dispatch event (its payload as received) until its incident is seen.
    static func park(_ incidentId: String, type: String, payload: [UInt8], at: Date, _ tx: Transaction) throws {
        try tx.run(
            "INSERT INTO pending_dispatch (incident_id, type, payload, at) VALUES (?, ?, ?, ?)",
            [incidentId, type, Data(payload), at.timeIntervalSince1970])
    }

    /// The incidents with events parked.
    static func parkedIncidents(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT DISTINCT incident_id FROM pending_dispatch"))
    }

    /// The events parked for an incident, in arrival order, removed from the table.
    static func unpark(_ incidentId: String, _ tx: Transaction) throws -> [(type: String, payload: Data)] {
        let rows = try Row.fetchAll(
            tx.db.cachedStatement(sql: "SELECT type, payload FROM pending_dispatch WHERE incident_id = ? ORDER BY id"),
            arguments: [incidentId])
        guard !rows.isEmpty else { return [] }
        try tx.run("DELETE FROM pending_dispatch WHERE incident_id = ?", [incidentId])
        return rows.map { ($0["type"], $0["payload"]) }
    }

    /// Forgets incidents seen, and events parked, before `horizon`.
    static func prune(before horizon: Date, _ tx: Transaction) throws {
        try tx.run("DELETE FROM seen_incidents WHERE at < ?", [horizon.timeIntervalSince1970])
        try tx.run("DELETE FROM pending_dispatch WHERE at < ?", [horizon.timeIntervalSince1970])
    }

    // MARK: Matched incidents

    /// Records a matched incident; `false` when it was already recorded (a replayed opening).
    static func insert(_ s: IncidentState, _ tx: Transaction) throws -> Bool {
        try tx.run(
            """
            INSERT OR IGNORE INTO incidents (incident_id, enterprise_id, matched_by, reasons, category, severity, zero_disturbance, grid_id, status,
                                             opened_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
            """,
            [
                s.incidentId, s.enterpriseId, s.matchedBy, s.reasons.joined(separator: ","), s.category.rawValue, s.severity.rawValue,
                s.zeroDisturbance, s.gridId, s.openedAt.timeIntervalSince1970,
            ])
        return tx.db.changesCount > 0
    }

    /// A repeat call's upgrade of a matched incident: its category and severity from now on.
    static func upgrade(
        _ incidentId: String, enterpriseId: String, category: Category, severity: EnterpriseAlert.Severity, _ tx: Transaction
    ) throws {
        try tx.run(
            "UPDATE incidents SET category = ?, severity = ? WHERE incident_id = ? AND enterprise_id = ?",
            [category.rawValue, severity.rawValue, incidentId, enterpriseId])
    }

    /// The incident's state at each enterprise it touches, by enterprise id.
    static func states(_ incidentId: String, _ tx: Transaction) throws -> [IncidentState] {
        try Row.fetchAll(
            tx.db.cachedStatement(sql: "SELECT * FROM incidents WHERE incident_id = ? ORDER BY enterprise_id"),
            arguments: [incidentId]
        ).map { row in
            IncidentState(
                incidentId: row["incident_id"], enterpriseId: row["enterprise_id"], matchedBy: row["matched_by"],
                reasons: (row["reasons"] as String).split(separator: ",").map(String.init),
                category: Category(rawValue: row["category"]) ?? .helpRequest,
                severity: EnterpriseAlert.Severity(rawValue: row["severity"]) ?? .minor, zeroDisturbance: row["zero_disturbance"],
                gridId: row["grid_id"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                arrivedAt: (row["arrived_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Records a transition on the incident's row (`arrived` or `closed`).
    static func record(_ transition: IncidentState.Transition, of s: IncidentState, at: Date, outcome: Outcome?, _ tx: Transaction) throws {
        if transition.name == "arrived" {
            try tx.run(
                "UPDATE incidents SET arrived_at = ?, status = ? WHERE incident_id = ? AND enterprise_id = ?",
                [at.timeIntervalSince1970, transition.status, s.incidentId, s.enterpriseId])
        } else {
            try tx.run(
                "UPDATE incidents SET closed_at = ?, status = ?, outcome = ? WHERE incident_id = ? AND enterprise_id = ?",
                [at.timeIntervalSince1970, transition.status, outcome?.rawValue, s.incidentId, s.enterpriseId])
        }
    }

    /// Records a unit dispatched to the incident; `false` when it was already recorded.
    static func recordDispatch(_ a: UnitAssigned.Fields, to s: IncidentState, coordinationAlertId: String?, _ tx: Transaction) throws -> Bool {
        try tx.run(
            """
            INSERT OR IGNORE INTO dispatches (incident_id, enterprise_id, unit_id, call_sign, at, coordination_alert_id) VALUES (?, ?, ?, ?, ?, ?)
            """, [s.incidentId, s.enterpriseId, a.unitId, a.callSign, a.assignedAt.timeIntervalSince1970, coordinationAlertId])
        return tx.db.changesCount > 0
    }

    // MARK: Reading

    /// Matched incidents, newest first, with their dispatches.
    static func incidents(
        _ db: Database, incidentId: String? = nil, enterpriseId: String? = nil, openOnly: Bool = false,
        limit: Int = 500
    ) throws -> [LiaisonIncident] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM incidents WHERE (? IS NULL OR incident_id = ?) AND (? IS NULL OR enterprise_id = ?) AND (? = 0 OR status <> 'closed')
                ORDER BY opened_at DESC, incident_id LIMIT ?
                """, arguments: [incidentId, incidentId, enterpriseId, enterpriseId, openOnly, limit])
        return try rows.map { row in
            let incidentId: String = row["incident_id"]
            let enterpriseId: String = row["enterprise_id"]
            let dispatches = try Row.fetchAll(
                db, sql: "SELECT * FROM dispatches WHERE incident_id = ? AND enterprise_id = ? ORDER BY at, unit_id",
                arguments: [incidentId, enterpriseId]
            ).map {
                LiaisonIncident.Dispatch(
                    unitId: $0["unit_id"], callSign: $0["call_sign"], at: Date(timeIntervalSince1970: $0["at"]),
                    coordinationAlertId: $0["coordination_alert_id"])
            }
            let zd: Bool = row["zero_disturbance"]
            return LiaisonIncident(
                incidentId: incidentId, enterpriseId: enterpriseId, matchedBy: row["matched_by"],
                reasons: (row["reasons"] as String).split(separator: ",").map(String.init),
                category: Category(rawValue: row["category"]) ?? .helpRequest,
                severity: EnterpriseAlert.Severity(rawValue: row["severity"]) ?? .minor, zeroDisturbance: zd,
                coordinationRequired: zd,
                status: row["status"], gridId: row["grid_id"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                arrivedAt: (row["arrived_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                outcome: (row["outcome"] as String?).flatMap(Outcome.init(rawValue:)), dispatches: dispatches)
        }
    }

    static func openCount(enterpriseId: String, _ tx: Transaction) throws -> Int {
        try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM incidents WHERE enterprise_id = ? AND status <> 'closed'", [enterpriseId]) ?? 0
    }
}
