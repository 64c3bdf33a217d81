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

