import Foundation
import Model

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
            guard !rule.keywords.isEmpty else {
                throw ConfigurationError(file: file, record: "rule \(rule.id)", problem: "needs at least one keyword")
            }
        }
    }
}

extension DiversionRules {
    /// A call no police rule classified is a non-police matter when a diversion rule matches it;
    /// otherwise `classification` stands (and the call waits for review).
    public func reading(_ classification: ClassificationRules.Result, description: String?) -> ClassificationRules.Result {
        guard classification.category == nil, let rule = match(description) else { return classification }
        var result = classification
        result.category = .nonPolice
        result.priority = IncidentPriority.of(.nonPolice)
        result.source = "diversion:\(rule.id)"
        return result
    }
}
