import Foundation
import Model

/// The 12345 hand-off's settings (`handoff` in the city's `departments.json`, overridable by flag).
public struct HandoffSettings: Sendable, Codable, Hashable {
    /// The platform must accept or return a diversion within this many seconds of event time,
    /// or the duty call-taker is alerted.
    public var receiptSeconds: Double
    /// Who an unanswered diversion escalates to.
    public var escalateTo: String

    public init(receiptSeconds: Double = 900, escalateTo: String = "dutyCallTaker") {
        self.receiptSeconds = receiptSeconds
        self.escalateTo = escalateTo
    }
}

/// The platform's answer to a diversion (`handoff.answer`, over the gateway's ROUTER or HTTP).
public struct HandoffAnswer: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case accepted, returned, resolved }
    public var callId: String
    public var answer: Kind
    /// The platform's work order (required for `accepted`).
    public var workOrderId: String?
    /// Why it is a police matter (required for `returned`).
    public var reason: String?
    /// What was done (required for `resolved`).
    public var outcome: String?
    /// For `returned`: the police category the platform suggests.
    public var category: Category?
    /// Who answers: set by the gateway from the CURVE key's keyring name, never trusted from the body.
    public var answeredBy: String?

    public init(
        callId: String, answer: Kind, workOrderId: String? = nil, reason: String? = nil, outcome: String? = nil, category: Category? = nil,
        answeredBy: String? = nil
    ) {
        self.callId = callId
        self.answer = answer
        self.workOrderId = workOrderId
        self.reason = reason
        self.outcome = outcome
        self.category = category
        self.answeredBy = answeredBy
    }
}

/// Where a diversion stands at liaison.
public enum HandoffState: String, Codable, Sendable, CaseIterable {
    case delivered, accepted, returned, resolved

    /// Returned and resolved diversions take no more answers.
    public var isFinal: Bool { self == .returned || self == .resolved }
}

/// The hand-off's state machine: which answer is allowed from which state, and when a
/// diversion escalates. Pure: no SQL, no clock but the one passed in.
public enum HandoffRules {
    /// What an answer does to a diversion in `state`: the new state, `nil` when it repeats the
    /// current one (an idempotent retry), or the refusal.
    public static func apply(_ answer: HandoffAnswer, to state: HandoffState, workOrderId current: String?) -> Result<HandoffState?, LiaisonError> {
        if let problem = problem(answer) { return .failure(.invalid([problem])) }
        switch (state, answer.answer) {
        case (.delivered, .accepted): return .success(.accepted)
        case (.accepted, .accepted):
            guard answer.workOrderId == current else {
                return .failure(.conflict("workOrderId", "call \(answer.callId) was accepted under work order \(current ?? "-")"))
            }
            return .success(nil)
        case (.delivered, .returned), (.accepted, .returned): return .success(.returned)
        case (.accepted, .resolved): return .success(.resolved)
        case (.returned, .returned), (.resolved, .resolved): return .success(nil)
        case (.delivered, .resolved):
            return .failure(.conflict("answer", "call \(answer.callId) was not accepted: accept it (with a work order) before resolving it"))
        default:
            return .failure(.conflict("answer", "call \(answer.callId) is \(state.rawValue): '\(answer.answer.rawValue)' is no longer possible"))
        }
    }

    /// The first field an answer lacks for its kind.
    static func problem(_ answer: HandoffAnswer) -> FieldError? {
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if blank(answer.callId) { return FieldError(field: "callId", reason: "required") }
        switch answer.answer {
        case .accepted where blank(answer.workOrderId):
            return FieldError(field: "workOrderId", reason: "required to accept: the platform's work order id")
        case .returned where blank(answer.reason):
            return FieldError(field: "reason", reason: "required to return: why it is a police matter")
        case .resolved where blank(answer.outcome):
            return FieldError(field: "outcome", reason: "required to resolve: what was done")
        default: break
        }
        if answer.answer == .returned, answer.category == .nonPolice {
            return FieldError(field: "category", reason: "a returned call is a police matter: nonPolice is not a category for it")
        }
        return nil
    }

    /// When a diversion delivered at `divertedAt` must have its receipt.
    public static func answerBy(divertedAt: Date, settings: HandoffSettings) -> Date {
        divertedAt.addingTimeInterval(settings.receiptSeconds)
    }

    /// Whether a diversion escalates now: still without receipt, past its deadline, not yet escalated.
    public static func isOverdue(state: HandoffState, answerBy: Date, escalated: Bool, now: Date) -> Bool {
        state == .delivered && !escalated && now >= answerBy
    }
}
