import EventStore
import Foundation
import Model

/// `call`: a readable call is validated, located, classified and routed, and recorded whatever
/// the outcome (DOMAIN.md §3.1: every call gets a record).
struct TakeCall {
    let validator: CallValidator
    let locator: CallLocator
    let routing: CallRouting
    /// Encodes a call that arrived without its bytes (a test, a replayed command).
    let encoder = JSONCodec.encoder()

    func handle(_ request: CallRequest, raw: [UInt8]?, ids: inout RecordSequence, _ tx: Transaction) throws -> IntakeCore.Reply {
        if let ref = request.clientRef, let earlier = try CallStore.call(clientRef: ref, jurisdiction: locator.jurisdiction, tx.db) {
            return .earlier(earlier)
        }
        let (callId, n) = ids.newCall()
        let receivedAt = request.receivedAt ?? tx.now
        let json = String(decoding: try raw ?? Array(encoder.encode(request)), as: UTF8.self)
        var decision = CallDecision(outcome: .rejected)
        if let problem = validator.problem(request, receivedAt: receivedAt, now: tx.now) {
            decision.problem = problem
            decision.status = 422
        } else {
            (decision.located, decision.coordinate) = locator.locate(request)
            if decision.located == nil { decision.flags.append("location-unresolved") }
            decision.classification = routing.rules.classification.classify(request)
            try routing.route(request, callId: callId, receivedAt: receivedAt, &decision, ids: &ids, tx)
        }
        let callerKey = request.caller?.phone.flatMap { $0.isEmpty ? nil : routing.callerKey.hash($0) }
        try CallStore.insert(callId, n: n, request: request, receivedAt: receivedAt, json: json, callerKey: callerKey, decision, tx)
        if let problem = decision.problem { return .rejected(callId: callId, problem, status: 422) }
        return .accepted(decision.receipt(callId: callId))
    }
}

extension IntakeCore.Reply {
    /// The first answer to a `clientRef`, rebuilt from its record: nothing new is recorded.
    static func earlier(_ record: CallRecord) -> IntakeCore.Reply {
        guard record.outcome == CallReceipt.Outcome.rejected.rawValue else { return .duplicate(record.receipt) }
        let problem = FieldError(field: record.reasonField ?? "", reason: record.reason ?? "", code: record.reasonCode ?? "invalid-value")
        return .rejected(callId: record.callId, problem, status: record.status ?? 422)
    }
}
