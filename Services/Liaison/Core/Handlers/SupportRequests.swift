import EventStore
import Foundation
import Model

/// Specialised departments' support to stations (001 §20, 派出所有所呼、直属单位有所应): a station,
/// unit or dispatcher raises a request to a department; the department acknowledges and answers
/// within the limits of its kind; a passed limit escalates to the bureau's command centre.
/// Every step is a `support.request.<departmentId>` event.
struct SupportRequests {
    let departments: Departments

    func raise(_ input: SupportInput, next: inout Int, _ tx: Transaction) throws -> DepartmentRequest {
        let problems = SupportRules.problems(input, departments: departments)
        guard problems.isEmpty, let limit = departments.department(input.departmentId)?.limit(input.kind) else {
            throw LiaisonError.invalid(problems)
        }
        let n = next
        let id = "SR" + String(repeating: "0", count: max(0, 8 - String(n).count)) + String(n)
        let due = SupportRules.deadlines(limit, at: tx.now)
        var r = DepartmentRequest(
            requestId: id, departmentId: input.departmentId, kind: input.kind, incidentId: input.incidentId, caseId: input.caseId,
            requestedBy: input.requestedBy, need: input.need, state: .requested, answer: nil, requestedAt: tx.now, acknowledgeBy: due.acknowledgeBy,
            answerBy: due.answerBy, acknowledgedAt: nil, answeredAt: nil, escalated: [], steps: [])
        try HandoffStore.insert(r, n: n, tx)
        next += 1
        r.steps = [try record(r, .requested, by: input.requestedBy, tx)]
        return r
    }

    func reply(_ reply: SupportReply, _ tx: Transaction) throws -> DepartmentRequest {
        guard var r = try HandoffStore.support(reply.requestId, tx.db) else {
            throw LiaisonError.notFound("requestId", "no support request \(reply.requestId)")
        }
        if let refusal = SupportRules.scopeRefusal(reply, departmentId: r.departmentId) { throw refusal }
        let next: DepartmentRequest.State?
        switch SupportRules.apply(reply, to: r.state) {
        case .success(let s): next = s
        case .failure(let error): throw error
        }
        guard let next else { return r }
        let by = reply.answeredBy ?? r.departmentId
        if r.acknowledgedAt == nil {
            r.acknowledgedAt = tx.now
            if next == .answered {
                r.state = .acknowledged
                r.steps.append(try record(r, .acknowledged, by: by, tx))
            }
        }
        r.state = next
        if next == .answered {
            r.answer = reply.answer
            r.answeredAt = tx.now
        }
        try HandoffStore.update(r, tx)
        r.steps.append(try record(r, next == .answered ? .answered : .acknowledged, by: by, tx))
        return r
    }

    /// Each passed limit escalates once.
    func tick(_ tx: Transaction) throws {
        for var r in try HandoffStore.dueSupports(now: tx.now, tx.db) {
            let missed = SupportRules.overdue(
                state: r.state, acknowledgeBy: r.acknowledgeBy, answerBy: r.answerBy, escalated: r.escalated, now: tx.now)
            guard !missed.isEmpty else { continue }
            r.escalated += missed
            try HandoffStore.update(r, tx)
            for limit in missed { _ = try record(r, .escalated, by: "liaison", missed: limit, tx) }
        }
    }

    func read(_ requestId: String, _ tx: Transaction) throws -> DepartmentRequest {
        guard let r = try HandoffStore.support(requestId, tx.db) else { throw LiaisonError.notFound("requestId", "no support request \(requestId)") }
        return r
    }

    @discardableResult
    private func record(
        _ r: DepartmentRequest, _ transition: SupportChanged.Transition, by: String, missed: String? = nil, _ tx: Transaction
    ) throws -> SupportChanged {
        let change = SupportChanged(
            requestId: r.requestId, transition: transition, departmentId: r.departmentId, kind: r.kind, incidentId: r.incidentId, caseId: r.caseId,
            requestedBy: r.requestedBy, need: r.need, by: by, answer: transition == .answered ? r.answer : nil, missed: missed,
            escalatedTo: missed == nil ? nil : departments.escalateTo, acknowledgeBy: r.acknowledgeBy, answerBy: r.answerBy,
            requestedAt: r.requestedAt, at: tx.now)
        try tx.emit(change)
        try HandoffStore.step(r.requestId, change, tx)
        return change
    }
}
