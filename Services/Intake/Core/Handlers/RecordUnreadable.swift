import EventStore
import Foundation
import Model

/// `unreadable`: a body that is not a call is still recorded, as rejected, with what could be
/// read of it (channel, call-taker, phone, clientRef) and its first bytes as evidence.
struct RecordUnreadable {
    let jurisdiction: Jurisdiction
    let callerKey: CallerKey

    func handle(
        _ problem: FieldError, status: Int, hints: CallParser.Hints, raw: [UInt8]?, ids: inout RecordSequence,
        _ tx: Transaction
    ) throws -> IntakeCore.Reply {
        if let ref = hints.clientRef, let earlier = try CallStore.call(clientRef: ref, jurisdiction: jurisdiction, tx.db) {
            return .earlier(earlier)
        }
        let (callId, n) = ids.newCall()
        let evidence = raw.map { String(decoding: $0.prefix(CallParser.evidenceBytes), as: UTF8.self) } ?? ""
        try CallStore.insertUnreadable(callId, n: n, at: tx.now, problem: problem, status: status, hints: hints, evidence: evidence,
            callerKey: hints.callerPhone.flatMap { $0.isEmpty ? nil : callerKey.hash($0) }, tx)
        return .rejected(callId: callId, problem, status: status)
    }
}
