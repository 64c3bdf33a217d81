import Foundation
import Model

// The rule tables intake works by (docs/intake.md): channel requirements, classification,
// diversion to 12345, and the repeat-call (merge) policy. All pure: no store, no clock.

/// What a channel requires of a call (DOMAIN.md §3.1).
public struct ChannelRequirements: Sendable {
    public enum Field: String, Sendable, CaseIterable {
        case callerPhone = "caller.phone"
        case description
        case callTaker
        /// `location.lat`/`lon` or `location.address`, or `enterpriseId`.
        case placeOrEnterprise = "location"
        /// `caller.phone` or `referral.ticketId`.
        case phoneOrTicket = "referral.ticketId"
    }

    public var required: [Channel: [Field]]

    /// 110 takes anonymous and silent calls, so it requires nothing; 122 needs a number to call
    /// back and who took it; a 12345 referral needs the matter and a work order or a number; the
    /// enterprise hotline needs a number, the matter and the enterprise or its place.
    public static let standard = ChannelRequirements(required: [
        .police: [],
        .traffic: [.callerPhone, .callTaker],
        .hotline12345: [.description, .phoneOrTicket, .callTaker],
        .enterprise: [.callerPhone, .description, .placeOrEnterprise, .callTaker],
    ])

    /// The first required field the call lacks, as a rejection.
    public func check(_ call: CallRequest) -> FieldError? {
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        for field in required[call.channel] ?? [] {
            let missing: Bool = switch field {
            case .callerPhone: blank(call.caller?.phone)
            case .description: blank(call.description)
            case .callTaker: blank(call.callTaker)
            case .placeOrEnterprise: call.location?.coordinate == nil && blank(call.location?.address) && blank(call.enterpriseId)
            case .phoneOrTicket: blank(call.caller?.phone) && blank(call.referral?.ticketId)
            }
            if missing {
                let what = switch field {
                case .placeOrEnterprise: "location (lat/lon or address) or enterpriseId"
                case .phoneOrTicket: "referral.ticketId or caller.phone"
                default: field.rawValue
                }
                return FieldError(field: field.rawValue, reason: "is required on channel \(call.channel.rawValue) (\(what))", code: "missing-field")
            }
        }
        return nil
    }
}

/// Lower-cased substring matching of Chinese and English keywords.
func matches(_ text: String, any keywords: [String]) -> String? {
    keywords.first { !$0.isEmpty && text.contains($0.lowercased()) }
}

/// The classification table (`classification-rules.json`): the call-taker's category wins when
/// given; otherwise the most urgent matching rule (lowest `priority`, then file order) decides;
/// when none matches the call waits for review.
public struct ClassificationRules: Sendable, Decodable {
    public struct Rule: Sendable, Decodable, Hashable {
        public var id: String
        public var category: Category
        /// Incident priority this rule gives (1 most urgent).
        public var priority: Int
        /// Every group must match at least one of its keywords.
        public var all: [[String]]
        /// Optional: the call must report at least this many casualties.
        public var minCasualties: Int?
    }

    public var version: Int
    public var rules: [Rule]
    public var enterpriseKeywords: [String]

    public init(version: Int = 1, rules: [Rule], enterpriseKeywords: [String] = []) {
        self.version = version
        self.rules = rules
        self.enterpriseKeywords = enterpriseKeywords
    }

    public static let empty = ClassificationRules(rules: [])

    public struct Result: Sendable, Hashable {
        /// `nil`: no rule matched and the call-taker gave none (needs review).
        public var category: Category?
        public var priority: Int?
        /// `callTaker`, `rule:<id>`, or `nil`.
        public var source: String?
        public var enterpriseRelated: Bool
        public var casualties: Int
    }

    public func classify(_ call: CallRequest) -> Result {
        let text = (call.description ?? "").lowercased()
        let casualties = max(0, call.casualties ?? 0)
        let enterprise = !((call.enterpriseId ?? "").isEmpty) || call.channel == .enterprise || matches(text, any: enterpriseKeywords) != nil
        if let hint = call.categoryHint {
            var priority = IntakeCore.priority(hint)
            if casualties > 0 { priority = 1 }
            return Result(category: hint, priority: priority, source: "callTaker", enterpriseRelated: enterprise, casualties: casualties)
        }
        let candidates = rules.enumerated().filter { _, rule in
            if let min = rule.minCasualties, casualties < min { return false }
            return !rule.all.isEmpty && rule.all.allSatisfy { matches(text, any: $0) != nil }
        }
        guard let (_, rule) = candidates.min(by: { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }) else {
            return Result(category: nil, priority: nil, source: nil, enterpriseRelated: enterprise, casualties: casualties)
        }
        return Result(category: rule.category, priority: casualties > 0 ? 1 : rule.priority, source: "rule:\(rule.id)",
                      enterpriseRelated: enterprise, casualties: casualties)
    }

    func validate(file: String) throws {
        var ids = Set<String>()
        for rule in rules {
            guard ids.insert(rule.id).inserted else { throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "duplicate id") }
            guard (1...4).contains(rule.priority) else { throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "priority must be 1 (most urgent) to 4") }
            guard !rule.all.isEmpty, rule.all.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "'all' needs at least one non-empty keyword group")
            }
        }
    }
}

/// The diversion table (`diversion-rules.json`): which non-police matters go to which 12345
/// department. A call is diverted when its category is `nonPolice` (the call-taker's, or because
/// no police rule matched but a diversion rule did).
public struct DiversionRules: Sendable, Decodable {
    public struct Rule: Sendable, Decodable, Hashable {
        public var id: String
        public var matter: String
        public var department: String
        public var keywords: [String]
    }

    public var version: Int
    public var defaultDepartment: String
    public var rules: [Rule]

    public init(version: Int = 1, defaultDepartment: String = "12345", rules: [Rule]) {
        self.version = version
        self.defaultDepartment = defaultDepartment
        self.rules = rules
    }

    public static let empty = DiversionRules(rules: [])

    /// The first rule whose keyword the text contains.
    public func match(_ description: String?) -> Rule? {
        let text = (description ?? "").lowercased()
        return rules.first { matches(text, any: $0.keywords) != nil }
    }

    /// Where a non-police call goes: the matching rule, else the default department.
    public func destination(_ description: String?) -> CallReceipt.Diversion {
        if let rule = match(description) { return CallReceipt.Diversion(ruleId: rule.id, matter: rule.matter, department: rule.department) }
        return CallReceipt.Diversion(ruleId: "callTaker", matter: "非警务", department: defaultDepartment)
    }

    func validate(file: String) throws {
        var ids = Set<String>()
        for rule in rules {
            guard ids.insert(rule.id).inserted else { throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "duplicate id") }
            guard !rule.keywords.isEmpty else { throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "needs at least one keyword") }
        }
    }
}

/// When a call is a repeat of an open incident (DOMAIN.md §3.4).
public struct MergePolicy: Sendable, Hashable {
    /// A call merges only into an incident whose latest call is at most this old.
    public var window: TimeInterval = 30 * 60
    /// Same place: within this distance of the incident, and the same category.
    public var placeRadiusMeters: Double = 150
    /// Same caller: within this distance of the caller's earlier call (a caller who moved further
    /// is reporting something else), or either call has no position.
    public var callerRadiusMeters: Double = 500
    /// A caller with this many calls within `ledgerWindow` is a repeat caller.
    public var repeatCallerCalls = 3
    public var ledgerWindow: TimeInterval = 24 * 3600
    /// A caller with this many incidents closed as false reports is a malicious caller.
    public var maliciousFalseReports = 2

    public init() {}
}

/// Everything configurable about intake, with `cities/<city>/` as the source.
public struct IntakeRules: Sendable {
    public var channels = ChannelRequirements.standard
    public var classification = ClassificationRules.empty
    public var diversion = DiversionRules.empty
    public var merge = MergePolicy()
    /// A `receivedAt` later than intake's clock by more than this is impossible.
    public var maxFutureSkew: TimeInterval = 5 * 60
    /// A `receivedAt` older than this is impossible (a call is entered as it is taken).
    public var maxAge: TimeInterval = 24 * 3600

    public init() {}

    /// Loads `classification-rules.json` and `diversion-rules.json` from the city folder.
    public static func load(from directory: URL) throws -> IntakeRules {
        var rules = IntakeRules()
        rules.classification = try decodeFile(directory.appendingPathComponent("classification-rules.json"))
        try rules.classification.validate(file: "classification-rules.json")
        rules.diversion = try decodeFile(directory.appendingPathComponent("diversion-rules.json"))
        try rules.diversion.validate(file: "diversion-rules.json")
        return rules
    }
}
