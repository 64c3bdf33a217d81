import Foundation
import Model

/// The configurable parts of dispatch (`cities/<city>/dispatch-rules.json`, docs/dispatch.md):
/// service-level timers, what makes an incident major, PTU echelons, queue escalation, shifts and
/// the travel-time model. A missing file means the documented defaults; a present file must be
/// complete and valid, or the service refuses to start naming the file, the record and the problem.
public struct DispatchRules: Codable, Sendable, Hashable {
    /// A service-level timer from a start.
    public struct Timer: Codable, Sendable, Hashable {
        /// Time allowed, in seconds of event time.
        public var seconds: Double
        /// A warning is published this many seconds before expiry (0: no warning).
        public var warnBefore: Double
        public init(seconds: Double, warnBefore: Double) {
            self.seconds = seconds
            self.warnBefore = warnBefore
        }
    }

    /// 到警: the N-minute promise of the response points (see `SLADeadline.arrival`).
    public struct Arrival: Codable, Sendable, Hashable {
        /// Warning this many seconds before the promise expires.
        public var warnBefore: Double
        /// The promise for incidents whose grid no response point covers (or unlocated ones).
        public var fallbackMinutes: Double
        public init(warnBefore: Double, fallbackMinutes: Double) {
            self.warnBefore = warnBefore
            self.fallbackMinutes = fallbackMinutes
        }
    }

    /// The four service-level timers (docs/dispatch.md, "Service-level timers").
    public struct Timers: Codable, Sendable, Hashable {
        public var signOff: Timer
        public var firstFeedback: Timer
        public var close: Timer
        public var arrival: Arrival
        public init(signOff: Timer, firstFeedback: Timer, close: Timer, arrival: Arrival) {
            self.signOff = signOff
            self.firstFeedback = firstFeedback
            self.close = close
            self.arrival = arrival
        }
    }

    /// An incident is major when its category is listed and its priority is at most `maxPriority`,
    /// when it has at least `minCasualties` people hurt, or when its description names one of
    /// `keywords` (weapons, explosions, crowds: what a call-taker flags as 重大警情).
    public struct Major: Codable, Sendable, Hashable {
        public var categories: [Category]
        public var maxPriority: Int
        public var minCasualties: Int
        public var keywords: [String]
        /// Units sent from the region's member stations and squadrons besides the first unit.
        public var extraUnits: Int
        public init(categories: [Category], maxPriority: Int, minCasualties: Int, keywords: [String], extraUnits: Int) {
            self.categories = categories
            self.maxPriority = maxPriority
            self.minCasualties = minCasualties
            self.keywords = keywords
            self.extraUnits = extraUnits
        }
    }

    /// One echelon of PTU reinforcement (梯次增援): `units` PTU teams `afterSeconds` after the incident opened.
    public struct Echelon: Codable, Sendable, Hashable {
        public var afterSeconds: Double
        public var units: Int
        public init(afterSeconds: Double, units: Int) {
            self.afterSeconds = afterSeconds
            self.units = units
        }
    }

    /// How long a need may wait before the city command centre hears of it.
    public struct Queue: Codable, Sendable, Hashable {
        /// A need still queued after this long escalates again, to the city command centre (level 2).
        public var escalateAfterSeconds: Double
        public init(escalateAfterSeconds: Double) { self.escalateAfterSeconds = escalateAfterSeconds }
    }

    /// Whether units keep their shifts, and in which time zone.
    public struct Shifts: Codable, Sendable, Hashable {
        /// When true, a unit outside its shift is off duty (it finishes the incident it is on first).
        public var enforce: Bool
        /// The time zone the shifts' "HH:MM" are in.
        public var timeZone: String
        public init(enforce: Bool, timeZone: String) {
            self.enforce = enforce
            self.timeZone = timeZone
        }
    }

    /// Travel time = straight-line distance × `detourFactor` ÷ speed of the unit's kind + `turnoutSeconds`.
    public struct Travel: Codable, Sendable, Hashable {
        public var detourFactor: Double
        public var turnoutSeconds: Double
        /// km/h by unit kind (every kind must be listed).
        public var speedsKmh: [String: Double]
        public init(detourFactor: Double, turnoutSeconds: Double, speedsKmh: [String: Double]) {
            self.detourFactor = detourFactor
            self.turnoutSeconds = turnoutSeconds
            self.speedsKmh = speedsKmh
        }
    }

    public var timers: Timers
    public var major: Major
    public var ptuEchelons: [Echelon]
    public var queue: Queue
    public var shifts: Shifts
    public var travel: Travel
    /// What missed timers lead to (absent: `OverdueRules.defaults`).
    public var overdue: OverdueRules?
    /// Lending between regions (absent: `BorrowRules.defaults`).
    public var borrowing: BorrowRules?
    /// Zero-disturbance holds (`ZeroDisturbanceRule`); may be left out of the file (the defaults).
    public var zeroDisturbance: ZeroDisturbance? = nil

    public init(
        timers: Timers, major: Major, ptuEchelons: [Echelon], queue: Queue, shifts: Shifts, travel: Travel, overdue: OverdueRules? = nil,
        borrowing: BorrowRules? = nil
    ) {
        self.overdue = overdue
        self.borrowing = borrowing
        self.timers = timers
        self.major = major
        self.ptuEchelons = ptuEchelons
        self.queue = queue
        self.shifts = shifts
        self.travel = travel
    }

    /// The documented defaults (Zouping's standards: 90 s, 5 h, 22 h).
    public static let defaults = DispatchRules(
        timers: Timers(
            signOff: Timer(seconds: 90, warnBefore: 30), firstFeedback: Timer(seconds: 5 * 3600, warnBefore: 1800),
            close: Timer(seconds: 22 * 3600, warnBefore: 3600), arrival: Arrival(warnBefore: 60, fallbackMinutes: 15)),
        major: Major(categories: [], maxPriority: 1, minCasualties: 3, keywords: ["持刀", "枪", "爆炸", "劫持", "围堵", "聚集"], extraUnits: 1),
        ptuEchelons: [Echelon(afterSeconds: 0, units: 1), Echelon(afterSeconds: 600, units: 1)],
        queue: Queue(escalateAfterSeconds: 300),
        shifts: Shifts(enforce: true, timeZone: "Asia/Shanghai"),
        travel: Travel(
            detourFactor: 1.3, turnoutSeconds: 30,
            speedsKmh: [
                "patrolCar": 40, "motorcycle": 30, "stationDuty": 35, "accidentDivision": 40, "trafficSquadron": 40, "ptu": 45, "mediatorPair": 30,
            ]))

    public static let fileName = "dispatch-rules.json"

    /// Checks every value; the error names the file, the record and the problem.
    public func validate(file: String = fileName) throws {
        func check(_ ok: Bool, _ record: String, _ problem: String) throws {
            if !ok { throw ConfigurationError(file: file, record: record, problem: problem) }
        }
        for (name, t) in [("signOff", timers.signOff), ("firstFeedback", timers.firstFeedback), ("close", timers.close)] {
            try check(t.seconds > 0, "timers.\(name)", "seconds must be > 0 (got \(t.seconds))")
            try check(t.warnBefore >= 0 && t.warnBefore < t.seconds, "timers.\(name)", "warnBefore must be ≥ 0 and < seconds (got \(t.warnBefore))")
        }
        try check(timers.arrival.warnBefore >= 0, "timers.arrival", "warnBefore must be ≥ 0")
        try check(timers.arrival.fallbackMinutes > 0, "timers.arrival", "fallbackMinutes must be > 0")
        try check(major.maxPriority >= 1, "major", "maxPriority must be ≥ 1")
        try check(major.minCasualties >= 1, "major", "minCasualties must be ≥ 1")
        try check(!major.keywords.contains(where: \.isEmpty), "major", "keywords must not be empty strings")
        try check((0...10).contains(major.extraUnits), "major", "extraUnits must be 0…10")
        for (i, e) in ptuEchelons.enumerated() {
            try check(e.afterSeconds >= 0, "ptuEchelons[\(i)]", "afterSeconds must be ≥ 0")
            try check((1...10).contains(e.units), "ptuEchelons[\(i)]", "units must be 1…10")
        }
        try check(queue.escalateAfterSeconds > 0, "queue", "escalateAfterSeconds must be > 0")
        try check(TimeZone(identifier: shifts.timeZone) != nil, "shifts", "timeZone '\(shifts.timeZone)' is not a known time zone")
        try check(travel.detourFactor >= 1, "travel", "detourFactor must be ≥ 1")
        try check(travel.turnoutSeconds >= 0, "travel", "turnoutSeconds must be ≥ 0")
        for key in travel.speedsKmh.keys.sorted() {
            let kinds = UnitKind.allCases.map(\.rawValue).joined(separator: ", ")
            try check(UnitKind(rawValue: key) != nil, "travel.speedsKmh.\(key)", "'\(key)' is not a unit kind (\(kinds))")
            try check(travel.speedsKmh[key]! > 0, "travel.speedsKmh.\(key)", "speed must be > 0")
        }
        if let zd = zeroDisturbance { try check(zd.holdSeconds > 0, "zeroDisturbance", "holdSeconds must be > 0 (got \(zd.holdSeconds))") }
        for kind in UnitKind.allCases {
            try check(travel.speedsKmh[kind.rawValue] != nil, "travel.speedsKmh", "no speed for unit kind '\(kind.rawValue)'")
        }
        try overdue?.validate(file: file)
        try borrowing?.validate(file: file)
    }

    /// The overdue rules in force.
    public var overdueRules: OverdueRules { overdue ?? .defaults }
    /// The lending rules in force.
    public var borrowingRules: BorrowRules { borrowing ?? .defaults }

    /// The travel-time model (docs/dispatch.md): seconds to cover `meters` in a unit of `kind`.
    public func travelSeconds(_ meters: Double, _ kind: UnitKind) -> Double {
        let kmh = travel.speedsKmh[kind.rawValue] ?? 30
        return travel.turnoutSeconds + meters * travel.detourFactor / (kmh / 3.6)
    }

    /// Whether an incident is major (重大警情): the centre station takes command.
    public func isMajor(category: Category, priority: Int, casualties: Int, description: String? = nil) -> Bool {
        if casualties >= major.minCasualties { return true }
        if major.categories.contains(category) && priority <= major.maxPriority { return true }
        guard let description, !description.isEmpty else { return false }
        return major.keywords.contains { KeywordText.contains(description, $0) }
    }
}
