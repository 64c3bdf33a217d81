import Foundation
import Model
import Wire

// Zero-disturbance coordination (docs/liaison.md, "Coordination") as typed operations.
extension LiaisonAPI {
    /// `POST /v1/coordination/{incidentId}/acknowledge`: the liaison officer acknowledges police
    /// action at a zero-disturbance site; dispatch releases the hold. 200 with the hold; 403 for an
    /// officer not of that enterprise; 404 with no hold; 409 when the hold no longer waits.
    public static let acknowledgeCoordination = APIOperation<CoordinationAck, CoordinationView>("coordination.acknowledge")
    /// `GET /v1/coordination?officer=&status=`: holds, newest first.
    public static let coordinations = APIOperation<CoordinationFilter, CoordinationList>("coordination.list")
}

/// `{"officerId", "note"?}`; `incidentId` is the path parameter.
public struct CoordinationAck: Codable, Sendable, Hashable {
    public var incidentId: String
    public var officerId: String
    public var note: String?
    public init(incidentId: String, officerId: String, note: String? = nil) {
        self.incidentId = incidentId
        self.officerId = officerId
        self.note = note
    }
}

/// `?officer=&status=` (`held`, `released`, `bypassed`).
public struct CoordinationFilter: Codable, Sendable, Hashable {
    public var officer: String?
    public var status: String?
    public init(officer: String? = nil, status: String? = nil) {
        self.officer = officer
        self.status = status
    }
}

/// A zero-disturbance hold as liaison knows it.
public struct CoordinationView: Codable, Sendable, Hashable {
    public var incidentId: String
    public var enterpriseId: String
    public var liaisonOfficerId: String
    /// dispatch's status: `held`, `released`, `bypassed`.
    public var status: String
    public var reason: String
    public var heldAt: Date?
    public var dueAt: Date?
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var note: String?
}

public struct CoordinationList: Codable, Sendable, Hashable {
    public var holds: [CoordinationView]
    public init(holds: [CoordinationView]) { self.holds = holds }
}
