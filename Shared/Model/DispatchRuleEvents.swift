import Foundation

/// dispatch applied an `incident.upgraded` (`dispatch.upgraded.<region>`): the incident's facts as
/// they now stand and the needs dispatch added for them (an accident that now has casualties gets
/// the accident division: 一警双派). Internal: no personal data.
public struct DispatchUpgraded: EventPayload, Hashable {
    public static let type = "dispatch.upgraded"
    public static let version = 1
    public var incidentId: String
    /// The merged call that brought the change.
    public var callId: String
    public var regionId: String?
    public var category: Category
    public var priority: Int
    public var major: Bool
    public var casualties: Int
    /// The needs added (`accidentDivision`, `major`, `ptu`); empty when the change needs no new unit.
    public var needsAdded: [String]
    /// intake's reason, as the board shows it.
    public var reason: String
    public var at: Date

    public init(
        incidentId: String, callId: String, regionId: String?, category: Category, priority: Int, major: Bool, casualties: Int,
        needsAdded: [String], reason: String, at: Date
    ) {
        self.incidentId = incidentId
        self.callId = callId
        self.regionId = regionId
        self.category = category
        self.priority = priority
        self.major = major
        self.casualties = casualties
        self.needsAdded = needsAdded
        self.reason = reason
        self.at = at
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// dispatch offered or sent a further unit to an incident (`dispatch.reinforced.<region>`): the
/// nearest free unit when the arrival promise was missed, or a neighbouring region's unit lent to
/// a saturated region after its level-2 escalation. A `sent` unit also has its `dispatch.assigned`.
public struct Reinforcement: EventPayload, Hashable {
    public static let type = "dispatch.reinforced"
    public static let version = 1
    public var incidentId: String
    public var unitId: String
    public var callSign: String
    /// The incident's region.
    public var regionId: String?
    /// The unit's own region (`nil`: a city-wide unit); differs from `regionId` when borrowed.
    public var unitRegionId: String?
    /// `arrivalOverdue` or `borrowed`.
    public var reason: String
    /// `offered` (a dispatcher decides) or `sent`.
    public var action: String
    /// The need it serves (`primary`, `support`, …).
    public var need: String
    public var distanceMeters: Double
    public var etaSeconds: Double
    public var at: Date

    public init(
        incidentId: String, unitId: String, callSign: String, regionId: String?, unitRegionId: String?, reason: String, action: String,
        need: String, distanceMeters: Double, etaSeconds: Double, at: Date
    ) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.callSign = callSign
        self.regionId = regionId
        self.unitRegionId = unitRegionId
        self.reason = reason
        self.action = action
        self.need = need
        self.distanceMeters = distanceMeters
        self.etaSeconds = etaSeconds
        self.at = at
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

extension DispatchUpgraded {
    public static var example: DispatchUpgraded {
        DispatchUpgraded(
            incidentId: "I00000042", callId: "C00000062", regionId: "R1", category: .accidentMinor, priority: 1, major: false, casualties: 2,
            needsAdded: ["accidentDivision"], reason: "casualties reported by a repeat call", at: Date(timeIntervalSince1970: 1_790_000_000))
    }
}

extension Reinforcement {
    public static var example: Reinforcement {
        Reinforcement(
            incidentId: "I00000042", unitId: "U031", callSign: "邹平巡31", regionId: "R1", unitRegionId: "R2", reason: "borrowed",
            action: "sent", need: "primary", distanceMeters: 3120, etaSeconds: 391, at: Date(timeIntervalSince1970: 1_790_000_300))
    }
}
