import Foundation

// MARK: Service-level timers (sla.*)

/// The service-level timers dispatch runs on every incident (DOMAIN.md §3, Zouping's standards).
public enum SLATimer: String, Codable, Sendable, CaseIterable {
    /// 签收: the unit signs off the dispatch (per assigned unit; default 90 s).
    case signOff
    /// 到警: the first unit arrives within the response point's N-minute promise.
    case arrival
    /// 首次反馈: first feedback (default 5 h from receipt).
    case firstFeedback
    /// 结案: closed (default 22 h from receipt).
    case close
}

/// A timer is about to expire (`sla.warning.<timer>.<region>`).
public struct SLAWarning: EventPayload, Hashable {
    public static let type = "sla.warning"
    public static let version = 1
    public var incidentId: String
    /// The unit the timer runs on (sign-off), or `nil` for the incident's timers.
    public var unitId: String?
    public var timer: SLATimer
    public var regionId: String?
    public var stationId: String?
    public var startedAt: Date
    public var dueAt: Date
    public var at: Date

    public init(incidentId: String, unitId: String?, timer: SLATimer, regionId: String?, stationId: String?, startedAt: Date, dueAt: Date, at: Date) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.timer = timer
        self.regionId = regionId
        self.stationId = stationId
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.at = at
    }

    public var routingKey: String? { "\(timer.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// A timer expired (`sla.breached.<timer>.<region>`). A breached sign-off re-dispatches.
public struct SLABreached: EventPayload, Hashable {
    public static let type = "sla.breached"
    public static let version = 1
    public var incidentId: String
    public var unitId: String?
    public var officerIds: [String]
    public var timer: SLATimer
    public var regionId: String?
    public var stationId: String?
    public var startedAt: Date
    public var dueAt: Date
    /// What dispatch did about it: `redispatched`, `queued`, `escalated`, `offered`, `sent`, or `none`.
    public var action: String
    public var at: Date
    /// Every unit the breach charges (`officerIds` are their officers): the unit whose sign-off
    /// expired; the units on the incident not yet arrived at the arrival deadline; whoever holds
    /// the incident at a feedback or close deadline. Absent in older events (read `unitId` then).
    public var unitIds: [String]?

    public init(
        incidentId: String, unitId: String?, officerIds: [String], timer: SLATimer, regionId: String?, stationId: String?,
        startedAt: Date, dueAt: Date, action: String, at: Date, unitIds: [String]? = nil
    ) {
        self.unitIds = unitIds
        self.incidentId = incidentId
        self.unitId = unitId
        self.officerIds = officerIds
        self.timer = timer
        self.regionId = regionId
        self.stationId = stationId
        self.startedAt = startedAt
        self.dueAt = dueAt
        self.action = action
        self.at = at
    }

    public var routingKey: String? { "\(timer.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}
