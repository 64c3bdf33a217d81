import Foundation

// Events scoring publishes (`score.*`).

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
    /// Added fields (optional, so version 1 stays compatible). An award is re-derived when a later
    /// event changes its inputs: `revision` counts its versions (1: first), `previousPoints` is
    /// what it was worth before, `withdrawn` is true when it no longer applies (points 0).
    public var revision: Int?
    public var previousPoints: Double?
    public var withdrawn: Bool?
    /// The rule table (`scoring-rules.json` `version`) it was derived under, and why, in words.
    public var rulesVersion: String?
    public var explanation: String?

    public init(
        awardId: String, officerId: String, unitId: String?, incidentId: String, rule: String, points: Double, earnedBy: [String], stationId: String?,
        at: Date
    ) {
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

// MARK: Risk quality-control reports (社会风险质控)

/// Incidents of one grid, hour of day (local time) and category in a period, and the change
/// against the previous period.
public struct HotspotCell: Codable, Sendable, Hashable {
    public var gridId: String
    public var stationId: String?
    public var hour: Int
    public var category: String
    public var count: Int
    public var previous: Int
    /// count − previous.
    public var trend: Int

    public init(gridId: String, stationId: String?, hour: Int, category: String, count: Int, previous: Int, trend: Int) {
        self.gridId = gridId
        self.stationId = stationId
        self.hour = hour
        self.category = category
        self.count = count
        self.previous = previous
        self.trend = trend
    }
}

/// A grid to patrol next period, at these hours (local), busiest first.
public struct PatrolSlot: Codable, Sendable, Hashable {
    public var gridId: String
    public var hours: [Int]
    public var incidents: Int

    public init(gridId: String, hours: [Int], incidents: Int) {
        self.gridId = gridId
        self.hours = hours
        self.incidents = incidents
    }
}

/// One station's patrol plan for the next period (有警接警、无警巡逻).
public struct StationPatrolPlan: Codable, Sendable, Hashable {
    public var stationId: String
    public var slots: [PatrolSlot]

    public init(stationId: String, slots: [PatrolSlot]) {
        self.stationId = stationId
        self.slots = slots
    }
}

/// The daily analysis, weekly analysis or monthly bulletin (`report.<day|week|month>`), published
/// by scoring once the period is over in event time. The month's also names the monthly awards.
public struct ReportPublished: EventPayload, Hashable {
    public static let type = "report"
    public static let version = 1
    /// `hotspots:<period>:<from>`.
    public var reportId: String
    /// `day`, `week` or `month`.
    public var period: String
    public var from: Date
    public var to: Date
    public var incidents: Int
    public var top: [HotspotCell]
    public var patrolPlan: [StationPatrolPlan]
    public var starOfTheMonth: String?
    public var excellentTrafficManagers: [String]?
    public var excellentCallTakers: [String]?
    /// The period's hand-offs between organisations (diversions to 12345, support requests to
    /// departments); absent when the period had none.
    public var handoffs: HandoffSummary?
    public var at: Date

    public init(
        reportId: String, period: String, from: Date, to: Date, incidents: Int, top: [HotspotCell], patrolPlan: [StationPatrolPlan],
        starOfTheMonth: String? = nil, excellentTrafficManagers: [String]? = nil, excellentCallTakers: [String]? = nil, at: Date
    ) {
        self.reportId = reportId
        self.period = period
        self.from = from
        self.to = to
        self.incidents = incidents
        self.top = top
        self.patrolPlan = patrolPlan
        self.starOfTheMonth = starOfTheMonth
        self.excellentTrafficManagers = excellentTrafficManagers
        self.excellentCallTakers = excellentCallTakers
        self.at = at
    }

    public var routingKey: String? { period }
    public var correlationId: String? { nil }
    public var eventTime: Date { at }
}
