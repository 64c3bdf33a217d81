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

    /// `value` is written as `null` when there is no data, never left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(numerator, forKey: .numerator)
        try c.encode(denominator, forKey: .denominator)
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
    /// 纠纷化解成功率: closed disputes mediated or resolved on scene / closed disputes.
    public var disputeResolutionRate: Ratio
    /// 事故现场调解/处结率: closed accidents (minor and casualty) resolved on scene or mediated / closed accidents.
    public var accidentOnSiteRate: Ratio
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
            "disputeResolutionRate": disputeResolutionRate.value, "accidentOnSiteRate": accidentOnSiteRate.value,
            "stationAccidentShare": stationAccidentShare.value, "complaintRate": complaintRate.value,
            "upheldComplaintRate": upheldComplaintRate.value, "satisfactionRate": satisfactionRate.value,
        ]
    }

    /// The KPIs of a group's incidents, each with the assignments that count for the group.
    /// `now` is scoring's event time (seconds since 1970): a timed item whose deadline is still
    /// ahead of it and that is not done yet is pending and left out (``TimedRate``); `.infinity`
    /// counts every deadline as passed.
    public init(_ members: [(KPIIncident, [KPIUnit])], rules: ScoringRules, now: Double = .infinity) {
        let n = Double(members.count)
        let assignments = members.flatMap(\.1)
        let signed = assignments.filter { $0.signed != nil }.count
        let closedIncidents = members.filter { $0.0.closed != nil }
        let selfHandled = closedIncidents.filter { !$0.0.handedOver }.count
        let signOff = assignments.map { TimedRate.verdict(start: $0.assigned, done: $0.signed, limit: rules.timers.signOffSeconds, now: now) }
        let feedback = members.map {
            TimedRate.verdict(start: $0.0.start, done: $0.0.firstFeedback, limit: rules.timers.firstFeedbackSeconds, now: now)
        }
        let close = members.map { TimedRate.verdict(start: $0.0.start, done: $0.0.closed, limit: rules.timers.closeSeconds, now: now) }
        let arrivals = members.compactMap { m in m.1.compactMap(\.arrived).min().map { $0 - m.0.start } }
        let minor = closedIncidents.filter { $0.0.category == Category.accidentMinor.rawValue }
        let disputes = closedIncidents.filter { $0.0.category == Category.dispute.rawValue }
        let accidentKinds = [Category.accidentMinor.rawValue, Category.accidentCasualty.rawValue]
        let accidents = members.filter { $0.0.category.map(accidentKinds.contains) == true && !$0.0.units.isEmpty }
        let closedAccidents = closedIncidents.filter { $0.0.category.map(accidentKinds.contains) == true }
        let onSite = [Outcome.resolvedOnScene.rawValue, Outcome.mediated.rawValue]
        workload = members.count
        acceptanceRate = Ratio(Double(signed), Double(assignments.count))
        selfHandledRate = Ratio(Double(selfHandled), Double(closedIncidents.count))
        signOffOnTimeRate = TimedRate.ratio(signOff)
        firstFeedbackOnTimeRate = TimedRate.ratio(feedback)
        closeOnTimeRate = TimedRate.ratio(close)
        arrivalMeanSeconds = arrivals.isEmpty ? nil : arrivals.reduce(0, +) / Double(arrivals.count)
        arrivalP90Seconds = percentile(arrivals, 0.9)
        minorAccidentOnSceneRate = Ratio(Double(minor.filter { $0.0.outcome == Outcome.resolvedOnScene.rawValue }.count), Double(minor.count))
        mediationSuccessRate = Ratio(Double(disputes.filter { $0.0.outcome == Outcome.mediated.rawValue }.count), Double(disputes.count))
        disputeResolutionRate = Ratio(Double(disputes.filter { $0.0.outcome.map(onSite.contains) == true }.count), Double(disputes.count))
        accidentOnSiteRate = Ratio(Double(closedAccidents.filter { $0.0.outcome.map(onSite.contains) == true }.count), Double(closedAccidents.count))
        stationAccidentShare = Ratio(Double(accidents.filter { $0.0.stationUnits > 0 }.count), Double(accidents.count))
        complaintRate = Ratio(Double(members.map(\.0.complaints).reduce(0, +)), n)
        upheldComplaintRate = Ratio(Double(members.map(\.0.upheld).reduce(0, +)), n)
        satisfactionRate = Ratio(Double(members.map(\.0.satisfied).reduce(0, +)), Double(members.map(\.0.callbacks).reduce(0, +)))
    }

    /// A KPI with no data (arrival seconds with no arrival) is written as `null`, never left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(workload, forKey: .workload)
        try c.encode(acceptanceRate, forKey: .acceptanceRate)
        try c.encode(selfHandledRate, forKey: .selfHandledRate)
        try c.encode(signOffOnTimeRate, forKey: .signOffOnTimeRate)
        try c.encode(firstFeedbackOnTimeRate, forKey: .firstFeedbackOnTimeRate)
        try c.encode(closeOnTimeRate, forKey: .closeOnTimeRate)
        try c.encode(arrivalMeanSeconds, forKey: .arrivalMeanSeconds)
        try c.encode(arrivalP90Seconds, forKey: .arrivalP90Seconds)
        try c.encode(minorAccidentOnSceneRate, forKey: .minorAccidentOnSceneRate)
        try c.encode(mediationSuccessRate, forKey: .mediationSuccessRate)
        try c.encode(disputeResolutionRate, forKey: .disputeResolutionRate)
        try c.encode(accidentOnSiteRate, forKey: .accidentOnSiteRate)
        try c.encode(stationAccidentShare, forKey: .stationAccidentShare)
        try c.encode(complaintRate, forKey: .complaintRate)
        try c.encode(upheldComplaintRate, forKey: .upheldComplaintRate)
        try c.encode(satisfactionRate, forKey: .satisfactionRate)
    }
}

/// A KPI's value in the previous period and the change against it.
public struct KPIChange: Codable, Sendable, Hashable {
    public var previous: Double?
    public var delta: Double?
    /// delta / previous (nil when previous is 0 or unknown).
    public var relative: Double?

    public init(previous: Double?, delta: Double?, relative: Double?) {
        self.previous = previous
        self.delta = delta
        self.relative = relative
    }

    /// The change of every figure of `current` against `earlier`.
    static func all(_ current: [String: Double?], against earlier: [String: Double?]) -> [String: KPIChange] {
        var change: [String: KPIChange] = [:]
        for (name, value) in current {
            let previous = earlier[name] ?? nil
            let delta = value.flatMap { v in previous.map { v - $0 } }
            change[name] = KPIChange(
                previous: previous, delta: delta,
                relative: delta.flatMap { d in previous.flatMap { $0 == 0 ? nil : d / $0 } })
        }
        return change
    }

    /// Unknown figures are written as `null`, never left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(previous, forKey: .previous)
        try c.encode(delta, forKey: .delta)
        try c.encode(relative, forKey: .relative)
    }
}

/// The KPIs of one group, with each KPI's change against the previous period and against the
/// same period one year earlier (同比, as the originals report arrival time, feedback time and
/// complaints).
public struct KPIEntry: Codable, Sendable, Hashable {
    public var key: String
    public var kpis: KPIs
    public var change: [String: KPIChange]
    public var yearOverYear: [String: KPIChange]
}

/// Every KPI of every group of a level, with the change against the previous period.
public struct KPIReport: Codable, Sendable, Hashable {
    public var level: Level
    public var period: Period
    public var previous: Period
    /// The same period one year earlier (``Period/yearEarlier(timeZone:)``).
    public var yearEarlier: Period
    public var entries: [KPIEntry]
    /// The city's hand-offs between organisations over `period` (``HandoffKPIs``), whatever the level;
    /// set by the query, nil when the report is built alone.
    public var handoffs: HandoffKPIs?

    /// The report over the incidents received in `period` (`now`), in `previous` (`before`) and
    /// in the same period a year earlier (`lastYear`); only the group `key` when one is given
    /// (listed even when it has no incident). `eventNow` is scoring's event time (``KPIs``).
    public init(
        level: Level, key: String? = nil, period: Period, previous: Period, now: [KPIIncident], before: [KPIIncident],
        yearEarlier: Period? = nil, lastYear: [KPIIncident] = [], rules: ScoringRules, eventNow: Double = .infinity
    ) {
        let current = Self.groups(now, level: level)
        let earlier = Self.groups(before, level: level)
        let yearAgo = Self.groups(lastYear, level: level)
        var keys = Set(current.keys).union(earlier.keys).union(yearAgo.keys)
        if let key {
            keys = keys.filter { $0 == key }
            if keys.isEmpty { keys = [key] }
        }
        entries = keys.sorted().map { k in
            let cur = KPIs(current[k] ?? [], rules: rules, now: eventNow)
            let old = KPIs(earlier[k] ?? [], rules: rules, now: eventNow).figures
            let yearOld = KPIs(yearAgo[k] ?? [], rules: rules, now: eventNow).figures
            return KPIEntry(
                key: k, kpis: cur, change: KPIChange.all(cur.figures, against: old), yearOverYear: KPIChange.all(cur.figures, against: yearOld))
        }
        self.level = level
        self.period = period
        self.previous = previous
        self.yearEarlier = yearEarlier ?? Period(kind: period.kind, from: period.from, to: period.from)
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
