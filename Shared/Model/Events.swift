import Foundation

/// A payload published on the bus. Its topic is `type` followed by the routing key, general to
/// specific, so ZeroMQ's prefix filter can route it (`incident.opened.R1`, `alert.enterprise.E0007`).
public protocol EventPayload: Codable, Sendable {
    /// Event type and topic prefix, e.g. `incident.opened`.
    static var type: String { get }
    /// Payload schema version; a new version is a new schema.
    static var version: Int { get }
    /// Last topic segment (region, station, enterprise ...), or `nil` for none.
    var routingKey: String? { get }
    /// The incident (or other aggregate) the event is about.
    var correlationId: String? { get }
    /// When it happened (event time).
    var eventTime: Date { get }
}

extension EventPayload {
    public var topic: String { routingKey.map { "\(Self.type).\($0)" } ?? Self.type }
}

/// The topic prefixes, one place for all of them (docs/topics.md describes each).
public enum Topics {
    public static let incident = "incident."
    public static let dispatch = "dispatch."
    public static let score = "score."
    public static let alert = "alert."
    public static let enterpriseAlert = "alert.enterprise."
    public static let heartbeat = "heartbeat."
    public static let deadLetter = "deadletter."
}

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

/// dispatch sent a unit to an incident.
public struct UnitAssigned: EventPayload, Hashable {
    public static let type = "dispatch.assigned"
    public static let version = 1
    public var incidentId: String
    public var unitId: String
    public var callSign: String
    public var unitKind: UnitKind
    public var officerIds: [String]
    /// The dispatch rule that chose the unit (e.g. `grid-nearest`).
    public var rule: String
    public var regionId: String?
    public var stationId: String?
    public var gridId: String?
    public var distanceMeters: Double
    public var etaSeconds: Double
    public var assignedAt: Date

    public init(incidentId: String, unitId: String, callSign: String, unitKind: UnitKind, officerIds: [String], rule: String,
                regionId: String?, stationId: String?, gridId: String?, distanceMeters: Double, etaSeconds: Double, assignedAt: Date) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.callSign = callSign
        self.unitKind = unitKind
        self.officerIds = officerIds
        self.rule = rule
        self.regionId = regionId
        self.stationId = stationId
        self.gridId = gridId
        self.distanceMeters = distanceMeters
        self.etaSeconds = etaSeconds
        self.assignedAt = assignedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { assignedAt }
}

/// No unit could be sent: the incident waits in the queue.
public struct IncidentQueued: EventPayload, Hashable {
    public static let type = "dispatch.queued"
    public static let version = 1
    public var incidentId: String
    public var regionId: String?
    public var priority: Int
    public var reason: String
    public var queuedAt: Date

    public init(incidentId: String, regionId: String?, priority: Int, reason: String, queuedAt: Date) {
        self.incidentId = incidentId
        self.regionId = regionId
        self.priority = priority
        self.reason = reason
        self.queuedAt = queuedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { queuedAt }
}

/// The field stages a unit reports (签收, 出发, 到警, 首次反馈, 结案).
public enum FieldStage: String, Codable, Sendable, CaseIterable {
    case signedOff, enRoute, arrived, feedback, closed
}

/// How an incident was closed (DOMAIN.md §3.8).
public enum Outcome: String, Codable, Sendable, CaseIterable {
    case resolvedOnScene, mediated, caseOpened, transferredTo12345, falseReport
}

/// A unit reported a stage of its work on an incident.
public struct FieldReported: EventPayload, Hashable {
    public static let type = "dispatch.field"
    public static let version = 1
    public var incidentId: String
    public var unitId: String
    public var officerIds: [String]
    public var stage: FieldStage
    public var outcome: Outcome?
    public var note: String?
    public var regionId: String?
    public var at: Date

    public init(incidentId: String, unitId: String, officerIds: [String], stage: FieldStage, outcome: Outcome?, note: String?, regionId: String?, at: Date) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.officerIds = officerIds
        self.stage = stage
        self.outcome = outcome
        self.note = note
        self.regionId = regionId
        self.at = at
    }

    public var routingKey: String? { "\(stage.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// scoring credited points to an officer.
public struct PointsAwarded: EventPayload, Hashable {
    public static let type = "score.awarded"
    public static let version = 1
    public var awardId: String
    public var officerId: String
    public var unitId: String?
    public var incidentId: String
    public var rule: String
    public var points: Double
    /// Ids of the events that earned it.
    public var earnedBy: [String]
    public var stationId: String?
    public var at: Date

    public init(awardId: String, officerId: String, unitId: String?, incidentId: String, rule: String, points: Double, earnedBy: [String], stationId: String?, at: Date) {
        self.awardId = awardId
        self.officerId = officerId
        self.unitId = unitId
        self.incidentId = incidentId
        self.rule = rule
        self.points = points
        self.earnedBy = earnedBy
        self.stationId = stationId
        self.at = at
    }

    public var routingKey: String? { stationId ?? "none" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// An alert for one enterprise and its liaison officer. Integrator-facing: no caller personal data.
public struct EnterpriseAlert: EventPayload, Hashable {
    public static let type = "alert.enterprise"
    public static let version = 1
    public enum Severity: String, Codable, Sendable { case minor, moderate, severe }
    public var alertId: String
    public var enterpriseId: String
    public var enterpriseName: String
    public var incidentId: String
    /// The incident transition: `opened`, `arrived`, `closed`.
    public var transition: String
    public var severity: Severity
    public var category: Category
    /// Why the incident is enterprise-related: `geofence`, `named`, `address`.
    public var matchedBy: String
    public var liaisonOfficerId: String
    public var zeroDisturbance: Bool
    public var gridId: String?
    public var at: Date

    public init(alertId: String, enterpriseId: String, enterpriseName: String, incidentId: String, transition: String, severity: Severity,
                category: Category, matchedBy: String, liaisonOfficerId: String, zeroDisturbance: Bool, gridId: String?, at: Date) {
        self.alertId = alertId
        self.enterpriseId = enterpriseId
        self.enterpriseName = enterpriseName
        self.incidentId = incidentId
        self.transition = transition
        self.severity = severity
        self.category = category
        self.matchedBy = matchedBy
        self.liaisonOfficerId = liaisonOfficerId
        self.zeroDisturbance = zeroDisturbance
        self.gridId = gridId
        self.at = at
    }

    public var routingKey: String? { enterpriseId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// A message a service could not use, kept with the reason (`deadletter.<service>`).
public struct DeadLetter: EventPayload, Hashable {
    public static let type = "deadletter"
    public static let version = 1
    public var service: String
    /// The source the message claimed to come from, when readable.
    public var source: String?
    public var reason: String
    /// The frames as received, base64.
    public var frames: [String]
    public var at: Date

    public init(service: String, source: String?, reason: String, frames: [String], at: Date) {
        self.service = service
        self.source = source
        self.reason = reason
        self.frames = frames
        self.at = at
    }

    public var routingKey: String? { service }
    public var correlationId: String? { nil }
    public var eventTime: Date { at }
}
