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

