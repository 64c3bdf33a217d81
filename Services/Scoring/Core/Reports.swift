import Foundation
import GRDB
import Model

/// Monthly awards (满天星) and hotspot reports with a patrol plan (社会风险质控). Pure reads of the
/// ledger and the incident fact table: the same events give the same report.
public enum ScoringReports {
    // MARK: Monthly awards

    public struct Candidate: Codable, Sendable, Hashable {
        public var rank: Int
        public var id: String
        public var score: Double
        public var detail: [String: Double]
    }

    public struct MonthlyAwards: Codable, Sendable, Hashable {
        public var period: Period
        public var starOfTheMonth: Candidate?
        public var excellentTrafficManagers: [Candidate]
        public var excellentCallTakers: [Candidate]
    }

    static func ranked(_ scores: [String: (Double, [String: Double])], limit: Int) -> [Candidate] {
        let sorted = scores.sorted { a, b in a.value.0 != b.value.0 ? a.value.0 > b.value.0 : a.key < b.key }
        return sorted.prefix(limit).enumerated().map { Candidate(rank: $0.offset + 1, id: $0.element.key, score: ($0.element.value.0 * 1000).rounded() / 1000, detail: $0.element.value.1) }
    }

    /// The awards of the month containing `period.from` (any period works; the month is the convention):
    /// - star of the month: the officer with the most points in the period among those with no
    ///   upheld complaint or irregularity in it (ties: the officer id);
    /// - 3 excellent traffic managers: the officers with the most points earned on accident incidents
    ///   (`accidentMinor`, `accidentCasualty`), same exclusion;
    /// - 3 excellent call-takers: score = incidents taken + incidents dispatched within 60 s of receipt
    ///   − 5 × upheld complaints on incidents they took, over the incidents received in the period.
    public static func monthlyAwards(_ db: Database, period: Period) throws -> MonthlyAwards {
        let args: StatementArguments = [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]
        let excluded = Set(try String.fetchAll(db, sql: "SELECT DISTINCT officer_id FROM ledger WHERE at >= ? AND at < ? AND rule IN ('complaint.upheld', 'irregularity')", arguments: args))
        var star: [String: (Double, [String: Double])] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT officer_id, TOTAL(points) AS p, COUNT(DISTINCT incident_id) AS n FROM ledger WHERE at >= ? AND at < ? GROUP BY officer_id", arguments: args) {
            let id: String = row["officer_id"]
            guard !excluded.contains(id) else { continue }
            star[id] = (row["p"], ["points": row["p"], "incidents": Double(row["n"] as Int)])
        }
        var traffic: [String: (Double, [String: Double])] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT officer_id, TOTAL(points) AS p, COUNT(DISTINCT incident_id) AS n FROM ledger WHERE at >= ? AND at < ?
            AND category IN ('accidentMinor', 'accidentCasualty') GROUP BY officer_id
            """, arguments: args) {
            let id: String = row["officer_id"]
            guard !excluded.contains(id) else { continue }
            traffic[id] = (row["p"], ["points": row["p"], "accidents": Double(row["n"] as Int)])
        }
        var takers: [String: (Double, [String: Double])] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT call_taker, COUNT(*) AS n, TOTAL(CASE WHEN first_assigned_at - start_at <= 60 THEN 1 ELSE 0 END) AS fast,
                   TOTAL(complaints_upheld) AS upheld FROM incidents
            WHERE start_at >= ? AND start_at < ? AND call_taker IS NOT NULL GROUP BY call_taker
            """, arguments: args) {
            let n = Double(row["n"] as Int), fast: Double = row["fast"], upheld: Double = row["upheld"]
            takers[row["call_taker"]] = (n + fast - 5 * upheld, ["taken": n, "dispatchedWithin60s": fast, "upheldComplaints": upheld])
        }
        return MonthlyAwards(period: period, starOfTheMonth: ranked(star, limit: 1).first,
                             excellentTrafficManagers: ranked(traffic, limit: 3), excellentCallTakers: ranked(takers, limit: 3))
    }

    // MARK: Hotspots

    public typealias Cell = HotspotCell
    public typealias StationPlan = StationPatrolPlan

    public struct HotspotReport: Codable, Sendable, Hashable {
        public var period: Period
        public var previous: Period
        public var incidents: Int
        /// Every grid × hour × category cell with an incident in the period or the previous one.
        public var cells: [Cell]
        public var top: [Cell]
        /// For the next period: each station's grids and hours to patrol (有警接警、无警巡逻).
        public var patrolPlan: [StationPlan]
    }

    /// Incidents received in `period`, counted by grid × local hour of receipt × category; the top
    /// `top` cells by count (ties: larger rise, then grid, hour, category); the trend is the count
    /// minus the previous period's. Patrol plan: per station, the grids of its top cells, each with
    /// the hours (of any category) holding at least `minimum` incidents in the period, busiest first,
    /// at most `slotsPerStation` grids.
    public static func hotspots(_ db: Database, period: Period, timeZone: TimeZone, top: Int = 10, minimum: Int = 1, slotsPerStation: Int = 3) throws -> HotspotReport {
        let previous = period.previous(timeZone: timeZone)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        struct Key: Hashable { var grid: String; var hour: Int; var category: String }
        func counts(_ p: Period) throws -> ([Key: Int], [String: String], Int) {
            var out: [Key: Int] = [:]
            var stations: [String: String] = [:]
            var total = 0
            for row in try Row.fetchAll(db, sql: "SELECT grid_id, station_id, start_at, category FROM incidents WHERE start_at >= ? AND start_at < ? AND grid_id IS NOT NULL",
                                        arguments: [p.from.timeIntervalSince1970, p.to.timeIntervalSince1970]) {
                let hour = cal.component(.hour, from: Date(timeIntervalSince1970: row["start_at"]))
                let grid: String = row["grid_id"]
                out[Key(grid: grid, hour: hour, category: row["category"] ?? "unknown"), default: 0] += 1
                if let s: String = row["station_id"] { stations[grid] = s }
                total += 1
            }
            return (out, stations, total)
        }
        let (now, stations, total) = try counts(period)
        let (before, stationsBefore, _) = try counts(previous)
        let cells = Set(now.keys).union(before.keys).map { k in
            Cell(gridId: k.grid, stationId: stations[k.grid] ?? stationsBefore[k.grid], hour: k.hour, category: k.category,
                 count: now[k] ?? 0, previous: before[k] ?? 0, trend: (now[k] ?? 0) - (before[k] ?? 0))
        }.sorted { ($0.gridId, $0.hour, $0.category) < ($1.gridId, $1.hour, $1.category) }
        let topCells = cells.filter { $0.count > 0 }.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            if a.trend != b.trend { return a.trend > b.trend }
            return (a.gridId, a.hour, a.category) < (b.gridId, b.hour, b.category)
        }.prefix(top)
        var plan: [String: [PatrolSlot]] = [:]
        var byGridHour: [String: [Int: Int]] = [:]
        for (k, n) in now { byGridHour[k.grid, default: [:]][k.hour, default: 0] += n }
        for cell in topCells {
            guard let station = cell.stationId else { continue }
            guard !(plan[station] ?? []).contains(where: { $0.gridId == cell.gridId }), (plan[station]?.count ?? 0) < slotsPerStation else { continue }
            let hours = (byGridHour[cell.gridId] ?? [:]).filter { $0.value >= minimum }.sorted { a, b in a.value != b.value ? a.value > b.value : a.key < b.key }
            plan[station, default: []].append(PatrolSlot(gridId: cell.gridId, hours: hours.map(\.key), incidents: hours.map(\.value).reduce(0, +)))
        }
        return HotspotReport(period: period, previous: previous, incidents: total, cells: cells, top: Array(topCells),
                             patrolPlan: plan.keys.sorted().map { StationPlan(stationId: $0, slots: plan[$0]!) })
    }

    /// The report as CSV: one line per cell, then the patrol plan.
    public static func csv(_ r: HotspotReport) -> String {
        var lines = ["section,gridId,stationId,hour,category,count,previous,trend,top"]
        let top = Set(r.top)
        for c in r.cells {
            lines.append("cell,\(c.gridId),\(c.stationId ?? ""),\(c.hour),\(c.category),\(c.count),\(c.previous),\(c.trend),\(top.contains(c) ? 1 : 0)")
        }
        for p in r.patrolPlan {
            for s in p.slots {
                lines.append("patrol,\(s.gridId),\(p.stationId),\(s.hours.map(String.init).joined(separator: " ")),,\(s.incidents),,,")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
