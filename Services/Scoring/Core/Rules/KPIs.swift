import Model
import Wire

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

/// The KPIs of one group (officer, unit, station, post, region, grid or city) over a period.
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
        [
            "workload": Double(workload), "acceptanceRate": acceptanceRate.value, "selfHandledRate": selfHandledRate.value,
            "signOffOnTimeRate": signOffOnTimeRate.value, "firstFeedbackOnTimeRate": firstFeedbackOnTimeRate.value,
            "closeOnTimeRate": closeOnTimeRate.value, "arrivalMeanSeconds": arrivalMeanSeconds, "arrivalP90Seconds": arrivalP90Seconds,
            "minorAccidentOnSceneRate": minorAccidentOnSceneRate.value, "mediationSuccessRate": mediationSuccessRate.value,
            "stationAccidentShare": stationAccidentShare.value, "complaintRate": complaintRate.value,
            "upheldComplaintRate": upheldComplaintRate.value, "satisfactionRate": satisfactionRate.value,
        ]
    }

    /// The KPIs of a group's incidents, each with the assignments that count for the group.
    public init(_ members: [(KPIIncident, [KPIUnit])], rules: ScoringRules) {
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
        let accidentKinds = [Category.accidentMinor.rawValue, Category.accidentCasualty.rawValue]
        let accidents = members.filter { $0.0.category.map(accidentKinds.contains) == true && !$0.0.units.isEmpty }
        workload = members.count
        acceptanceRate = Ratio(Double(signed), Double(assignments.count))
        selfHandledRate = Ratio(Double(selfHandled), n)
        signOffOnTimeRate = Ratio(Double(signedOnTime), Double(assignments.count))
        firstFeedbackOnTimeRate = Ratio(Double(feedbackOnTime), n)
        closeOnTimeRate = Ratio(Double(closeOnTime), n)
        arrivalMeanSeconds = arrivals.isEmpty ? nil : arrivals.reduce(0, +) / Double(arrivals.count)
        arrivalP90Seconds = percentile(arrivals, 0.9)
        minorAccidentOnSceneRate = Ratio(Double(minor.filter { $0.0.outcome == Outcome.resolvedOnScene.rawValue }.count), Double(minor.count))
        mediationSuccessRate = Ratio(Double(disputes.filter { $0.0.outcome == Outcome.mediated.rawValue }.count), Double(disputes.count))
        stationAccidentShare = Ratio(Double(accidents.filter { $0.0.stationUnits > 0 }.count), Double(accidents.count))
        complaintRate = Ratio(Double(members.map(\.0.complaints).reduce(0, +)), n)
        upheldComplaintRate = Ratio(Double(members.map(\.0.upheld).reduce(0, +)), n)
        satisfactionRate = Ratio(Double(members.map(\.0.satisfied).reduce(0, +)), Double(members.map(\.0.callbacks).reduce(0, +)))
    }
}

/// A KPI's value in the previous period and the change against it.
public struct KPIChange: Codable, Sendable, Hashable {
    public var previous: Double?
    public var delta: Double?
    /// delta / previous (nil when previous is 0 or unknown).
    public var relative: Double?
}

/// The KPIs of one group, with each KPI's change against the previous period.
public struct KPIEntry: Codable, Sendable, Hashable {
    public var key: String
    public var kpis: KPIs
    public var change: [String: KPIChange]
}

/// Every KPI of every group of a level, with the change against the previous period.
public struct KPIReport: Codable, Sendable, Hashable {
    public var level: Level
    public var period: Period
    public var previous: Period
    public var entries: [KPIEntry]

    /// The report over the incidents received in `period` (`now`) and in `previous` (`before`);
    /// only the group `key` when one is given (listed even when it has no incident).
    public init(
        level: Level, key: String? = nil, period: Period, previous: Period, now: [KPIIncident], before: [KPIIncident],
        rules: ScoringRules
    ) {
        let current = Self.groups(now, level: level)
        let earlier = Self.groups(before, level: level)
        var keys = Set(current.keys).union(earlier.keys)
        if let key {
            keys = keys.filter { $0 == key }
            if keys.isEmpty { keys = [key] }
        }
        entries = keys.sorted().map { k in
            let cur = KPIs(current[k] ?? [], rules: rules)
            let old = KPIs(earlier[k] ?? [], rules: rules).figures
            var change: [String: KPIChange] = [:]
            for (name, value) in cur.figures {
                let previous = old[name] ?? nil
                let delta = value.flatMap { v in previous.map { v - $0 } }
                change[name] = KPIChange(
                    previous: previous, delta: delta,
                    relative: delta.flatMap { d in previous.flatMap { $0 == 0 ? nil : d / $0 } })
            }
            return KPIEntry(key: k, kpis: cur, change: change)
        }
        self.level = level
        self.period = period
        self.previous = previous
    }

    /// The incidents of each group of `level`, each with the assignments that count for the group:
    /// all of them for an area, the unit's own for a unit, the officer's units for an officer.
    static func groups(_ incidents: [KPIIncident], level: Level) -> [String: [(KPIIncident, [KPIUnit])]] {
        var out: [String: [(KPIIncident, [KPIUnit])]] = [:]
        for inc in incidents {
            switch level {
            case .city: out[RoutingKey.city, default: []].append((inc, inc.units))
            case .region: if let k = inc.region { out[k, default: []].append((inc, inc.units)) }
            case .station: if let k = inc.station { out[k, default: []].append((inc, inc.units)) }
            case .post: if let k = inc.post { out[k, default: []].append((inc, inc.units)) }
            case .grid: if let k = inc.grid { out[k, default: []].append((inc, inc.units)) }
            case .unit:
                for u in inc.units { out[u.unit, default: []].append((inc, [u])) }
            case .officer:
                var mine: [String: [KPIUnit]] = [:]
                for u in inc.units { for o in u.officers { mine[o, default: []].append(u) } }
                for (o, us) in mine { out[o, default: []].append((inc, us)) }
            }
        }
        return out
    }
}
