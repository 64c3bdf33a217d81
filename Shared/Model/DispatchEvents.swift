import Foundation

// Events dispatch publishes (`dispatch.*`).

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
    /// The unit's own station or squadron, when it differs from the incident's (drawn from elsewhere).
    public var unitStationId: String?
    /// The street post that took the incident (urban incidents), if any.
    public var postId: String?
    /// The station in command: the incident's station, or the region's centre station on a major incident.
    public var commandStationId: String?
    /// Why this unit: `primary`, `accidentDivision` (一警双派), `ptu` (echelon n), `support`, `redispatch`, `handover`, `major`.
    public var role: String?
    /// The unit this one replaces (re-dispatch after a breached sign-off) or receives from (handover).
    public var replacesUnitId: String?

    public init(
        incidentId: String, unitId: String, callSign: String, unitKind: UnitKind, officerIds: [String], rule: String,
        regionId: String?, stationId: String?, gridId: String?, distanceMeters: Double, etaSeconds: Double, assignedAt: Date,
        unitStationId: String? = nil, postId: String? = nil, commandStationId: String? = nil, role: String? = nil, replacesUnitId: String? = nil
    ) {
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
        self.unitStationId = unitStationId
        self.postId = postId
        self.commandStationId = commandStationId
        self.role = role
        self.replacesUnitId = replacesUnitId
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
    /// What is waiting: `primary`, `accidentDivision`, `ptu`, `support`, `redispatch`.
    public var need: String?
    /// The queue entry (several needs of one incident may wait at once).
    public var queueId: Int64?

    public init(incidentId: String, regionId: String?, priority: Int, reason: String, queuedAt: Date, need: String? = nil, queueId: Int64? = nil) {
        self.incidentId = incidentId
        self.regionId = regionId
        self.priority = priority
        self.reason = reason
        self.queuedAt = queuedAt
        self.need = need
        self.queueId = queueId
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { queuedAt }
}

/// The field stages a unit reports (签收, 出发, 到警, 首次反馈, 移交, 请求支援, 结案).
public enum FieldStage: String, Codable, Sendable, CaseIterable {
    case signedOff, enRoute, arrived, feedback, closed
    /// 移交: the unit hands the incident to another unit or a station (see `Handover`).
    case handover
    /// 请求支援: the unit asks for more units (see `SupportRequest`).
    case requestSupport
}

/// The three handovers of the originals (现场移交, 站内移交, 站所移交).
public enum HandoverKind: String, Codable, Sendable, CaseIterable {
    case onScene, inPost, postToStation
}

/// A handover: to a named unit, or to a station (which sends one of its free units).
public struct Handover: Codable, Sendable, Hashable {
    public var kind: HandoverKind
    public var toUnitId: String?
    public var toStationId: String?

    public init(kind: HandoverKind, toUnitId: String? = nil, toStationId: String? = nil) {
        self.kind = kind
        self.toUnitId = toUnitId
        self.toStationId = toStationId
    }
}

/// A request for support: how many units, optionally of one kind or with one qualification.
public struct SupportRequest: Codable, Sendable, Hashable {
    public var units: Int?
    public var kind: UnitKind?
    public var qualification: Qualification?

    public init(units: Int? = nil, kind: UnitKind? = nil, qualification: Qualification? = nil) {
        self.units = units
        self.kind = kind
        self.qualification = qualification
    }
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
    /// For `handover`: to whom.
    public var handover: Handover?
    /// For `requestSupport`: what was asked.
    public var support: SupportRequest?
    /// For `closed`: true when this was the incident's last unit, so the incident itself is closed
    /// (with several units, each unit's close frees that unit; the incident closes with the last).
    public var incidentClosed: Bool?

    public init(
        incidentId: String, unitId: String, officerIds: [String], stage: FieldStage, outcome: Outcome?, note: String?, regionId: String?, at: Date,
        handover: Handover? = nil, support: SupportRequest? = nil, incidentClosed: Bool? = nil
    ) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.officerIds = officerIds
        self.stage = stage
        self.outcome = outcome
        self.note = note
        self.regionId = regionId
        self.at = at
        self.handover = handover
        self.support = support
        self.incidentClosed = incidentClosed
    }

    public var routingKey: String? { "\(stage.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }

    /// The stage a field report's topic names (`dispatch.field.<stage>.<region>`, the routing key
    /// above), read in bytes: a follower that keeps only some stages leaves the others' payloads
    /// unread. `nil` when the topic is not a field report's or names no known stage.
    public static func stage(ofTopic topic: String) -> FieldStage? {
        let type = Self.type.utf8
        guard topic.utf8.starts(with: type) else { return nil }
        let key = topic.utf8.dropFirst(type.count)
        guard key.first == UInt8(ascii: ".") else { return nil }
        return FieldStage(rawValue: String(decoding: key.dropFirst().prefix { $0 != UInt8(ascii: ".") }, as: UTF8.self))
    }
}

// MARK: Escalation, notifications, cases, unit status

/// An incident escalated (`dispatch.escalated.<region>`): no unit available (queued), still waiting
/// after the queue's escalation delay, or a major incident taken over by the centre station.
public struct IncidentEscalated: EventPayload, Hashable {
    public static let type = "dispatch.escalated"
    public static let version = 1
    public var incidentId: String
    public var regionId: String?
    /// `queued`, `stillQueued`, `major`.
    public var reason: String
    /// 1: the region's centre station; 2: the city command centre.
    public var level: Int
    /// The station that takes command (the region's centre station).
    public var commandStationId: String?
    public var note: String?
    public var at: Date

    public init(incidentId: String, regionId: String?, reason: String, level: Int, commandStationId: String?, note: String?, at: Date) {
        self.incidentId = incidentId
        self.regionId = regionId
        self.reason = reason
        self.level = level
        self.commandStationId = commandStationId
        self.note = note
        self.at = at
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// A chief (五长制) is told about an incident in their charge (`dispatch.notified.<role>.<officer>`).
public struct ChiefNotified: EventPayload, Hashable {
    public static let type = "dispatch.notified"
    public static let version = 1
    public var incidentId: String
    public var officerId: String
    public var role: ChiefRole
    /// Why: `grid`, `school`, `road`, `major`.
    public var reason: String
    public var regionId: String?
    public var stationId: String?
    public var gridId: String?
    public var schoolId: String?
    public var at: Date

    public init(
        incidentId: String, officerId: String, role: ChiefRole, reason: String, regionId: String?, stationId: String?, gridId: String?,
        schoolId: String?, at: Date
    ) {
        self.incidentId = incidentId
        self.officerId = officerId
        self.role = role
        self.reason = reason
        self.regionId = regionId
        self.stationId = stationId
        self.gridId = gridId
        self.schoolId = schoolId
        self.at = at
    }

    public var routingKey: String? { "\(role.rawValue).\(officerId)" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// A case was opened (立案) and handed to the station's case-handling team (`dispatch.case.<station>`).
public struct CaseReferred: EventPayload, Hashable {
    public static let type = "dispatch.case"
    public static let version = 1
    public var incidentId: String
    public var stationId: String
    public var team: Team
    /// The team's officers at the station.
    public var officerIds: [String]
    public var regionId: String?
    public var byUnitId: String
    public var at: Date

    public init(incidentId: String, stationId: String, team: Team, officerIds: [String], regionId: String?, byUnitId: String, at: Date) {
        self.incidentId = incidentId
        self.stationId = stationId
        self.team = team
        self.officerIds = officerIds
        self.regionId = regionId
        self.byUnitId = byUnitId
        self.at = at
    }

    public var routingKey: String? { stationId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// The incident is closed: its last unit closed it (`dispatch.closed.<region>`).
public struct IncidentClosed: EventPayload, Hashable {
    public static let type = "dispatch.closed"
    public static let version = 1
    public var incidentId: String
    public var outcome: Outcome
    public var regionId: String?
    public var stationId: String?
    public var openedAt: Date
    public var at: Date

    public init(incidentId: String, outcome: Outcome, regionId: String?, stationId: String?, openedAt: Date, at: Date) {
        self.incidentId = incidentId
        self.outcome = outcome
        self.regionId = regionId
        self.stationId = stationId
        self.openedAt = openedAt
        self.at = at
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// A unit changed state (`unit.status.<station>`; squadron id, or `city` for units of no station).
public struct UnitStatusChanged: EventPayload, Hashable {
    public static let type = "unit.status"
    public static let version = 1
    public var unitId: String
    /// Raw values of dispatch's unit states: available, dispatched, enRoute, onScene, handingOver, offDuty.
    public var from: String
    public var to: String
    public var incidentId: String?
    public var stationId: String?
    public var position: Coordinate
    public var reason: String
    public var at: Date

    public init(unitId: String, from: String, to: String, incidentId: String?, stationId: String?, position: Coordinate, reason: String, at: Date) {
        self.unitId = unitId
        self.from = from
        self.to = to
        self.incidentId = incidentId
        self.stationId = stationId
        self.position = position
        self.reason = reason
        self.at = at
    }

    public var routingKey: String? { stationId ?? "city" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}
