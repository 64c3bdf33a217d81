import Foundation

// Events intake publishes (`incident.*`).

/// Where an incident is, as intake resolved it.
public struct IncidentPlace: Codable, Sendable, Hashable {
    public var coordinate: Coordinate?
    public var address: String?
    public var grid: GridLocation?

    public init(coordinate: Coordinate?, address: String?, grid: GridLocation?) {
        self.coordinate = coordinate
        self.address = address
        self.grid = grid
    }
}

/// intake opened an incident for a call. Internal topic: carries the caller's personal data.
public struct IncidentOpened: EventPayload, Hashable {
    public static let type = "incident.opened"
    public static let version = 1
    public var incidentId: String
    public var callId: String
    public var channel: Channel
    public var category: Category
    public var priority: Int
    public var place: IncidentPlace
    public var caller: Caller?
    public var description: String?
    public var callTaker: String?
    public var casualties: Int
    public var partiesConsent: Bool
    public var enterpriseId: String?
    public var receivedAt: Date
    /// Added fields (all optional, so version 1 readers and writers stay compatible):
    /// 涉企 flag, who decided the category (`callTaker` or `rule:<id>`), the call-taker's flags,
    /// and the 12345 work order when the incident came from a referral.
    public var enterpriseRelated: Bool?
    public var categorySource: String?
    public var flags: [String]?
    public var referral: Referral?

    public init(
        incidentId: String, callId: String, channel: Channel, category: Category, priority: Int, place: IncidentPlace,
        caller: Caller?, description: String?, callTaker: String?, casualties: Int, partiesConsent: Bool,
        enterpriseId: String?, receivedAt: Date
    ) {
        self.incidentId = incidentId
        self.callId = callId
        self.channel = channel
        self.category = category
        self.priority = priority
        self.place = place
        self.caller = caller
        self.description = description
        self.callTaker = callTaker
        self.casualties = casualties
        self.partiesConsent = partiesConsent
        self.enterpriseId = enterpriseId
        self.receivedAt = receivedAt
    }

    public var routingKey: String? { place.grid?.regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { receivedAt }
}

/// A further call about an open incident was merged into it (repeat call: same caller, or same
/// place and category within the window). Internal topic: carries the caller's personal data.
public struct IncidentMerged: EventPayload, Hashable {
    public static let type = "incident.merged"
    public static let version = 1
    public var incidentId: String
    public var callId: String
    public var channel: Channel
    /// `sameCaller` or `samePlace`.
    public var reason: String
    /// Distance from the incident's place, when both are known.
    public var distanceMeters: Double?
    /// Calls the incident has now, this one included.
    public var callCount: Int
    public var category: Category?
    public var place: IncidentPlace
    public var caller: Caller?
    public var description: String?
    public var callTaker: String?
    public var casualties: Int?
    public var regionId: String?
    public var receivedAt: Date

    public init(
        incidentId: String, callId: String, channel: Channel, reason: String, distanceMeters: Double?, callCount: Int,
        category: Category?, place: IncidentPlace, caller: Caller?, description: String?, callTaker: String?,
        casualties: Int?, regionId: String?, receivedAt: Date
    ) {
        self.incidentId = incidentId
        self.callId = callId
        self.channel = channel
        self.reason = reason
        self.distanceMeters = distanceMeters
        self.callCount = callCount
        self.category = category
        self.place = place
        self.caller = caller
        self.description = description
        self.callTaker = callTaker
        self.casualties = casualties
        self.regionId = regionId
        self.receivedAt = receivedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { receivedAt }
}

/// A non-police matter transferred to the 12345 government hotline (分流), with what the 12345
/// platform needs to take it on: who called, where, what about, which department, and the
/// work order it came with when it was a referral. Topic `incident.diverted.<region>`.
public struct IncidentDiverted: EventPayload, Hashable {
    public static let type = "incident.diverted"
    public static let version = 1
    /// intake's call id: the reference the 12345 platform quotes back.
    public var callId: String
    public var channel: Channel
    /// The diversion rule that matched (`diversion-rules.json`), or `callTaker` when the call-taker
    /// marked it non-police and no rule named a department.
    public var ruleId: String
    /// The kind of matter (e.g. 路灯/市政设施).
    public var matter: String
    /// The department the 12345 platform should assign.
    public var department: String
    public var description: String?
    public var caller: Caller?
    public var place: IncidentPlace
    public var callTaker: String?
    public var referral: Referral?
    public var receivedAt: Date
    public var divertedAt: Date

    public init(
        callId: String, channel: Channel, ruleId: String, matter: String, department: String, description: String?,
        caller: Caller?, place: IncidentPlace, callTaker: String?, referral: Referral?, receivedAt: Date, divertedAt: Date
    ) {
        self.callId = callId
        self.channel = channel
        self.ruleId = ruleId
        self.matter = matter
        self.department = department
        self.description = description
        self.caller = caller
        self.place = place
        self.callTaker = callTaker
        self.referral = referral
        self.receivedAt = receivedAt
        self.divertedAt = divertedAt
    }

    public var routingKey: String? { place.grid?.regionId ?? "unlocated" }
    public var correlationId: String? { callId }
    public var eventTime: Date { divertedAt }
}
