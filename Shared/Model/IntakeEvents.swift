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

    public init(incidentId: String, callId: String, channel: Channel, category: Category, priority: Int, place: IncidentPlace,
                caller: Caller?, description: String?, callTaker: String?, casualties: Int, partiesConsent: Bool,
                enterpriseId: String?, receivedAt: Date) {
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

