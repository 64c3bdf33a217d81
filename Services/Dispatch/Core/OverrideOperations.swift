import Foundation
import Model
import Wire

// Dispatcher overrides as typed operations (docs/dispatch.md, "Dispatcher overrides"), answered
// the same way over HTTP and the ROUTER. Each write answers 200 with the incident (or the
// escalation) as it now is; 400 names a bad field, 404 an unknown id, 409 gives the state
// machine's reason for refusing.
extension DispatchAPI {
    /// `GET /v1/incidents/:id/recommendations?limit=`: free qualified units by ETA.
    public static let recommendations = APIOperation<RecommendationsQuery, Recommendations>("recommendations")
    /// `POST /v1/incidents/:id/assign`.
    public static let assign = APIOperation<AssignRequest, IncidentView>("assign")
    /// `POST /v1/incidents/:id/reassign`.
    public static let reassign = APIOperation<ReassignRequest, IncidentView>("reassign")
    /// `POST /v1/incidents/:id/cancel-assignment`.
    public static let cancelAssignment = APIOperation<CancelAssignmentRequest, IncidentView>("cancel-assignment")
    /// `POST /v1/incidents/:id/reclassify`.
    public static let reclassify = APIOperation<ReclassifyRequest, IncidentView>("reclassify")
    /// `POST /v1/incidents/:id/major`.
    public static let major = APIOperation<MajorRequest, IncidentView>("major")
    /// `POST /v1/escalations/:id/acknowledge`.
    public static let acknowledgeEscalation = APIOperation<AcknowledgeRequest, EscalationView>("acknowledge-escalation")
    /// `GET /v1/escalations/:id`.
    public static let escalation = APIOperation<EscalationQuery, EscalationView>("escalation")
    /// `GET /v1/escalations?incident=&open=`.
    public static let escalations = APIOperation<EscalationListQuery, [EscalationView]>("escalations")
    /// `GET /v1/holds?status=`: zero-disturbance holds.
    public static let holds = APIOperation<HoldListQuery, [HoldView]>("holds")
}

/// A dispatcher's request: whose, why, and what it asks of the core. `dispatcher` is what the
/// caller claims; the service decides who it is (one place, `DispatchService.dispatcher(of:)`).
public protocol OverrideRequest: Codable, Sendable {
    /// The incident's id (the escalation's for an acknowledgement): the path parameter.
    var id: String { get }
    var dispatcher: String { get }
    var reason: String { get }
    var action: OverrideCommand.Action { get }
}

extension OverrideRequest {
    /// The core's command, by `dispatcher`.
    public func command(by dispatcher: String) -> OverrideCommand {
        OverrideCommand(target: id, action: action, dispatcher: dispatcher, reason: reason)
    }
}

/// `{"unitId", "dispatcher", "reason"}`.
public struct AssignRequest: OverrideRequest, Hashable {
    public var id: String
    public var unitId: String
    public var dispatcher: String
    public var reason: String
    public init(id: String, unitId: String, dispatcher: String, reason: String) {
        self.id = id
        self.unitId = unitId
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .assign(unitId: unitId) }
}

/// `{"fromUnitId", "toUnitId", "dispatcher", "reason"}`.
public struct ReassignRequest: OverrideRequest, Hashable {
    public var id: String
    public var fromUnitId: String
    public var toUnitId: String
    public var dispatcher: String
    public var reason: String
    public init(id: String, fromUnitId: String, toUnitId: String, dispatcher: String, reason: String) {
        self.id = id
        self.fromUnitId = fromUnitId
        self.toUnitId = toUnitId
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .reassign(fromUnitId: fromUnitId, toUnitId: toUnitId) }
}

/// `{"unitId", "dispatcher", "reason"}`.
public struct CancelAssignmentRequest: OverrideRequest, Hashable {
    public var id: String
    public var unitId: String
    public var dispatcher: String
    public var reason: String
    public init(id: String, unitId: String, dispatcher: String, reason: String) {
        self.id = id
        self.unitId = unitId
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .cancelAssignment(unitId: unitId) }
}

/// `{"category", "dispatcher", "reason"}`.
public struct ReclassifyRequest: OverrideRequest, Hashable {
    public var id: String
    public var category: Category
    public var dispatcher: String
    public var reason: String
    public init(id: String, category: Category, dispatcher: String, reason: String) {
        self.id = id
        self.category = category
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .reclassify(category) }
}

/// `{"major": true|false, "dispatcher", "reason"}`.
public struct MajorRequest: OverrideRequest, Hashable {
    public var id: String
    public var major: Bool
    public var dispatcher: String
    public var reason: String
    public init(id: String, major: Bool, dispatcher: String, reason: String) {
        self.id = id
        self.major = major
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .major(major) }
}

/// `{"dispatcher", "reason"}`; `id` is the escalation's.
public struct AcknowledgeRequest: OverrideRequest, Hashable {
    public var id: String
    public var dispatcher: String
    public var reason: String
    public init(id: String, dispatcher: String, reason: String) {
        self.id = id
        self.dispatcher = dispatcher
        self.reason = reason
    }
    public var action: OverrideCommand.Action { .acknowledge }
}

/// One incident's recommendations, at most `limit` (default 10, at most 100).
public struct RecommendationsQuery: Codable, Sendable, Hashable {
    public var id: String
    public var limit: Int?
    public init(id: String, limit: Int? = nil) {
        self.id = id
        self.limit = limit
    }
    public var command: OverrideCommand { OverrideCommand(target: id, action: .recommend(limit: min(max(limit ?? 10, 1), 100))) }
}

/// `{"incidentId", "units": [{"unitId", "kind", "state", "etaSeconds", "distanceMeters", "rule"}…]}`.
public struct Recommendations: Codable, Sendable, Hashable {
    public var incidentId: String
    public var units: [Recommendation]
    public init(incidentId: String, units: [Recommendation]) {
        self.incidentId = incidentId
        self.units = units
    }
}

/// One escalation, by id.
public struct EscalationQuery: Codable, Sendable, Hashable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// `?incident=&open=`: the escalations of one incident, or only those not acknowledged (`open=true`);
/// newest first, at most `limit` (default 200, at most 5000).
public struct EscalationListQuery: Codable, Sendable, Hashable {
    public var incident: String?
    public var open: Bool?
    public var limit: Int?
    public init(incident: String? = nil, open: Bool? = nil, limit: Int? = nil) {
        self.incident = incident
        self.open = open
        self.limit = limit
    }
}
