import Foundation
import Model

/// One event scoring keeps about an incident (its fact log): an inbound event, or a complaint
/// or call-back recorded through scoring's API.
public struct Fact: Sendable, Hashable {
    public var id: String
    public var type: String
    public var at: Date
    public var payload: Data

    public init(id: String, type: String, at: Date, payload: Data) {
        self.id = id
        self.type = type
        self.at = at
        self.payload = payload
    }
}

/// A complaint or a handling irregularity about an incident (recorded through scoring's API).
public struct Complaint: Codable, Sendable, Hashable {
    public static let factType = "scoring.complaint"
    /// A complaint by the public, or a handling irregularity found by supervision.
    public enum Kind: String, Codable, Sendable, CaseIterable { case complaint, irregularity }
    /// Only an upheld one deducts.
    public enum Status: String, Codable, Sendable, CaseIterable { case pending, upheld, dismissed }
    public var complaintId: String
    public var incidentId: String
    public var kind: Kind
    public var status: Status
    /// The officers it is about; empty: every officer of the incident's units.
    public var officerIds: [String]
    public var note: String?
    public var at: Date

    public init(complaintId: String, incidentId: String, kind: Kind, status: Status, officerIds: [String], note: String?, at: Date) {
        self.complaintId = complaintId
        self.incidentId = incidentId
        self.kind = kind
        self.status = status
        self.officerIds = officerIds
        self.note = note
        self.at = at
    }
}

/// A satisfaction call-back (回访) to the caller of an incident.
public struct Callback: Codable, Sendable, Hashable {
    public static let factType = "scoring.callback"
    public var callbackId: String
    public var incidentId: String
    public var satisfied: Bool
    public var note: String?
    public var at: Date

    public init(callbackId: String, incidentId: String, satisfied: Bool, note: String?, at: Date) {
        self.callbackId = callbackId
        self.incidentId = incidentId
        self.satisfied = satisfied
        self.note = note
        self.at = at
    }
}

/// One award of the ledger: points for one officer by one rule on one incident, with the facts
/// that earned it and why.
public struct Award: Sendable, Hashable, Codable {
    public var awardId: String
    public var officerId: String
    public var unitId: String?
    public var incidentId: String
    public var rule: String
    public var points: Double
    public var earnedBy: [String]
    public var at: Date
    public var explanation: String

    public init(
        awardId: String, officerId: String, unitId: String?, incidentId: String, rule: String, points: Double, earnedBy: [String],
        at: Date, explanation: String
    ) {
        self.awardId = awardId
        self.officerId = officerId
        self.unitId = unitId
        self.incidentId = incidentId
        self.rule = rule
        self.points = points
        self.earnedBy = earnedBy
        self.at = at
        self.explanation = explanation
    }
}

/// What scoring knows about one unit on one incident.
public struct IncidentUnitRecord: Sendable, Hashable {
    public var unitId: String
    public var kind: UnitKind?
    public var stationId: String?
    public var officerIds: [String]
    public var role: String?
    public var assignedAt: Date
    public var assignId: String
    public var signedAt: Date?
    public var arrivedAt: Date?
    public var feedbackAt: Date?
    public var closedAt: Date?
    public var outcome: Outcome?
    public var handedOver: Bool
}

/// The incident row scoring derives from an incident's facts: everything the KPIs need. (Not
/// dispatch's `IncidentFacts`, the input of its dispatch policy.)
public struct IncidentRecord: Sendable, Hashable {
    public var incidentId: String
    public var receivedAt: Date?
    public var category: Category?
    public var channel: Channel?
    public var callTaker: String?
    public var gridId: String?
    public var stationId: String?
    public var postId: String?
    public var regionId: String?
    public var firstAssignedAt: Date?
    public var firstSignedAt: Date?
    public var firstArrivedAt: Date?
    public var firstFeedbackAt: Date?
    public var closedAt: Date?
    public var outcome: Outcome?
    public var handedOver: Bool = false
    public var complaints: Int = 0
    public var complaintsUpheld: Int = 0
    public var callbacks: Int = 0
    public var satisfied: Int = 0
    public var units: [IncidentUnitRecord] = []

    /// Receipt time, or the first assignment when intake's event has not arrived.
    public var start: Date? { receivedAt ?? firstAssignedAt }
}

/// Unit kinds that belong to a station (for the share of accidents handled by stations).
public let stationUnitKinds: Set<UnitKind> = [.patrolCar, .motorcycle, .stationDuty, .mediatorPair]
