import EventStore
import Foundation
import GRDB
import Model

/// The read API (docs/dispatch.md, "Read API"): plain reads of dispatch's tables on a reader
/// connection, outside the engine, so queries never wait behind writes.
public struct DispatchQueries: Sendable {
    let reader: StateReader
    let jurisdiction: Jurisdiction

    public init(reader: StateReader, jurisdiction: Jurisdiction) {
        self.reader = reader
        self.jurisdiction = jurisdiction
    }

    /// One incident with its units (with call signs), timers, queued needs and timeline.
    public func incident(id: String) async throws -> IncidentView? {
        let jurisdiction = jurisdiction
        return try await reader.read { try Self.incident($0, id: id, jurisdiction: jurisdiction) }
    }

    /// One incident's timeline; `nil` when there is no such incident.
    public func timeline(id: String) async throws -> IncidentTimeline? {
        try await reader.read { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM incidents WHERE id = ?", arguments: [id]) != nil else { return nil }
            return IncidentTimeline(id: id, timeline: try Self.timeline(db, id: id))
        }
    }

    /// Incidents by status, region and station, oldest first, without timelines or call signs.
    public func incidents(_ query: IncidentListQuery) async throws -> IncidentList {
        try await reader.read {
            IncidentList(
                incidents: try Self.incidents(
                    $0, status: query.status, regionId: query.region, stationId: query.station,
                    limit: query.limit ?? 500))
        }
    }

    /// Every unit the query admits, by id: state, position, current incident, off-duty reason.
    public func unitBoard(_ query: UnitBoardQuery) async throws -> [UnitBoardEntry] {
        let jurisdiction = jurisdiction
        return try await reader.read {
            try Self.unitBoard($0, jurisdiction: jurisdiction, query: query)
        }
    }

    /// Waiting needs in serving order.
    public func queue() async throws -> [QueuedView] { try await reader.read { try Self.queue($0) } }

    /// The figures of `GET /v1/stats` (see `stats(_:)` below).
    public func stats() async throws -> [String: Int] { try await reader.read { try Self.stats($0) } }

    /// Assignments per rule (the scenario test's distribution).
    public func assignmentsByRule() async throws -> [String: Int] { try await reader.read { try Self.assignmentsByRule($0) } }

    // MARK: SQL

    static func date(_ row: Row, _ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }

    static func flag(_ row: Row, _ column: String) -> Bool { (row[column] as Int? ?? 0) == 1 }

    /// One incident; `jurisdiction` adds each unit's call sign and kind.
    static func incident(_ db: Database, id: String, jurisdiction: Jurisdiction? = nil, withTimeline: Bool = true) throws -> IncidentView? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]) else { return nil }
        let assignmentRows = try Row.fetchAll(db, sql: "SELECT * FROM assignments WHERE incident_id = ? ORDER BY at, rowid", arguments: [id])
        let units = assignmentRows.map { r -> AssignmentView in
            let unitId: String = r["unit_id"]
            let unit = jurisdiction?.units.first { $0.id == unitId }
            return AssignmentView(
                unitId: unitId, callSign: unit?.callSign, kind: unit?.kind.rawValue, rule: r["rule"], role: r["role"] ?? "primary",
                assignedAt: Date(timeIntervalSince1970: r["at"]), active: flag(r, "active"), signedOff: flag(r, "signed_off"),
                distanceMeters: r["distance"], etaSeconds: r["eta"], endedAt: date(r, "ended_at"), endReason: r["end_reason"])
        }
        let timerRows = try Row.fetchAll(db, sql: "SELECT * FROM timers WHERE incident_id = ? ORDER BY started_at, timer", arguments: [id])
        let timers = timerRows.map { r -> TimerView in
            let unit: String = r["unit_id"]
            return TimerView(
                timer: r["timer"], unitId: unit.isEmpty ? nil : unit, state: r["state"],
                startedAt: Date(timeIntervalSince1970: r["started_at"]), dueAt: Date(timeIntervalSince1970: r["due_at"]),
                endedAt: date(r, "ended_at"))
        }
        return IncidentView(
            id: row["id"], status: row["status"], category: row["category"], priority: row["priority"], regionId: row["region_id"],
            stationId: row["station_id"], gridId: row["grid_id"], postId: row["post_id"], urban: (row["urban"] as Int?).map { $0 == 1 },
            major: flag(row, "major"), commandStationId: row["command_station_id"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
            assignedAt: date(row, "assigned_at"), closedAt: date(row, "closed_at"), unitId: row["unit_id"], rule: row["rule"],
            outcome: row["outcome"], units: units, timers: timers, queued: try queue(db, incidentId: id),
            timeline: withTimeline ? try timeline(db, id: id) : nil, escalations: withTimeline ? try escalations(db, incidentId: id) : nil,
            hold: withTimeline ? try hold(db, incidentId: id) : nil)
    }

    static func timeline(_ db: Database, id: String) throws -> [TimelineEntry] {
        try Row.fetchAll(db, sql: "SELECT at, kind, unit_id, detail FROM timeline WHERE incident_id = ? ORDER BY id", arguments: [id]).map {
            TimelineEntry(at: Date(timeIntervalSince1970: $0["at"]), kind: $0["kind"], unitId: $0["unit_id"], detail: $0["detail"])
        }
    }

    /// Incidents by status (default: every one not closed), region and station, oldest first.
    static func incidents(
        _ db: Database, status: String? = nil, regionId: String? = nil, stationId: String? = nil,
        limit: Int = 500
    ) throws -> [IncidentView] {
        var sql = "SELECT id FROM incidents WHERE "
        var args: [any DatabaseValueConvertible] = []
        if let status {
            sql += "status = ?"
            args.append(status)
        } else {
            sql += "status != 'closed'"
        }
        if let regionId {
            sql += " AND region_id = ?"
            args.append(regionId)
        }
        if let stationId {
            sql += " AND (station_id = ? OR command_station_id = ?)"
            args += [stationId, stationId]
        }
        sql += " ORDER BY opened_at, id LIMIT ?"
        args.append(max(1, min(limit, 5_000)))
        return try String.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { try incident(db, id: $0, withTimeline: false) }
    }

    /// The unit board: every unit with its state, position and current incident, by id.
    static func unitBoard(_ db: Database, jurisdiction: Jurisdiction, query: UnitBoardQuery) throws -> [UnitBoardEntry] {
        var stored: [String: Row] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM units") { stored[row["id"]] = row }
        return jurisdiction.units.map { u -> UnitBoardEntry in
            let row = stored[u.id]
            return UnitBoardEntry(
                id: u.id, callSign: u.callSign, kind: u.kind.rawValue, stationId: u.stationId, squadronId: u.squadronId,
                regionId: jurisdiction.regionId(of: u), homeGridId: u.homeGridId, state: row?["state"] ?? UnitState.available.rawValue,
                offReason: row?["off_reason"], incidentId: row?["incident_id"], lat: row?["lat"] ?? u.position.lat,
                lon: row?["lon"] ?? u.position.lon, updatedAt: row.flatMap { date($0, "updated_at") })
        }.filter(query.admits).sorted { $0.id < $1.id }
    }

    static func queue(_ db: Database, incidentId: String? = nil) throws -> [QueuedView] {
        let rows =
            if let incidentId {
                try Row.fetchAll(db, sql: "SELECT * FROM queue WHERE incident_id = ? ORDER BY priority, id", arguments: [incidentId])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM queue ORDER BY priority, id")
            }
        return rows.map { r in
            QueuedView(
                queueId: r["id"], incidentId: r["incident_id"], need: DispatchStore.decodeNeed(r["need"])?.role ?? "?",
                priority: r["priority"], regionId: r["region_id"], queuedAt: Date(timeIntervalSince1970: r["queued_at"]), level: r["level"])
        }
    }

    /// `GET /v1/stats`: `incidents`, `assignments`, `incidentsAssigned` (the load generator compares
    /// these with scoring), `incidents_<status>`, `queue`, `assignments_<rule>`, `breaches_<timer>`, `met_<timer>`.
    static func stats(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [
            "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0,
            "assignments": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assignments") ?? 0,
            "incidentsAssigned": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM assignments") ?? 0,
            "queue": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queue") ?? 0,
            "zeroDisturbanceSites": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM zd_sites") ?? 0,
        ]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM incidents GROUP BY status") {
            out["incidents_\(row["status"] as String)"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT rule, COUNT(*) AS n FROM assignments GROUP BY rule") {
            out["assignments_\(row["rule"] as String)"] = row["n"]
        }
        for timer in SLATimer.allCases {
            out["breaches_\(timer.rawValue)"] = 0
        }
        let ended = "SELECT timer, state, COUNT(*) AS n FROM timers WHERE state IN ('breached', 'met') GROUP BY timer, state"
        for row in try Row.fetchAll(db, sql: ended) {
            let key = (row["state"] as String) == TimerState.breached.rawValue ? "breaches" : "met"
            out["\(key)_\(row["timer"] as String)"] = row["n"]
        }
        return out
    }

    /// Assignments per rule (the scenario test's distribution).
    static func assignmentsByRule(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT rule, COUNT(*) AS n FROM assignments GROUP BY rule") { out[row["rule"]] = row["n"] }
        return out
    }
}
