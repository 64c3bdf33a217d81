import EventStore
import Foundation
import Model

/// A diversion's whole life at liaison (`GET /v1/handoffs/{callId}`, op `handoff`).
public struct HandoffView: Codable, Sendable, Hashable {
    public var callId: String
    public var state: HandoffState
    public var department: String
    public var matter: String
    public var workOrderId: String?
    public var receivedAt: Date
    public var answerBy: Date
    public var escalated: Bool
    public var steps: [HandoffChanged]
}

/// The 110 → 12345 hand-off (001 §24): a diverted call is delivered to the platform through the
/// gateway (`handoff.12345.<region>`, with the caller's contact), its answers are recorded as
/// `liaison.handoff.*` events, and one without receipt by its deadline escalates to the duty
/// call-taker.
struct Handoffs {
    let settings: HandoffSettings

    /// intake diverted a call: deliver it, and start its receipt clock.
    func diverted(_ d: IncidentDiverted, _ tx: Transaction) throws {
        guard try HandoffStore.handoff(d.callId, tx.db) == nil else { return }
        let delivered = HandoffDelivered(
            callId: d.callId, matter: d.matter, department: d.department, ruleId: d.ruleId, description: d.description, caller: d.caller,
            place: d.place, referral: d.referral, receivedAt: d.receivedAt, divertedAt: d.divertedAt,
            answerBy: HandoffRules.answerBy(divertedAt: max(d.divertedAt, tx.now), settings: settings))
        try HandoffStore.insert(delivered, tx)
        try tx.emit(delivered)
        try record(
            HandoffChanged(
                callId: d.callId, transition: .delivered, department: d.department, matter: d.matter, by: "liaison", answerBy: delivered.answerBy,
                regionId: d.place.grid?.regionId, receivedAt: d.receivedAt, at: tx.now), tx)
    }

    /// The platform's answer; a retry of the current state changes nothing.
    func answer(_ answer: HandoffAnswer, _ tx: Transaction) throws -> HandoffView {
        guard var h = try HandoffStore.handoff(answer.callId, tx.db) else {
            throw LiaisonError.notFound("callId", "no diversion of call \(answer.callId)")
        }
        let next: HandoffState?
        switch HandoffRules.apply(answer, to: h.state, workOrderId: h.workOrderId) {
        case .success(let s): next = s
        case .failure(let error): throw error
        }
        if let next {
            h.state = next
            if answer.answer == .accepted { h.workOrderId = answer.workOrderId }
            try HandoffStore.update(h, tx)
            let transition: HandoffChanged.Transition =
                switch answer.answer {
                case .accepted: .accepted
                case .returned: .returned
                case .resolved: .resolved
                }
            try record(
                HandoffChanged(
                    callId: h.callId, transition: transition, department: h.department, matter: h.matter, by: answer.answeredBy ?? "unknown",
                    workOrderId: answer.workOrderId ?? h.workOrderId, reason: answer.reason, outcome: answer.outcome, category: answer.category,
                    regionId: h.regionId, receivedAt: h.receivedAt, at: tx.now), tx)
        }
        return try view(h, tx)
    }

    /// Diversions past their receipt deadline escalate, once each.
    func tick(_ tx: Transaction) throws {
        for var h in try HandoffStore.overdueHandoffs(now: tx.now, tx.db)
        where HandoffRules.isOverdue(state: h.state, answerBy: h.answerBy, escalated: h.escalated, now: tx.now) {
            h.escalated = true
            try HandoffStore.update(h, tx)
            try record(
                HandoffChanged(
                    callId: h.callId, transition: .escalated, department: h.department, matter: h.matter, by: "liaison",
                    reason: "no receipt from the 12345 platform by the deadline", escalatedTo: settings.escalateTo, answerBy: h.answerBy,
                    regionId: h.regionId, receivedAt: h.receivedAt, at: tx.now), tx)
        }
    }

    func read(_ callId: String, _ tx: Transaction) throws -> HandoffView {
        guard let h = try HandoffStore.handoff(callId, tx.db) else { throw LiaisonError.notFound("callId", "no diversion of call \(callId)") }
        return try view(h, tx)
    }

    private func view(_ h: HandoffRow, _ tx: Transaction) throws -> HandoffView {
        HandoffView(
            callId: h.callId, state: h.state, department: h.department, matter: h.matter, workOrderId: h.workOrderId, receivedAt: h.receivedAt,
            answerBy: h.answerBy, escalated: h.escalated, steps: try HandoffStore.steps(h.callId, HandoffChanged.self, tx.db))
    }

    private func record(_ change: HandoffChanged, _ tx: Transaction) throws {
        try tx.emit(change)
        try HandoffStore.step(change.callId, change, tx)
    }
}
