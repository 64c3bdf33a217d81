import Foundation
import GRDB
import Model
import Wire

/// One line of the ledger as the read API shows it.
public struct LedgerLine: Codable, Sendable, Hashable {
    public var awardId: String
    public var incidentId: String
    public var unitId: String?
    public var stationId: String?
    public var rule: String
    public var points: Double
    public var earnedBy: [String]
    public var explanation: String
    public var rulesVersion: String
    public var revision: Int
    public var at: Date
}

/// The SQL of every read: the ledger, the incident rows and the fact log's latest time, fetched
/// into the values the pure formulas of `Rules/` take. Used by ``ScoringQueries`` (reader
/// connections) and by the report the engine's tick publishes (inside its transaction).
enum LedgerReads {
    static func earnedBy(_ json: String) -> [String] { (try? JSONCodec.decode([String].self, from: Array(json.utf8), fallback: JSONDecoder())) ?? [] }

    static func bounds(_ period: Period) -> StatementArguments { [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970] }

    /// The ledger column a level groups by (area levels: the incident's area stored on the line).
    static func column(_ level: Level) -> String {
        switch level {
        case .officer: "officer_id"
        case .unit: "unit_id"
        case .station: "station_id"
        case .post: "post_id"
        case .region: "region_id"
        case .grid: "grid_id"
        case .city: "'\(RoutingKey.city)'"  // one group: the whole city
        }
    }

    /// Points earned in `period` (award time), summed by `level`, best first (ties: by key).
    static func rankings(_ db: Database, level: Level, period: Period, limit: Int = 20) throws -> [RankingEntry] {
        let column = column(level)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(column) AS k, TOTAL(points) AS p, COUNT(*) AS n, COUNT(DISTINCT incident_id) AS i FROM ledger
                WHERE at >= ? AND at < ? AND \(column) IS NOT NULL GROUP BY k ORDER BY p DESC, k LIMIT ?
                """, arguments: bounds(period) + [limit])
        return RankingEntry.ranked(rows.map { RankingTotal(key: $0["k"], points: $0["p"], awards: $0["n"], incidents: $0["i"]) })
    }

    /// The incidents received in `period`, with their units, in id order.
    static func kpiIncidents(_ db: Database, _ period: Period) throws -> [KPIIncident] {
        var out: [KPIIncident] = []
        var index: [String: Int] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT * FROM incidents WHERE start_at >= ? AND start_at < ? ORDER BY incident_id",
            arguments: bounds(period))
        {
            index[r["incident_id"]] = out.count
            out.append(
                KPIIncident(
                    id: r["incident_id"], start: r["start_at"], category: r["category"], callTaker: r["call_taker"],
                    station: r["station_id"], post: r["post_id"], region: r["region_id"], grid: r["grid_id"],
                    firstAssigned: r["first_assigned_at"], firstFeedback: r["first_feedback_at"], closed: r["closed_at"],
                    outcome: r["outcome"], handedOver: r["handed_over"], stationUnits: r["station_units"],
                    complaints: r["complaints"], upheld: r["complaints_upheld"], callbacks: r["callbacks"],
                    satisfied: r["satisfied"]))
        }
        for r in try Row.fetchAll(
            db,
            sql: """
                SELECT u.* FROM incident_units u JOIN incidents i ON i.incident_id = u.incident_id
                WHERE i.start_at >= ? AND i.start_at < ? ORDER BY u.incident_id, u.assigned_at, u.unit_id
                """, arguments: bounds(period))
        {
            guard let i = index[r["incident_id"]] else { continue }
            out[i].units.append(
                KPIUnit(
                    unit: r["unit_id"], kind: r["kind"], officers: earnedBy(r["officer_ids"]), assigned: r["assigned_at"],
                    signed: r["signed_at"], arrived: r["arrived_at"], closed: r["closed_at"]))
        }
        return out
    }

    /// Every KPI of every group of `level` (or only `key`) for the incidents received in `period`,
    /// with the change against the previous period and against the same period a year earlier;
    /// timed rates leave out what is still pending at the latest event time.
    static func kpiReport(_ db: Database, level: Level, key: String? = nil, period: Period, rules: ScoringRules) throws -> KPIReport {
        let previous = period.previous(timeZone: rules.timeZone)
        let yearEarlier = period.yearEarlier(timeZone: rules.timeZone)
        return KPIReport(
            level: level, key: key, period: period, previous: previous, now: try kpiIncidents(db, period),
            before: try kpiIncidents(db, previous), yearEarlier: yearEarlier, lastYear: try kpiIncidents(db, yearEarlier), rules: rules,
            eventNow: try latestEventTime(db)?.timeIntervalSince1970 ?? .infinity)
    }

    /// The interval report of the incidents received in `period`.
    static func intervals(_ db: Database, period: Period, byUnit: Bool) throws -> [IntervalEntry] {
        IntervalEntry.report(try kpiIncidents(db, period), byUnit: byUnit)
    }

    static func line(_ row: Row, revision: Int? = nil) -> LedgerLine {
        LedgerLine(
            awardId: row["award_id"], incidentId: row["incident_id"], unitId: row["unit_id"], stationId: row["station_id"],
            rule: row["rule"], points: row["points"], earnedBy: earnedBy(row["earned_by"]), explanation: row["explanation"],
            rulesVersion: row["rules_version"], revision: revision ?? row["revision"], at: Date(timeIntervalSince1970: row["at"]))
    }

    /// An officer's awards in `period`, in time order, with their total.
    static func officerPoints(_ db: Database, officerId: String, period: Period) throws -> (total: Double, lines: [LedgerLine]) {
        let lines = try Row.fetchAll(
            db, sql: "SELECT * FROM ledger WHERE officer_id = ? AND at >= ? AND at < ? ORDER BY at, award_id",
            arguments: [officerId] + bounds(period)
        ).map { line($0) }
        return (roundedPoints(lines.map(\.points).reduce(0, +)), lines)
    }

    /// The whole ledger in a canonical order, revisions left out (they depend on arrival order).
    static func ledger(_ db: Database) throws -> [LedgerLine] {
        try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY award_id").map { line($0, revision: 0) }
    }

    /// The latest event time scoring has seen ("now" for default periods: event time, never the wall clock).
    static func latestEventTime(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT MAX(at) FROM facts").map { Date(timeIntervalSince1970: $0) }
    }

    // MARK: Reports

    /// The earliest event time scoring keeps (where all time starts).
    static func earliestEventTime(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT MIN(at) FROM facts").map { Date(timeIntervalSince1970: $0) }
    }

    /// The hotspot report of `period` against the previous one.
    static func hotspots(_ db: Database, period: Period, timeZone: TimeZone, top: Int = 10) throws -> HotspotReport {
        let previous = period.previous(timeZone: timeZone)
        func incidents(_ p: Period) throws -> [HotspotIncident] {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT grid_id, station_id, start_at, category FROM incidents WHERE start_at >= ? AND start_at < ? AND grid_id IS NOT NULL
                    """, arguments: bounds(p)
            ).map {
                HotspotIncident(gridId: $0["grid_id"], stationId: $0["station_id"], start: $0["start_at"], category: $0["category"])
            }
        }
        return HotspotReport(
            period: period, previous: previous, now: try incidents(period), before: try incidents(previous),
            timeZone: timeZone, top: top)
    }

    /// The monthly awards of `period` (any period works; the month is the convention).
    static func monthlyAwards(_ db: Database, period: Period) throws -> MonthlyAwards {
        let args = bounds(period)
        let excluded = Set(
            try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT officer_id FROM ledger WHERE at >= ? AND at < ? AND rule IN ('complaint.upheld', 'irregularity')
                    """, arguments: args))
        func officers(_ filter: String, _ countName: String) throws -> [AwardTally] {
            try Row.fetchAll(
                db,
                sql: """
                    SELECT officer_id, TOTAL(points) AS p, COUNT(DISTINCT incident_id) AS n FROM ledger WHERE at >= ? AND at < ?\(filter)
                    GROUP BY officer_id
                    """, arguments: args
            ).map { row in
                AwardTally(id: row["officer_id"], score: row["p"], detail: ["points": row["p"], countName: Double(row["n"] as Int)])
            }
        }
        let callTakers = try Row.fetchAll(
            db,
            sql: """
                SELECT call_taker, COUNT(*) AS n, TOTAL(CASE WHEN first_assigned_at - start_at <= 60 THEN 1 ELSE 0 END) AS fast,
                       TOTAL(complaints_upheld) AS upheld FROM incidents
                WHERE start_at >= ? AND start_at < ? AND call_taker IS NOT NULL GROUP BY call_taker
                """, arguments: args
        ).map { row in
            MonthlyAwards.callTakerTally(id: row["call_taker"], taken: row["n"], fast: row["fast"], upheld: row["upheld"])
        }
        return MonthlyAwards(
            period: period, officers: try officers("", "incidents"),
            accidents: try officers(" AND category IN ('accidentMinor', 'accidentCasualty')", "accidents"),
            callTakers: callTakers, excluded: excluded)
    }
}
