import Foundation

// Events scoring publishes (`score.*`).

/// What one derivation of an incident changed in the points ledger: every line it added,
/// re-valued or withdrawn, in one event (version 2).
///
/// Version 1 published one event per ledger line, about ten per incident; points are derived
/// figures, so the bus carries them per incident change (ARCHITECTURE.md, "Fewer, larger
/// messages"). Version 1 is retired: it stays documented for history, and the console still reads it.
public struct PointsAwarded: EventPayload, Hashable {
    public static let type = "score.awarded"
    public static let version = 2
    public var incidentId: String
    /// The incident's station (the topic's last segment; `none` when unknown).
    public var stationId: String?
    /// The rule table (`scoring-rules.json` `version`) the lines were derived under.
    public var rulesVersion: String
    /// The lines that changed, in award id order, withdrawals after the rest.
    public var lines: [PointsLine]
    /// The latest time among the lines (event time).
    public var at: Date

    public init(incidentId: String, stationId: String?, rulesVersion: String, lines: [PointsLine]) {
        self.incidentId = incidentId
        self.stationId = stationId
        self.rulesVersion = rulesVersion
        self.lines = lines
        self.at = lines.map(\.at).max() ?? Date(timeIntervalSince1970: 0)
    }

    public var routingKey: String? { stationId ?? "none" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// One ledger line as it now stands: its points, or withdrawn (points 0) when no rule gives it any more.
public struct PointsLine: Codable, Sendable, Hashable {
    /// `<incident>:<officer>:<rule>[:<complaint>]`, stable across re-derivations.
    public var awardId: String
    public var officerId: String
    public var unitId: String?
    public var rule: String
    public var points: Double
    /// Ids of the events that earned it.
    public var earnedBy: [String]
    public var at: Date
    /// Counts the line's versions (1: first).
    public var revision: Int
    /// What it was worth before this change (none for a new line).
    public var previousPoints: Double?
    /// True when the line no longer applies (points 0).
    public var withdrawn: Bool?
    /// Why, in words.
    public var explanation: String?

    public init(
        awardId: String, officerId: String, unitId: String?, rule: String, points: Double, earnedBy: [String], at: Date, revision: Int,
        previousPoints: Double? = nil, withdrawn: Bool? = nil, explanation: String? = nil
    ) {
        self.awardId = awardId
        self.officerId = officerId
        self.unitId = unitId
        self.rule = rule
        self.points = points
        self.earnedBy = earnedBy
        self.at = at
        self.revision = revision
        self.previousPoints = previousPoints
        self.withdrawn = withdrawn
        self.explanation = explanation
    }

    /// How much the line moves its officer's total.
    public var delta: Double { (withdrawn == true ? 0 : points) - (previousPoints ?? 0) }
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
