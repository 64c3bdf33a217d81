import Foundation

/// Where an incident stands in its life (DOMAIN.md §3).
public enum IncidentStatus: String, Codable, Sendable, CaseIterable {
    /// Opened by intake, not yet handled by dispatch.
    case open
    /// Waiting for a free unit.
    case queued
    /// At least one unit is on it.
    case assigned
    /// Closed with an outcome.
    case closed
    /// Sent to the 12345 platform as a non-police matter.
    case diverted
}

/// An incident (警情) as the services share it: what, where, how urgent, and where it stands.
/// Each service keeps its own record of it; this is the common shape of those records.
public struct Incident: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var category: Category
    /// 1 is most urgent.
    public var priority: Int
    public var place: IncidentPlace
    public var status: IncidentStatus
    public var openedAt: Date
    public var closedAt: Date?
    public var outcome: Outcome?
    public var enterpriseIds: [String]

    public init(
        id: String, category: Category, priority: Int, place: IncidentPlace, status: IncidentStatus,
        openedAt: Date, closedAt: Date? = nil, outcome: Outcome? = nil, enterpriseIds: [String] = []
    ) {
        self.id = id
        self.category = category
        self.priority = priority
        self.place = place
        self.status = status
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.outcome = outcome
        self.enterpriseIds = enterpriseIds
    }

    /// The incident as intake opened it.
    public init(_ opened: IncidentOpened) {
        self.init(
            id: opened.incidentId, category: opened.category, priority: opened.priority, place: opened.place,
            status: .open, openedAt: opened.receivedAt, enterpriseIds: opened.enterpriseId.map { [$0] } ?? [])
    }
}
