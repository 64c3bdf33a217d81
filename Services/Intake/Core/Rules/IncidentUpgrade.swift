import Foundation
import Model

/// What a call merged into an open incident changes about it (issue 15, point 1): casualties, a
/// more serious reading of the same matter, the call-taker's category, or what makes it major.
/// Pure: the store gives the incident as it stands, the classification gives the call.
public struct IncidentUpgrade: Sendable, Hashable {
    /// An open incident as intake holds it.
    public struct Incident: Sendable, Hashable {
        public var category: Category
        public var priority: Int
        public var major: Bool
        public var casualties: Int

        public init(category: Category, priority: Int, major: Bool, casualties: Int) {
            self.category = category
            self.priority = priority
            self.major = major
            self.casualties = casualties
        }
    }

    /// Only what changed is set (`nil`: unchanged), as `incident.upgraded` carries it.
    public var category: Category?
    public var priority: Int?
    public var major: Bool?
    public var casualties: Int?
    /// Why, for the dispatcher: each change in words, joined by "; ".
    public var reason: String

    /// The incident after the upgrade.
    public func applied(to incident: Incident) -> Incident {
        Incident(
            category: category ?? incident.category, priority: priority ?? incident.priority, major: major ?? incident.major,
            casualties: casualties ?? incident.casualties)
    }

    /// The upgrade `call` brings to `incident`, or nil when it changes nothing. Nothing is ever
    /// lowered: casualties and priority only grow, a major incident stays major, and only the
    /// call-taker changes a category otherwise than to a more serious one of the same matter.
    public static func of(
        _ incident: Incident, call: ClassificationRules.Result, description: String?, major rule: MajorReading
    ) -> IncidentUpgrade? {
        var reasons: [String] = []
        var category = incident.category
        var casualties = incident.casualties
        if call.casualties > incident.casualties {
            casualties = call.casualties
            reasons.append("casualties reported by a repeat call (\(call.casualties))")
        }
        // A more serious category of the same matter (the call-taker's or the rules'), or the
        // call-taker's category of another matter, at least as urgent, on a call they merged
        // themselves; a lesser category never lowers the incident.
        if let c = call.category, c != .nonPolice {
            let byCallTaker = call.source == "callTaker"
            let asUrgent = IncidentPriority.of(c) <= IncidentPriority.of(incident.category)
            if escalates(c, over: incident.category) || (byCallTaker && !continues(c, incident.category) && asUrgent) {
                category = c
                reasons.append(
                    byCallTaker
                        ? "the call-taker classified a repeat call \(c.rawValue)" : "a repeat call reports \(c.rawValue) (\(call.source ?? "rules"))")
            }
        }
        // A minor accident where someone is hurt is a casualty accident (伤亡事故, 一警双派),
        // unless the call-taker said otherwise on this call.
        if category == .accidentMinor, casualties > 0, call.source != "callTaker" {
            category = .accidentCasualty
            if !reasons.contains(where: { $0.hasPrefix("casualties") }) { reasons.append("casualties on a minor accident") }
        }
        var priority = incident.priority
        var candidates = [call.priority, casualties > 0 ? 1 : nil]
        if category != incident.category { candidates.append(IncidentPriority.of(category)) }
        if let p = candidates.compactMap({ $0 }).min(), p < priority {
            priority = p
            reasons.append("priority \(incident.priority) → \(p)")
        }
        var major = incident.major
        if !major, let why = rule.reason(category: category, priority: priority, casualties: casualties, description: description) {
            major = true
            reasons.append("major: \(why)")
        }
        guard category != incident.category || priority != incident.priority || major != incident.major || casualties != incident.casualties
        else { return nil }
        return IncidentUpgrade(
            category: category != incident.category ? category : nil, priority: priority != incident.priority ? priority : nil,
            major: major != incident.major ? major : nil, casualties: casualties != incident.casualties ? casualties : nil,
            reason: reasons.joined(separator: "; "))
    }

    // MARK: Matters

    /// The matter a category belongs to, with its seriousness within the matter: a call about the
    /// same matter continues an incident (a dispute that turned into a fight, a knife drawn; a
    /// minor accident where someone turns out hurt); another matter is another incident.
    static func matter(_ c: Category) -> (matter: Int, rank: Int) {
        switch c {
        case .accidentMinor: (1, 0)
        case .accidentCasualty: (1, 1)
        case .dispute: (2, 0)
        case .publicOrder: (2, 1)
        case .criminal: (2, 2)
        case .helpRequest: (3, 0)
        case .nonPolice: (4, 0)
        }
    }

    /// The categories of the same matter as `c`.
    public static func sameMatter(_ c: Category) -> [Category] { Category.allCases.filter { matter($0).matter == matter(c).matter } }

    /// What a same-place merge looks among: the same category, and for an accident either kind
    /// (two accident calls within the place radius and the window are one accident, one of them
    /// finding someone hurt); a dispute and a crime a street apart may well be two incidents.
    public static func samePlaceCategories(_ c: Category) -> [Category] {
        matter(c).matter == matter(.accidentMinor).matter ? sameMatter(c) : [c]
    }

    /// Whether a call of category `call` (nil: not classified) is about the same matter as an
    /// incident of `incident`: a same-caller call about another matter opens its own incident.
    public static func continues(_ call: Category?, _ incident: Category) -> Bool {
        guard let call else { return true }
        return matter(call).matter == matter(incident).matter
    }

    /// Whether `c` is a more serious category of the same matter as `incident`.
    public static func escalates(_ c: Category, over incident: Category) -> Bool {
        matter(c).matter == matter(incident).matter && matter(c).rank > matter(incident).rank
    }
}
