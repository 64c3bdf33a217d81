import EventStore
import Foundation
import Model
import Wire

/// liaison's `liaison.handoff.*`: every step of a diverted call is kept for the call's read API;
/// a call the 12345 platform returned (a police matter after all) reopens as an incident from
/// the original call, its receipt time kept, with `incident.returned` saying why.
struct DiversionReturned {
    let locator: CallLocator
    let routing: CallRouting
    let decoder = JSONCodec.decoder()

    func apply(_ event: Envelope, ids: inout RecordSequence, _ tx: Transaction) throws {
        let change = try tx.decode(HandoffChanged.self, from: event)
        try DiversionStore.record(change, payload: event.payload, tx)
        guard change.transition == .returned else { return }
        // Only a call still diverted reopens: a replayed or repeated return changes nothing more.
        guard let record = try IntakeSQL.call(change.callId, jurisdiction: nil, tx.db), record.outcome == CallReceipt.Outcome.diverted.rawValue,
            let recorded = try CallStore.recorded(change.callId, tx.db)
        else { return }
        var request = try decoder.decode(CallRequest.self, from: Data(recorded.request.utf8))
        request.categoryHint = nil
        let reading = routing.rules.classification.classify(request).category
        request.categoryHint = DiversionSafetyNet.returnedCategory(suggested: change.category, reading: reading)
        var d = CallDecision(outcome: .rejected)
        (d.located, d.coordinate) = locator.locate(request)
        if d.located == nil { d.flags.append("location-unresolved") }
        d.classification = routing.rules.classification.classify(request)
        d.classification?.source = "returned:\(change.by)"
        try routing.route(request, callId: change.callId, receivedAt: recorded.receivedAt, &d, ids: &ids, tx)
        d.diversion = record.diversion
        d.flags.append(DiversionSafetyNet.returnedFlag)
        try CallStore.updateClassified(change.callId, callTaker: request.callTaker, d, tx)
        guard let incidentId = d.incidentId else { return }
        try tx.emit(
            IncidentReturned(
                callId: change.callId, incidentId: incidentId, by: change.by, workOrderId: change.workOrderId, reason: change.reason ?? "",
                regionId: d.located?.regionId, receivedAt: recorded.receivedAt, returnedAt: change.at))
    }
}

/// A call waiting for review (no classification, or a diversion suggested by a keyword) past
/// the review limit escalates to the duty call-taker, once (`incident.reviewOverdue`).
struct ReviewTimer {
    let safetyNet: DiversionSafetyNet

    func tick(_ tx: Transaction) throws {
        let cutoff = tx.now.addingTimeInterval(-safetyNet.reviewSeconds)
        for call in try DiversionStore.overdueReviews(receivedBefore: cutoff, tx.db) {
            try DiversionStore.setFlags(call.callId, call.flags + [DiversionSafetyNet.overdueFlag], tx)
            let waitingFor = DiversionSafetyNet.waitingFor(flags: call.flags)
            try tx.emit(
                CallReviewOverdue(
                    callId: call.callId, waitingFor: waitingFor, suggestedRuleId: waitingFor == "diversionConfirmation" ? call.rule : nil,
                    escalatedTo: safetyNet.escalateTo, regionId: call.regionId, receivedAt: call.receivedAt,
                    dueAt: safetyNet.reviewDue(receivedAt: call.receivedAt), at: tx.now))
        }
    }
}
