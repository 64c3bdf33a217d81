import Foundation

/// A call merged into an open incident changed what the incident needs (a follow-up call reports
/// casualties or a weapon, or the call-taker reclassified it): intake raises its priority, category
/// or major flag, and dispatch serves the new needs at once (一警双派 when an accident now has
/// casualties). Topic `incident.upgraded.<region>`. Internal: carries no personal data.
///
/// Only the fields that changed are set; `nil` means unchanged.
public struct IncidentUpgraded: EventPayload, Hashable {
    public static let type = "incident.upgraded"
    public static let version = 1
    public var incidentId: String
    /// The merged call that brought the change.
    public var callId: String
    public var category: Category?
    public var priority: Int?
    public var major: Bool?
    public var casualties: Int?
    /// Why, in words a dispatcher reads on the board (e.g. `casualties reported by a repeat call`).
    public var reason: String
    public var regionId: String?
    public var upgradedAt: Date

    public init(
        incidentId: String, callId: String, category: Category?, priority: Int?, major: Bool?, casualties: Int?,
        reason: String, regionId: String?, upgradedAt: Date
    ) {
        self.incidentId = incidentId
        self.callId = callId
        self.category = category
        self.priority = priority
        self.major = major
        self.casualties = casualties
        self.reason = reason
        self.regionId = regionId
        self.upgradedAt = upgradedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { upgradedAt }
}

extension IncidentUpgraded {
    public static var example: IncidentUpgraded {
        IncidentUpgraded(
            incidentId: "I00000042", callId: "C00000062", category: .accidentCasualty, priority: 1, major: true, casualties: 3,
            reason: "casualties reported by a repeat call (3); priority 2 → 1; major: 3 casualties", regionId: "R1",
            upgradedAt: Date(timeIntervalSince1970: 1_790_000_000))
    }
}
