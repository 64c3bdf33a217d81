import Model

/// What an incident needs sent: its first unit, the accident division's second unit (一警双派),
/// the units a major incident draws from the region, a PTU echelon, or support asked from the field.
public enum NeedKind: String, Codable, Sendable, CaseIterable {
    case primary, accidentDivision, major, ptu, support
}

/// One thing an incident needs sent, and why (its `role` is published with the assignment).
public struct Need: Codable, Sendable, Hashable {
    public var kind: NeedKind
    /// PTU echelon number (1 is the first).
    public var echelon: Int?
    /// What the field asked for (`support`).
    public var support: SupportRequest?
    /// Set on a re-dispatch: the unit whose sign-off expired.
    public var replaces: String?
    /// Set on a handover: the unit handing the incident over.
    public var handoverFrom: String?

    public init(kind: NeedKind, echelon: Int? = nil, support: SupportRequest? = nil, replaces: String? = nil, handoverFrom: String? = nil) {
        self.kind = kind
        self.echelon = echelon
        self.support = support
        self.replaces = replaces
        self.handoverFrom = handoverFrom
    }

    /// The role an assignment for this need is published with.
    public var role: String {
        if handoverFrom != nil { return "handover" }
        if replaces != nil { return "redispatch" }
        return kind == .ptu ? "ptu" : kind.rawValue
    }
}

/// The facts about an incident the rules look at.
public struct DispatchFacts: Sendable, Hashable {
    public var category: Category
    public var casualties: Int
    public var partiesConsent: Bool
    public var grid: GridLocation?
    public var major: Bool

    public init(category: Category, casualties: Int, partiesConsent: Bool, grid: GridLocation?, major: Bool) {
        self.category = category
        self.casualties = casualties
        self.partiesConsent = partiesConsent
        self.grid = grid
        self.major = major
    }

    /// 伤亡/复杂事故: a casualty accident, or a "minor" one where someone is hurt.
    public var isCasualtyAccident: Bool { category == .accidentCasualty || (category == .accidentMinor && casualties > 0) }
    /// Road incidents (the road chief's): every traffic accident.
    public var isRoadIncident: Bool { category == .accidentMinor || category == .accidentCasualty }
}
