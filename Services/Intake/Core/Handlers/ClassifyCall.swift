import EventStore
import Foundation
import Model

/// `classify`: the call-taker gives the category of a call left for review; it then opens,
/// merges or is diverted as if it had arrived with that category.
struct ClassifyCall {
    let locator: CallLocator
    let routing: CallRouting
    let decoder = JSONCodec.decoder()

    func handle(callId: String, category: Category, callTaker: String?, ids: inout RecordSequence, _ tx: Transaction) throws -> IntakeCore.Reply {
        guard let recorded = try CallStore.recorded(callId, tx.db) else {
            return .refused(status: 404, FieldError(field: "callId", reason: "no call \(callId)", code: "not-found"))
        }
        guard recorded.outcome == CallReceipt.Outcome.review.rawValue else {
            let reason = "call \(callId) is \(recorded.outcome), not waiting for review"
            return .refused(status: 409, FieldError(field: "callId", reason: reason, code: "not-in-review"))
        }
        var request = try decoder.decode(CallRequest.self, from: Data(recorded.request.utf8))
        request.categoryHint = category
        if let callTaker { request.callTaker = callTaker }
        var d = CallDecision(outcome: .rejected)
        (d.located, d.coordinate) = locator.locate(request)
        if d.located == nil { d.flags.append("location-unresolved") }
        d.classification = routing.rules.classification.classify(request)
        try routing.route(request, callId: callId, receivedAt: recorded.receivedAt, &d, ids: &ids, tx)
        // Its `mergeInto` names no open incident (any more): the call stays in review.
        if let problem = d.problem { return .refused(status: 422, problem) }
        d.flags.removeAll { $0 == "needs-review" }
        try CallStore.updateClassified(callId, callTaker: request.callTaker, d, tx)
        return .accepted(d.receipt(callId: callId))
    }
}
