import Foundation

// What the read API answers (docs/dispatch.md, "Read API"). The JSON of each is part of the API:
// field names and meaning stay as they are.

/// One unit's assignment to an incident, current or ended.
public struct AssignmentView: Codable, Sendable, Hashable {
    public var unitId: String
    public var callSign: String?
    public var kind: String?
    public var rule: String
    public var role: String
    public var assignedAt: Date
    public var active: Bool
    public var signedOff: Bool
    public var distanceMeters: Double?
    public var etaSeconds: Double?
    public var endedAt: Date?
    public var endReason: String?
}

/// One service-level timer of an incident.
public struct TimerView: Codable, Sendable, Hashable {
    public var timer: String
    public var unitId: String?
    public var state: String
    public var startedAt: Date
    public var dueAt: Date
    public var endedAt: Date?
}

/// A need waiting in the queue.
public struct QueuedView: Codable, Sendable, Hashable {
    public var queueId: Int64
    public var incidentId: String
    public var need: String
    public var priority: Int
    public var regionId: String?
    public var queuedAt: Date
    public var level: Int
}

/// One line of an incident's timeline.
public struct TimelineEntry: Codable, Sendable, Hashable {
    public var at: Date
    public var kind: String
    public var unitId: String?
    public var detail: String?
}

/// An incident with its units, timers, queued needs and (for one incident) its timeline.
public struct IncidentView: Codable, Sendable, Hashable {
    public var id: String
    public var status: String
    public var category: String
    public var priority: Int
    public var regionId: String?
    public var stationId: String?
    public var gridId: String?
    public var postId: String?
    public var urban: Bool?
    public var major: Bool
    public var commandStationId: String?
    public var openedAt: Date
    public var assignedAt: Date?
    public var closedAt: Date?
    /// The first (primary) unit and the rule that chose it.
    public var unitId: String?
    public var rule: String?
    public var outcome: String?
    public var units: [AssignmentView]
    public var timers: [TimerView]
    public var queued: [QueuedView]
    public var timeline: [TimelineEntry]?
    /// Its escalations, newest first (one incident only, like the timeline).
    public var escalations: [EscalationView]? = nil
    /// Its zero-disturbance hold (or bypass), if it is at such a site (one incident only).
    public var hold: HoldView? = nil
}

/// One line of the unit board.
public struct UnitBoardEntry: Codable, Sendable, Hashable {
    public var id: String
    public var callSign: String
    public var kind: String
    public var stationId: String?
    public var squadronId: String?
    public var regionId: String?
    public var homeGridId: String?
    public var state: String
    public var offReason: String?
    public var incidentId: String?
    public var lat: Double
    public var lon: Double
    public var updatedAt: Date?
}

/// `GET /v1/incidents`.
public struct IncidentList: Codable, Sendable, Hashable {
    public var incidents: [IncidentView]
}

/// `GET /v1/incidents/<id>/timeline`.
public struct IncidentTimeline: Codable, Sendable, Hashable {
    public var id: String
    public var timeline: [TimelineEntry]
}
