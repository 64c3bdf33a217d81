import Foundation

/// intake recorded the end of an incident: the dispatch instance that owns it reported its last
/// unit closed, and no further call merges into it. Topic `incident.ended.<region>`. Internal: no
/// personal data.
///
/// Why intake says so, when dispatch already publishes `dispatch.closed`: with dispatch split by
/// region, the city desk (the instance commanding the accident division and PTU) follows intake,
/// not the other instances, and must stop serving a city-wide need of an incident that ended.
public struct IncidentEnded: EventPayload, Hashable {
    public static let type = "incident.ended"
    public static let version = 1
    public var incidentId: String
    public var outcome: Outcome?
    public var regionId: String?
    public var endedAt: Date

    public init(incidentId: String, outcome: Outcome?, regionId: String?, endedAt: Date) {
        self.incidentId = incidentId
        self.outcome = outcome
        self.regionId = regionId
        self.endedAt = endedAt
    }

    public var routingKey: String? { regionId ?? "unlocated" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { endedAt }
}

extension IncidentEnded {
    public static var example: IncidentEnded {
        IncidentEnded(incidentId: "I00000042", outcome: .resolvedOnScene, regionId: "R1", endedAt: Date(timeIntervalSince1970: 1_790_003_600))
    }
}
