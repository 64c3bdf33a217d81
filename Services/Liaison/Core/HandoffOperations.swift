import Foundation
import Model
import Wire

/// liaison's hand-off operations (issue 19, docs/liaison.md "Hand-offs"). `handoff.answer` and
/// `support.reply` are also open to integrator keys on liaison's ROUTER, inside their grants
/// (``integratorOperations``), with `answeredBy` set from the key's keyring name.
extension LiaisonAPI {
    /// The 12345 platform's answer to a diversion (`POST /v1/handoffs/{callId}/answer`).
    public static let answerHandoff = APIOperation<HandoffAnswer, HandoffView>("handoff.answer")
    /// A diversion's whole life (`GET /v1/handoffs/{callId}`).
    public static let handoff = APIOperation<HandoffQuery, HandoffView>("handoff")
    /// Raises a support request to a department (`POST /v1/support`); 201.
    public static let raiseSupport = APIOperation<SupportInput, DepartmentRequest>("support.raise")
    /// A department acknowledges or answers (`POST /v1/support/{requestId}/reply`).
    public static let replySupport = APIOperation<SupportReply, DepartmentRequest>("support.reply")
    /// One support request and its steps (`GET /v1/support/{requestId}`).
    public static let support = APIOperation<SupportQuery, DepartmentRequest>("support")
    /// Support requests on an incident or to a department, newest first, at most 500 (`GET /v1/support?incidentId=&departmentId=`).
    public static let supports = APIOperation<SupportFilter, SupportList>("support.list")

    /// The operations an integrator key may call on liaison's ROUTER, each with the grant prefix
    /// its key needs: the 12345 platform answers diversions, a department answers requests.
    public static let integratorOperations: [String: String] = [
        answerHandoff.name: Topics.handoff12345,
        replySupport.name: Topics.supportRequest,
    ]
}

public struct HandoffQuery: Codable, Sendable, Hashable {
    public var callId: String
    public init(callId: String) { self.callId = callId }
}

public struct SupportQuery: Codable, Sendable, Hashable {
    public var requestId: String
    public init(requestId: String) { self.requestId = requestId }
}

public struct SupportFilter: Codable, Sendable, Hashable {
    public var incidentId: String?
    public var departmentId: String?
    public init(incidentId: String? = nil, departmentId: String? = nil) {
        self.incidentId = incidentId
        self.departmentId = departmentId
    }
}

public struct SupportList: Codable, Sendable, Hashable {
    public var requests: [DepartmentRequest]
    public init(requests: [DepartmentRequest]) { self.requests = requests }
}
