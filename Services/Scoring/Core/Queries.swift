import Foundation
import GRDB
import Model

/// A period of event time: `[from, to)`.
public struct Period: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case day, week, month, range, all }
    public var kind: Kind
    public var from: Date
    public var to: Date

    public init(kind: Kind, from: Date, to: Date) {
        self.kind = kind
        self.from = from
        self.to = to
    }

    /// The calendar day, ISO week (Monday first) or month containing `date`, in `timeZone`.
    public static func containing(_ date: Date, kind: Kind, timeZone: TimeZone) -> Period {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        cal.firstWeekday = 2
        cal.minimumDaysInFirstWeek = 4
        switch kind {
        case .day:
            let from = cal.startOfDay(for: date)
            return Period(kind: .day, from: from, to: cal.date(byAdding: .day, value: 1, to: from)!)
        case .week:
            let from = cal.dateInterval(of: .weekOfYear, for: date)!.start
            return Period(kind: .week, from: from, to: cal.date(byAdding: .day, value: 7, to: from)!)
        case .month:
            let i = cal.dateInterval(of: .month, for: date)!
            return Period(kind: .month, from: i.start, to: i.end)
        case .range, .all:
            return Period(kind: kind, from: date, to: date)
        }
    }

    /// The period just before: the previous day, week or month; for a range, the same length before it.
    public func previous(timeZone: TimeZone) -> Period {
        switch kind {
        case .day, .week, .month: return Period.containing(from.addingTimeInterval(-1), kind: kind, timeZone: timeZone)
        case .range, .all: return Period(kind: kind, from: from.addingTimeInterval(-to.timeIntervalSince(from)), to: from)
        }
    }

    public static let everything = Period(kind: .all, from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 1e11))
}

/// The grouping levels of rankings and KPIs.
public enum Level: String, Codable, Sendable, CaseIterable {
    case officer, unit, station, post, region, grid, city
}

/// Rankings, KPIs and interval reports: pure reads of the ledger and the incident fact table.
public enum ScoringQueries {
    // MARK: Rankings

    public struct RankingEntry: Codable, Sendable, Hashable {
        public var rank: Int
        public var key: String
        public var points: Double
        public var awards: Int
        public var incidents: Int
    }

    /// Points earned in `period` (award time), summed by `level`: officer, unit, or the station,
    /// post, region or grid of the incident. Ties: the same rank, ordered by key.
    public static func rankings(_ db: Database, level: Level, period: Period, limit: Int = 20) throws -> [RankingEntry] {
        let column: String
        switch level {
        case .officer: column = "officer_id"
        case .unit: column = "unit_id"
        case .station: column = "station_id"
        case .post: column = "post_id"
        case .region: column = "region_id"
        case .grid: column = "grid_id"
        case .city: column = "'city'"
        }
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(column) AS k, TOTAL(points) AS p, COUNT(*) AS n, COUNT(DISTINCT incident_id) AS i FROM ledger
            WHERE at >= ? AND at < ? AND \(column) IS NOT NULL GROUP BY k ORDER BY p DESC, k LIMIT ?
            """, arguments: [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970, limit])
        var out: [RankingEntry] = []
        for (i, row) in rows.enumerated() {
            let p: Double = row["p"]
            let rank = (i > 0 && out[i - 1].points == p) ? out[i - 1].rank : i + 1
            out.append(RankingEntry(rank: rank, key: row["k"], points: (p * 1000).rounded() / 1000, awards: row["n"], incidents: row["i"]))
        }
        return out
    }

    // MARK: KPIs

    struct IncidentRow {
        var id: String
        var start: Double
        var category: String?
        var callTaker: String?
        var station: String?, post: String?, region: String?, grid: String?
        var firstAssigned: Double?, firstFeedback: Double?, closed: Double?
        var outcome: String?
        var handedOver: Bool
        var stationUnits: Int
        var units: [UnitRow] = []
        var complaints: Int, upheld: Int, callbacks: Int, satisfied: Int
    }

    struct UnitRow {
        var unit: String
        var kind: String?
        var officers: [String]
        var assigned: Double, signed: Double?, arrived: Double?, closed: Double?
    }

    static func incidents(_ db: Database, _ period: Period) throws -> [IncidentRow] {
        var out: [IncidentRow] = []
        var index: [String: Int] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE start_at >= ? AND start_at < ? ORDER BY incident_id",
                                  arguments: [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]) {
            index[r["incident_id"]] = out.count
            out.append(IncidentRow(id: r["incident_id"], start: r["start_at"], category: r["category"], callTaker: r["call_taker"], station: r["station_id"],
                                   post: r["post_id"], region: r["region_id"], grid: r["grid_id"], firstAssigned: r["first_assigned_at"],
                                   firstFeedback: r["first_feedback_at"], closed: r["closed_at"], outcome: r["outcome"], handedOver: r["handed_over"],
                                   stationUnits: r["station_units"], complaints: r["complaints"], upheld: r["complaints_upheld"],
                                   callbacks: r["callbacks"], satisfied: r["satisfied"]))
        }
        let decoder = JSONDecoder()
        for r in try Row.fetchAll(db, sql: """
            SELECT u.* FROM incident_units u JOIN incidents i ON i.incident_id = u.incident_id
            WHERE i.start_at >= ? AND i.start_at < ? ORDER BY u.incident_id, u.assigned_at, u.unit_id
            """, arguments: [period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]) {
            guard let i = index[r["incident_id"]] else { continue }
            let officers = (try? decoder.decode([String].self, from: Data((r["officer_ids"] as String).utf8))) ?? []
            out[i].units.append(UnitRow(unit: r["unit_id"], kind: r["kind"], officers: officers, assigned: r["assigned_at"], signed: r["signed_at"],
                                        arrived: r["arrived_at"], closed: r["closed_at"]))
        }
        return out
    }

    /// One KPI: its value (nil when its denominator is 0), with numerator and denominator.
    public struct Ratio: Codable, Sendable, Hashable {
        public var value: Double?
        public var numerator: Double
        public var denominator: Double
        public init(_ n: Double, _ d: Double) {
            numerator = n
            denominator = d
            value = d == 0 ? nil : n / d
        }
    }

    public struct KPIs: Codable, Sendable, Hashable {
        public var workload: Int
        public var acceptanceRate: Ratio
        public var selfHandledRate: Ratio
        public var signOffOnTimeRate: Ratio
        public var firstFeedbackOnTimeRate: Ratio
        public var closeOnTimeRate: Ratio
        public var arrivalMeanSeconds: Double?
        public var arrivalP90Seconds: Double?
        public var minorAccidentOnSceneRate: Ratio
        public var mediationSuccessRate: Ratio
        public var stationAccidentShare: Ratio
        public var complaintRate: Ratio
        public var upheldComplaintRate: Ratio
        public var satisfactionRate: Ratio

        /// Every KPI as a number (for the change against the previous period).
        public var figures: [String: Double?] {
            ["workload": Double(workload), "acceptanceRate": acceptanceRate.value, "selfHandledRate": selfHandledRate.value,
             "signOffOnTimeRate": signOffOnTimeRate.value, "firstFeedbackOnTimeRate": firstFeedbackOnTimeRate.value,
             "closeOnTimeRate": closeOnTimeRate.value, "arrivalMeanSeconds": arrivalMeanSeconds, "arrivalP90Seconds": arrivalP90Seconds,
             "minorAccidentOnSceneRate": minorAccidentOnSceneRate.value, "mediationSuccessRate": mediationSuccessRate.value,
             "stationAccidentShare": stationAccidentShare.value, "complaintRate": complaintRate.value,
             "upheldComplaintRate": upheldComplaintRate.value, "satisfactionRate": satisfactionRate.value]
        }
    }

    public struct Change: Codable, Sendable, Hashable {
        public var previous: Double?
        public var delta: Double?
        /// delta / previous (nil when previous is 0 or unknown).
        public var relative: Double?
    }

    public struct KPIEntry: Codable, Sendable, Hashable {
        public var key: String
        public var kpis: KPIs
        public var change: [String: Change]
    }

    public struct KPIReport: Codable, Sendable, Hashable {
        public var level: Level
        public var period: Period
        public var previous: Period
        public var entries: [KPIEntry]
    }

    /// Nearest-rank percentile: the value at rank ⌈q·n⌉ of the ascending values.
    public static func percentile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    /// (group key, incident, the assignments that count for the group)
    static func groups(_ incidents: [IncidentRow], level: Level) -> [String: [(IncidentRow, [UnitRow])]] {
        var out: [String: [(IncidentRow, [UnitRow])]] = [:]
        for inc in incidents {
            switch level {
            case .city: out["city", default: []].append((inc, inc.units))
            case .region: if let k = inc.region { out[k, default: []].append((inc, inc.units)) }
            case .station: if let k = inc.station { out[k, default: []].append((inc, inc.units)) }
            case .post: if let k = inc.post { out[k, default: []].append((inc, inc.units)) }
            case .grid: if let k = inc.grid { out[k, default: []].append((inc, inc.units)) }
            case .unit:
                for u in inc.units { out[u.unit, default: []].append((inc, [u])) }
            case .officer:
                var mine: [String: [UnitRow]] = [:]
                for u in inc.units { for o in u.officers { mine[o, default: []].append(u) } }
                for (o, us) in mine { out[o, default: []].append((inc, us)) }
            }
        }
        return out
    }

    static func kpis(_ members: [(IncidentRow, [UnitRow])], rules: ScoringRules) -> KPIs {
        let n = Double(members.count)
        let assignments = members.flatMap(\.1)
        let signed = assignments.filter { $0.signed != nil }.count
        let signedOnTime = assignments.filter { a in a.signed.map { s in s - a.assigned <= rules.timers.signOffSeconds } ?? false }.count
        let selfHandled = members.filter { $0.0.closed != nil && !$0.0.handedOver }.count
        let feedbackOnTime = members.filter { m in m.0.firstFeedback.map { f in f - m.0.start <= rules.timers.firstFeedbackSeconds } ?? false }.count
        let closeOnTime = members.filter { m in m.0.closed.map { c in c - m.0.start <= rules.timers.closeSeconds } ?? false }.count
        let arrivals = members.compactMap { m in m.1.compactMap(\.arrived).min().map { $0 - m.0.start } }
        let minor = members.filter { $0.0.category == Category.accidentMinor.rawValue && $0.0.closed != nil }
        let disputes = members.filter { $0.0.category == Category.dispute.rawValue && $0.0.closed != nil }
        let accidents = members.filter { ($0.0.category == Category.accidentMinor.rawValue || $0.0.category == Category.accidentCasualty.rawValue) && !$0.0.units.isEmpty }
        return KPIs(
            workload: members.count,
            acceptanceRate: Ratio(Double(signed), Double(assignments.count)),
            selfHandledRate: Ratio(Double(selfHandled), n),
            signOffOnTimeRate: Ratio(Double(signedOnTime), Double(assignments.count)),
            firstFeedbackOnTimeRate: Ratio(Double(feedbackOnTime), n),
            closeOnTimeRate: Ratio(Double(closeOnTime), n),
            arrivalMeanSeconds: arrivals.isEmpty ? nil : arrivals.reduce(0, +) / Double(arrivals.count),
            arrivalP90Seconds: percentile(arrivals, 0.9),
            minorAccidentOnSceneRate: Ratio(Double(minor.filter { $0.0.outcome == Outcome.resolvedOnScene.rawValue }.count), Double(minor.count)),
            mediationSuccessRate: Ratio(Double(disputes.filter { $0.0.outcome == Outcome.mediated.rawValue }.count), Double(disputes.count)),
            stationAccidentShare: Ratio(Double(accidents.filter { $0.0.stationUnits > 0 }.count), Double(accidents.count)),
            complaintRate: Ratio(Double(members.map(\.0.complaints).reduce(0, +)), n),
            upheldComplaintRate: Ratio(Double(members.map(\.0.upheld).reduce(0, +)), n),
            satisfactionRate: Ratio(Double(members.map(\.0.satisfied).reduce(0, +)), Double(members.map(\.0.callbacks).reduce(0, +))))
    }

    /// Every KPI of every group of `level` (or only `key`) for the incidents received in `period`,
    /// with the change against the previous period.
    public static func kpiReport(_ db: Database, level: Level, key: String? = nil, period: Period, rules: ScoringRules) throws -> KPIReport {
        let previous = period.previous(timeZone: rules.timeZone)
        let now = groups(try incidents(db, period), level: level)
        let before = groups(try incidents(db, previous), level: level)
        var keys = Set(now.keys).union(before.keys)
        if let key { keys = keys.filter { $0 == key }; if keys.isEmpty { keys = [key] } }
        var entries: [KPIEntry] = []
        for k in keys.sorted() {
            let cur = kpis(now[k] ?? [], rules: rules)
            let prev = kpis(before[k] ?? [], rules: rules)
            var change: [String: Change] = [:]
            let p = prev.figures
            for (name, value) in cur.figures {
                let old = p[name] ?? nil
                let delta = value.flatMap { v in old.map { v - $0 } }
                change[name] = Change(previous: old, delta: delta, relative: delta.flatMap { d in old.flatMap { $0 == 0 ? nil : d / $0 } })
            }
            entries.append(KPIEntry(key: k, kpis: cur, change: change))
        }
        return KPIReport(level: level, period: period, previous: previous, entries: entries)
    }

    // MARK: Intervals

    public struct Interval: Codable, Sendable, Hashable {
        public var count: Int
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        init(_ values: [Double]) {
            count = values.count
            medianSeconds = ScoringQueries.percentile(values, 0.5)
            p90Seconds = ScoringQueries.percentile(values, 0.9)
        }
    }

    public struct IntervalEntry: Codable, Sendable, Hashable {
        public var category: String
        public var unitId: String?
        public var callToDispatch: Interval
        public var dispatchToSignOff: Interval
        public var travel: Interval
        public var onScene: Interval
        public var total: Interval
    }

    /// Per category (and per unit when `byUnit`): call-to-dispatch (unit's assignment − receipt;
    /// per category: first assignment − receipt), dispatch-to-sign-off, travel (arrival − sign-off),
    /// on scene (unit's close − arrival), total (incident's close − receipt).
    public static func intervals(_ db: Database, period: Period, byUnit: Bool) throws -> [IntervalEntry] {
        var buckets: [String: (cat: String, unit: String?, c2d: [Double], d2s: [Double], travel: [Double], scene: [Double], total: [Double])] = [:]
        for inc in try incidents(db, period) {
            let cat = inc.category ?? "unknown"
            if byUnit {
                for u in inc.units {
                    let k = "\(cat)|\(u.unit)"
                    var b = buckets[k] ?? (cat, u.unit, [], [], [], [], [])
                    b.c2d.append(u.assigned - inc.start)
                    if let s = u.signed { b.d2s.append(s - u.assigned) }
                    if let s = u.signed, let a = u.arrived { b.travel.append(a - s) }
                    if let a = u.arrived, let c = u.closed { b.scene.append(c - a) }
                    if let c = inc.closed { b.total.append(c - inc.start) }
                    buckets[k] = b
                }
            } else {
                var b = buckets[cat] ?? (cat, nil, [], [], [], [], [])
                if let f = inc.firstAssigned { b.c2d.append(f - inc.start) }
                for u in inc.units {
                    if let s = u.signed { b.d2s.append(s - u.assigned) }
                    if let s = u.signed, let a = u.arrived { b.travel.append(a - s) }
                    if let a = u.arrived, let c = u.closed { b.scene.append(c - a) }
                }
                if let c = inc.closed { b.total.append(c - inc.start) }
                buckets[cat] = b
            }
        }
        return buckets.keys.sorted().map { k in
            let b = buckets[k]!
            return IntervalEntry(category: b.cat, unitId: b.unit, callToDispatch: Interval(b.c2d), dispatchToSignOff: Interval(b.d2s),
                                 travel: Interval(b.travel), onScene: Interval(b.scene), total: Interval(b.total))
        }
    }

    // MARK: Ledger

    public struct Line: Codable, Sendable, Hashable {
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

    /// An officer's awards in `period`, in time order, with their total.
    public static func officerPoints(_ db: Database, officerId: String, period: Period) throws -> (total: Double, lines: [Line]) {
        let lines = try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE officer_id = ? AND at >= ? AND at < ? ORDER BY at, award_id",
                                     arguments: [officerId, period.from.timeIntervalSince1970, period.to.timeIntervalSince1970]).map {
            Line(awardId: $0["award_id"], incidentId: $0["incident_id"], unitId: $0["unit_id"], stationId: $0["station_id"], rule: $0["rule"],
                 points: $0["points"], earnedBy: (try? JSONDecoder().decode([String].self, from: Data(($0["earned_by"] as String).utf8))) ?? [],
                 explanation: $0["explanation"], rulesVersion: $0["rules_version"], revision: $0["revision"], at: Date(timeIntervalSince1970: $0["at"]))
        }
        return (((lines.map(\.points).reduce(0, +)) * 1000).rounded() / 1000, lines)
    }

    /// The whole ledger in a canonical order (determinism checks, exports).
    public static func ledger(_ db: Database) throws -> [Line] {
        try Row.fetchAll(db, sql: "SELECT * FROM ledger ORDER BY award_id").map {
            Line(awardId: $0["award_id"], incidentId: $0["incident_id"], unitId: $0["unit_id"], stationId: $0["station_id"], rule: $0["rule"],
                 points: $0["points"], earnedBy: (try? JSONDecoder().decode([String].self, from: Data(($0["earned_by"] as String).utf8))) ?? [],
                 explanation: $0["explanation"], rulesVersion: $0["rules_version"], revision: 0, at: Date(timeIntervalSince1970: $0["at"]))
        }
    }

    /// The latest event time scoring has seen ("now" for default periods: event time, never the wall clock).
    public static func latestEventTime(_ db: Database) throws -> Date? {
        try Double.fetchOne(db, sql: "SELECT MAX(at) FROM facts").map { Date(timeIntervalSince1970: $0) }
    }
}
