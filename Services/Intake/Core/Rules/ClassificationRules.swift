import Foundation
import Model

// The rule tables intake works by (docs/intake.md). All pure: no store, no clock.

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
    /// What negates a keyword (`没有人受伤`); ``Negation/standard`` when the file gives none.
    public var negation: Negation?

    public init(version: Int = 1, rules: [Rule], enterpriseKeywords: [String] = [], negation: Negation? = nil) {
        self.version = version
        self.rules = rules
        self.enterpriseKeywords = enterpriseKeywords
        self.negation = negation
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
            var priority = IncidentPriority.of(hint)
            if casualties > 0 { priority = 1 }
            return Result(category: hint, priority: priority, source: "callTaker", enterpriseRelated: enterprise, casualties: casualties)
        }
        // A negated keyword ("没有人受伤") does not count: it reports that nothing of the kind happened.
        let negation = self.negation ?? .standard
        let candidates = rules.enumerated().filter { _, rule in
            if let min = rule.minCasualties, casualties < min { return false }
            return !rule.all.isEmpty && rule.all.allSatisfy { group in group.contains { !$0.isEmpty && negation.affirms($0.lowercased(), in: text) } }
        }
        guard let (_, rule) = candidates.min(by: { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }) else {
            return Result(category: nil, priority: nil, source: nil, enterpriseRelated: enterprise, casualties: casualties)
        }
        return Result(
            category: rule.category, priority: casualties > 0 ? 1 : rule.priority, source: "rule:\(rule.id)",
            enterpriseRelated: enterprise, casualties: casualties)
    }

    func validate(file: String) throws {
        var ids = Set<String>()
        for rule in rules {
            guard ids.insert(rule.id).inserted else { throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "duplicate id") }
            guard (1...4).contains(rule.priority) else {
                throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "priority must be 1 (most urgent) to 4")
            }
            guard !rule.all.isEmpty, rule.all.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "'all' needs at least one non-empty keyword group")
            }
        }
    }
}

/// Lower-cased substring matching of Chinese and English keywords.
func matches(_ text: String, any keywords: [String]) -> String? {
    keywords.first { KeywordText.contains(text, $0.lowercased()) }
}
