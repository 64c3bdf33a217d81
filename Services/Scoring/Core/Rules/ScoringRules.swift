import Foundation
import Model

/// The points rule table (110积分制): a data file, `scoring-rules.json` in the city folder, with
/// documented defaults (docs/scoring.md, "Rule table"). Every field is optional in the file; a
/// missing one keeps its default. Changing the file changes the awards derived from then on; the
/// recompute command re-derives the whole ledger under a given table.
public struct ScoringRules: Codable, Sendable, Hashable {
    /// Names the table; every ledger row records the version it was derived under.
    public var version: String
    /// Offset of the city's local time from UTC, in hours (periods: day, week, month). China: 8.
    public var utcOffsetHours: Double
    /// Base points per officer of every dispatched unit, by incident category; `default` when the
    /// category is not known (yet).
    public var basePoints: [String: Double]
    public var bonuses: Bonuses
    /// Deductions: negative numbers.
    public var deductions: Deductions
    public var timers: Timers

    /// Points added per officer when a stage is on time or the outcome is good.
    public struct Bonuses: Codable, Sendable, Hashable {
        public var signOffOnTime: Double
        public var arrivalOnTime: Double
        public var feedbackOnTime: Double
        public var closeOnTime: Double
        public var resolvedOnScene: Double
        public var mediated: Double
        public var caseOpened: Double
        public var transferredTo12345: Double
        public var falseReport: Double
    }

    /// Points taken per officer for a missed timer or an upheld complaint.
    public struct Deductions: Codable, Sendable, Hashable {
        public var signOffBreached: Double
        public var arrivalBreached: Double
        public var feedbackBreached: Double
        public var closeBreached: Double
        public var complaintUpheld: Double
        public var irregularity: Double
    }

    /// The limits the on-time bonuses and the breaches are measured against.
    public struct Timers: Codable, Sendable, Hashable {
        /// 签收 within this many seconds of the unit's assignment.
        public var signOffSeconds: Double
        /// 首次反馈 within this many seconds of receipt.
        public var firstFeedbackSeconds: Double
        /// 结案 within this many seconds of receipt.
        public var closeSeconds: Double
        /// Arrival promise of a unit with no response point (seconds from its assignment).
        public var arrivalDefaultSeconds: Double
    }

    public static let defaults = ScoringRules(
        version: "default-1",
        utcOffsetHours: 8,
        basePoints: [
            "criminal": 3, "publicOrder": 2, "dispute": 2, "accidentMinor": 2, "accidentCasualty": 3,
            "helpRequest": 1, "nonPolice": 0.5, "default": 1,
        ],
        bonuses: Bonuses(
            signOffOnTime: 0.5, arrivalOnTime: 1, feedbackOnTime: 0.5, closeOnTime: 0.5, resolvedOnScene: 2,
            mediated: 2, caseOpened: 2, transferredTo12345: 0, falseReport: 0),
        deductions: Deductions(
            signOffBreached: -1, arrivalBreached: -1, feedbackBreached: -1, closeBreached: -2,
            complaintUpheld: -5, irregularity: -3),
        timers: Timers(signOffSeconds: 90, firstFeedbackSeconds: 5 * 3600, closeSeconds: 22 * 3600, arrivalDefaultSeconds: 15 * 60))

    public init(version: String, utcOffsetHours: Double, basePoints: [String: Double], bonuses: Bonuses, deductions: Deductions, timers: Timers) {
        self.version = version
        self.utcOffsetHours = utcOffsetHours
        self.basePoints = basePoints
        self.bonuses = bonuses
        self.deductions = deductions
        self.timers = timers
    }

    /// The base points of an incident of `category` (the default for an unknown one).
    public func base(_ category: Category?) -> Double {
        category.flatMap { basePoints[$0.rawValue] } ?? basePoints["default"] ?? 1
    }

    /// The bonus for closing with `outcome`.
    public func bonus(_ outcome: Outcome) -> Double {
        switch outcome {
        case .resolvedOnScene: bonuses.resolvedOnScene
        case .mediated: bonuses.mediated
        case .caseOpened: bonuses.caseOpened
        case .transferredTo12345: bonuses.transferredTo12345
        case .falseReport: bonuses.falseReport
        }
    }

    public var timeZone: TimeZone { TimeZone(secondsFromGMT: Int(utcOffsetHours * 3600)) ?? TimeZone(identifier: "UTC")! }

    // MARK: Reading a file over the defaults

    /// Decodes a rule table; fields missing from `data` keep the defaults. Refuses unknown
    /// categories and positive deductions.
    public static func decode(_ data: Data, file: String = "scoring-rules.json") throws -> ScoringRules {
        struct FileTable: Decodable {
            var version: String?
            var utcOffsetHours: Double?
            var basePoints: [String: Double]?
            var bonuses: [String: Double]?
            var deductions: [String: Double]?
            var timers: [String: Double]?
        }
        let f: FileTable
        do { f = try JSONDecoder().decode(FileTable.self, from: data) } catch {
            let (field, reason) = describe(error)
            throw ConfigurationError(file: file, record: field.isEmpty ? nil : field, problem: reason)
        }
        var r = ScoringRules.defaults
        if let v = f.version {
            guard !v.isEmpty else { throw ConfigurationError(file: file, record: "version", problem: "is empty") }
            r.version = v
        }
        if let o = f.utcOffsetHours {
            guard (-14...14).contains(o) else { throw ConfigurationError(file: file, record: "utcOffsetHours", problem: "must be within -14…14") }
            r.utcOffsetHours = o
        }
        for (k, v) in f.basePoints ?? [:] {
            guard k == "default" || Category(rawValue: k) != nil else {
                let known = Category.allCases.map(\.rawValue).joined(separator: ", ")
                throw ConfigurationError(file: file, record: "basePoints.\(k)", problem: "unknown category (one of \(known), default)")
            }
            r.basePoints[k] = v
        }
        func apply<T>(
            _ section: String, _ values: [String: Double]?, _ target: inout T, _ keys: [(String, WritableKeyPath<T, Double>)],
            check: (String, Double) throws -> Void = { _, _ in }
        ) throws {
            for (k, v) in values ?? [:] {
                guard let path = keys.first(where: { $0.0 == k })?.1 else {
                    let known = keys.map(\.0).joined(separator: ", ")
                    throw ConfigurationError(file: file, record: "\(section).\(k)", problem: "unknown field (one of \(known))")
                }
                try check(k, v)
                target[keyPath: path] = v
            }
        }
        try apply(
            "bonuses", f.bonuses, &r.bonuses,
            [
                ("signOffOnTime", \.signOffOnTime), ("arrivalOnTime", \.arrivalOnTime), ("feedbackOnTime", \.feedbackOnTime),
                ("closeOnTime", \.closeOnTime),
                ("resolvedOnScene", \.resolvedOnScene), ("mediated", \.mediated), ("caseOpened", \.caseOpened),
                ("transferredTo12345", \.transferredTo12345), ("falseReport", \.falseReport),
            ])
        try apply(
            "deductions", f.deductions, &r.deductions,
            [
                ("signOffBreached", \.signOffBreached), ("arrivalBreached", \.arrivalBreached), ("feedbackBreached", \.feedbackBreached),
                ("closeBreached", \.closeBreached), ("complaintUpheld", \.complaintUpheld), ("irregularity", \.irregularity),
            ]
        ) { k, v in
            if v > 0 { throw ConfigurationError(file: file, record: "deductions.\(k)", problem: "a deduction is zero or negative") }
        }
        try apply(
            "timers", f.timers, &r.timers,
            [
                ("signOffSeconds", \.signOffSeconds), ("firstFeedbackSeconds", \.firstFeedbackSeconds), ("closeSeconds", \.closeSeconds),
                ("arrivalDefaultSeconds", \.arrivalDefaultSeconds),
            ]
        ) { k, v in
            if v <= 0 { throw ConfigurationError(file: file, record: "timers.\(k)", problem: "must be > 0 seconds") }
        }
        return r
    }
}
