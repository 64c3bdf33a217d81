import EventStore
import Foundation
import GRDB
import Model

/// A running timer found due (for a warning or a breach).
struct DueTimer: Sendable, Hashable {
    var incidentId: String
    /// `nil` for an incident-level timer.
    var unitId: String?
    var timer: SLATimer
    var regionId: String?
    var stationId: String?
    var startedAt: Date
    /// As stored (seconds since 1970): compared with the tick's time exactly as the row holds it.
    var dueSeconds: Double
    var dueAt: Date { Date(timeIntervalSince1970: dueSeconds) }
}

/// A PTU echelon whose time has come.
struct DueEchelon: Sendable, Hashable {
    var incidentId: String
    var echelon: Int
    var units: Int
}

// MARK: Timers and echelons

extension DispatchStore {
    /// Starts a timer (a timer already started for the same incident, unit and kind is kept).
    static func startTimer(_ timer: SLATimer, _ incident: ActiveIncident, unitId: String?, _ deadline: SLADeadline, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT OR IGNORE INTO timers (incident_id, unit_id, timer, region_id, station_id, started_at, warn_at, due_at, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
            """,
            [
                incident.id, unitId ?? "", timer.rawValue, incident.grid?.regionId, incident.grid?.stationId,
                deadline.startedAt.timeIntervalSince1970, deadline.warnAt?.timeIntervalSince1970, deadline.dueAt.timeIntervalSince1970,
            ])
    }

    /// The timer was met (if it is still running).
    static func stopTimer(_ timer: SLATimer, incidentId: String, unitId: String?, _ tx: Transaction) throws {
        try tx.run(
            """
            UPDATE timers SET state = 'met', ended_at = ? WHERE incident_id = ? AND unit_id = ? AND timer = ? AND state IN ('pending', 'warned')
            """, [tx.now.timeIntervalSince1970, incidentId, unitId ?? "", timer.rawValue])
    }

    /// Pending timers whose warning time has come, earliest first (at most 500 per tick).
    static func warningsDue(_ tx: Transaction) throws -> [DueTimer] {
        try dueTimers(
            tx,
            sql: """
                SELECT incident_id, unit_id, timer, region_id, station_id, started_at, due_at FROM timers
                WHERE state = 'pending' AND warn_at IS NOT NULL AND warn_at <= ? ORDER BY warn_at LIMIT 500
                """)
    }

    /// Running timers past their due time, earliest first (at most 500 per tick).
    static func breachesDue(_ tx: Transaction) throws -> [DueTimer] {
        try dueTimers(
            tx,
            sql: """
                SELECT incident_id, unit_id, timer, region_id, station_id, started_at, due_at FROM timers
                WHERE state IN ('pending', 'warned') AND due_at <= ? ORDER BY due_at LIMIT 500
                """)
    }

    private static func dueTimers(_ tx: Transaction, sql: String) throws -> [DueTimer] {
        try Row.fetchAll(tx.db.cachedStatement(sql: sql), arguments: [tx.now.timeIntervalSince1970]).compactMap { row in
            guard let timer = SLATimer(rawValue: row["timer"]) else { return nil }
            let unit: String = row["unit_id"]
            return DueTimer(
                incidentId: row["incident_id"], unitId: unit.isEmpty ? nil : unit, timer: timer, regionId: row["region_id"],
                stationId: row["station_id"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
                dueSeconds: row["due_at"])
        }
    }

    static func setTimerState(_ state: TimerState, _ due: DueTimer, ended: Bool, _ tx: Transaction) throws {
        let key: [(any DatabaseValueConvertible)?] = [due.incidentId, due.unitId ?? "", due.timer.rawValue]
        if ended {
            try tx.run(
                "UPDATE timers SET state = ?, ended_at = ? WHERE incident_id = ? AND unit_id = ? AND timer = ?",
                StatementArguments([state.rawValue, tx.now.timeIntervalSince1970] + key))
        } else {
            try tx.run("UPDATE timers SET state = ? WHERE incident_id = ? AND unit_id = ? AND timer = ?", StatementArguments([state.rawValue] + key))
        }
    }

    static func insertEchelons(_ plans: [EchelonPlan], incidentId: String, _ tx: Transaction) throws {
        for plan in plans {
            try tx.run(
                "INSERT OR IGNORE INTO echelons (incident_id, echelon, units, due_at) VALUES (?, ?, ?, ?)",
                [incidentId, plan.echelon, plan.units, plan.dueAt.timeIntervalSince1970])
        }
    }

    /// Echelons not yet sent whose time has come, earliest first (at most 100 per tick).
    static func echelonsDue(_ tx: Transaction) throws -> [DueEchelon] {
        let sql = "SELECT incident_id, echelon, units FROM echelons WHERE done = 0 AND due_at <= ? ORDER BY due_at LIMIT 100"
        return try Row.fetchAll(tx.db.cachedStatement(sql: sql), arguments: [tx.now.timeIntervalSince1970]).map {
            DueEchelon(incidentId: $0["incident_id"], echelon: $0["echelon"], units: $0["units"])
        }
    }

    static func markEchelonDone(_ due: DueEchelon, _ tx: Transaction) throws {
        try tx.run("UPDATE echelons SET done = 1 WHERE incident_id = ? AND echelon = ?", [due.incidentId, due.echelon])
    }
}
