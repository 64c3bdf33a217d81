import EventStore
import Foundation
import LiaisonCore
import Model
import Testing
import TestSupport
import Wire

private let demoDepartments = try! Departments.load(from: demoCity)

private func handoffHarness() throws -> CoreHarness<LiaisonCore> {
    var config = EngineConfig()
    config.tickInterval = .milliseconds(5)
    return try CoreHarness(service: "liaison", start: t0, config: config) {
        LiaisonCore(seed: [], jurisdiction: demoJurisdiction, departments: demoDepartments)
    }
}

private func diverted(_ callId: String, at: Date = t0) -> IncidentDiverted {
    var d = IncidentDiverted.example
    d.callId = callId
    d.receivedAt = at
    d.divertedAt = at
    return d
}

@Suite("hand-off rules: the 12345 platform's answers")
struct HandoffRuleTests {
    @Test("accepted needs a work order, returned a reason, resolved an outcome and a prior acceptance")
    func answers() throws {
        func apply(_ a: HandoffAnswer, _ s: HandoffState, _ wo: String? = nil) -> Result<HandoffState?, LiaisonError> {
            HandoffRules.apply(a, to: s, workOrderId: wo)
        }
        #expect(try apply(HandoffAnswer(callId: "C1", answer: .accepted, workOrderId: "W1"), .delivered).get() == .accepted)
        #expect((try? apply(HandoffAnswer(callId: "C1", answer: .accepted), .delivered).get()) == nil)
        if case .failure(let e) = apply(HandoffAnswer(callId: "C1", answer: .accepted), .delivered) {
            #expect(e.status == 422 && e.problems.first?.field == "workOrderId")
        }
        #expect(try apply(HandoffAnswer(callId: "C1", answer: .accepted, workOrderId: "W1"), .accepted, "W1").get() == nil, "a retry")
        if case .failure(let e) = apply(HandoffAnswer(callId: "C1", answer: .accepted, workOrderId: "W2"), .accepted, "W1") {
            #expect(e.status == 409 && e.problems.first?.field == "workOrderId")
        } else {
            Issue.record("a second work order must be refused")
        }
        #expect(try apply(HandoffAnswer(callId: "C1", answer: .returned, reason: "持刀"), .accepted, "W1").get() == .returned)
        #expect((try? apply(HandoffAnswer(callId: "C1", answer: .returned), .delivered).get()) == nil, "no reason")
        #expect((try? apply(HandoffAnswer(callId: "C1", answer: .returned, reason: "x", category: .nonPolice), .delivered).get()) == nil)
        #expect((try? apply(HandoffAnswer(callId: "C1", answer: .resolved, outcome: "修好了"), .delivered).get()) == nil, "not accepted")
        #expect(try apply(HandoffAnswer(callId: "C1", answer: .resolved, outcome: "修好了"), .accepted, "W1").get() == .resolved)
        #expect((try? apply(HandoffAnswer(callId: "C1", answer: .accepted, workOrderId: "W1"), .returned).get()) == nil, "final")
    }

    @Test("a diversion escalates once, only without receipt and past its deadline")
    func overdue() {
        let by = HandoffRules.answerBy(divertedAt: t0, settings: HandoffSettings(receiptSeconds: 60))
        #expect(by == t0.addingTimeInterval(60))
        #expect(!HandoffRules.isOverdue(state: .delivered, answerBy: by, escalated: false, now: t0.addingTimeInterval(59)))
        #expect(HandoffRules.isOverdue(state: .delivered, answerBy: by, escalated: false, now: by))
        #expect(!HandoffRules.isOverdue(state: .delivered, answerBy: by, escalated: true, now: by))
        #expect(!HandoffRules.isOverdue(state: .accepted, answerBy: by, escalated: false, now: by))
    }
}

@Suite("support rules: departments' limits")
struct SupportRuleTests {
    @Test("the demo city's departments load, with a limit per department and kind")
    func departments() throws {
        #expect(demoDepartments.department("cid")?.limit("forensics")?.answerSeconds == 7200)
        #expect(demoDepartments.handoff.receiptSeconds == 900)
        #expect(demoDepartments.escalateTo == "commandCentre")
    }

    @Test("a request names a known department and kind, an incident or a case, who asks and what for")
    func problems() {
        let ok = SupportInput(departmentId: "cid", kind: "forensics", incidentId: "I1", requestedBy: "S07", need: "勘查")
        #expect(SupportRules.problems(ok, departments: demoDepartments).isEmpty)
        let bad = SupportInput(departmentId: "cid", kind: "swimming", requestedBy: " ", need: "")
        #expect(SupportRules.problems(bad, departments: demoDepartments).map(\.field) == ["kind", "incidentId", "requestedBy", "need"])
        let nowhere = SupportInput(departmentId: "navy", kind: "x", caseId: "K1", requestedBy: "S07", need: "y")
        #expect(SupportRules.problems(nowhere, departments: demoDepartments).map(\.field) == ["departmentId"])
    }

    @Test("acknowledge and answer limits escalate once each, and not once answered")
    func overdue() throws {
        let ack = t0.addingTimeInterval(600)
        let answer = t0.addingTimeInterval(3600)
        #expect(SupportRules.overdue(state: .requested, acknowledgeBy: ack, answerBy: answer, escalated: [], now: ack) == ["acknowledge"])
        #expect(SupportRules.overdue(state: .requested, acknowledgeBy: ack, answerBy: answer, escalated: ["acknowledge"], now: ack).isEmpty)
        #expect(
            SupportRules.overdue(state: .requested, acknowledgeBy: ack, answerBy: answer, escalated: [], now: answer) == ["acknowledge", "answer"])
        #expect(SupportRules.overdue(state: .acknowledged, acknowledgeBy: ack, answerBy: answer, escalated: [], now: answer) == ["answer"])
        #expect(SupportRules.overdue(state: .answered, acknowledgeBy: ack, answerBy: answer, escalated: [], now: answer).isEmpty)
        #expect((try? SupportRules.apply(SupportReply(requestId: "SR1", step: .answered), to: .requested).get()) == nil, "an answer needs text")
        #expect(try SupportRules.apply(SupportReply(requestId: "SR1", step: .answered, answer: "ok"), to: .requested).get() == .answered)
    }

    @Test("a department's key answers only its own department's requests; the broad grant answers none")
    func keyScope() throws {
        #expect(SupportRules.keyMayAnswer(grants: ["support.request.cyber"], departmentId: "cyber"))
        #expect(SupportRules.keyMayAnswer(grants: ["alert.enterprise.", "support.request.cyber."], departmentId: "cyber"))
        #expect(!SupportRules.keyMayAnswer(grants: ["support.request.cyber."], departmentId: "traffic"))
        #expect(!SupportRules.keyMayAnswer(grants: ["support.request.cyb"], departmentId: "cyber"), "a grant names a department, not a prefix of one")
        #expect(!SupportRules.keyMayAnswer(grants: ["support.request."], departmentId: "cyber"), "the broad grant reads, it does not answer")
        #expect(!SupportRules.keyMayAnswer(grants: [], departmentId: "cyber"))
        // Over HTTP (no grants) the check does not apply; over the gateway a foreign request is 403 naming requestId.
        #expect(SupportRules.scopeRefusal(SupportReply(requestId: "SR1", step: .acknowledged), departmentId: "cyber") == nil)
        let own = SupportReply(requestId: "SR1", step: .acknowledged, answeredBy: "dept-cyber", grants: "support.request.cyber.")
        #expect(SupportRules.scopeRefusal(own, departmentId: "cyber") == nil)
        let refusal = try #require(SupportRules.scopeRefusal(own, departmentId: "traffic"))
        #expect(refusal.status == 403 && refusal.code == "forbidden" && refusal.problems.map(\.field) == ["requestId"])
        #expect(refusal.message.contains("traffic") && refusal.message.contains("dept-cyber"), "\(refusal)")
    }
}

@Suite("liaison: hand-offs and support requests through the engine")
struct HandoffEngineTests {
    @Test("a diversion is delivered with the caller's contact, answered, and its whole life is readable")
    func delivered() async throws {
        let h = try handoffHarness()
        let intake = EventSource("intake")
        await h.deliver([intake.event(diverted("C00000001"))])
        let delivered = try #require(try h.published(HandoffDelivered.self).first)
        #expect(delivered.callId == "C00000001" && delivered.caller?.phone == IncidentDiverted.example.caller?.phone)
        #expect(delivered.answerBy == t0.addingTimeInterval(900))
        let accepted = try await h.engine.submit(.answerHandoff(HandoffAnswer(callId: "C00000001", answer: .accepted, workOrderId: "W9", answeredBy: "p")))
        guard case .handoff(let view) = accepted else { Issue.record("\(accepted)"); return }
        #expect(view.state == .accepted && view.workOrderId == "W9" && view.steps.map(\.transition) == [.delivered, .accepted])
        _ = try await h.engine.submit(.answerHandoff(HandoffAnswer(callId: "C00000001", answer: .resolved, outcome: "已修复", answeredBy: "p")))
        let changes = try h.published(HandoffChanged.self)
        #expect(changes.map(\.transition) == [.delivered, .accepted, .resolved] && changes.last?.by == "p")
        #expect(changes.allSatisfy { $0.receivedAt == t0 })
        await #expect(throws: LiaisonError.self) {
            _ = try await h.engine.submit(.answerHandoff(HandoffAnswer(callId: "C404", answer: .accepted, workOrderId: "W")))
        }
    }

    @Test("a diversion without receipt by its deadline escalates to the duty call-taker, once")
    func escalates() async throws {
        let h = try handoffHarness()
        await h.deliver([EventSource("intake").event(diverted("C00000002"))])
        // Before the deadline is the pure rule's test (HandoffRuleTests.overdue); here, at it.
        h.clock.advance(by: 900)
        await eventually("escalated") { (try? h.published(HandoffChanged.self).map(\.transition)) == [.delivered, .escalated] }
        let escalated = try #require(try h.published(HandoffChanged.self).last)
        #expect(escalated.escalatedTo == "dutyCallTaker" && escalated.at == t0.addingTimeInterval(900))
    }

    @Test("a support request past its limits escalates to the command centre; an answer in time does not")
    func support() async throws {
        let h = try handoffHarness()
        let input = SupportInput(departmentId: "special", kind: "armedSupport", incidentId: "I00000042", requestedBy: "S07", need: "持枪嫌疑人")
        guard case .support(let late) = try await h.engine.submit(.raiseSupport(input)) else { Issue.record("no request"); return }
        #expect(late.requestId == "SR00000001" && late.acknowledgeBy == t0.addingTimeInterval(120) && late.answerBy == t0.addingTimeInterval(600))
        guard case .support(let onTime) = try await h.engine.submit(.raiseSupport(input)) else { Issue.record("no request"); return }
        _ = try await h.engine.submit(.replySupport(SupportReply(requestId: onTime.requestId, step: .answered, answer: "两组已出发", answeredBy: "special")))
        h.clock.advance(by: 600)
        await eventually("escalated twice") { (try? h.published(SupportChanged.self).filter { $0.transition == .escalated }.count) == 2 }
        let escalations = try h.published(SupportChanged.self).filter { $0.transition == .escalated }
        #expect(escalations.allSatisfy { $0.requestId == late.requestId && $0.escalatedTo == "commandCentre" })
        #expect(escalations.map { $0.missed ?? "" } == ["acknowledge", "answer"])
        guard case .support(let read) = try await h.engine.submit(.support(requestId: late.requestId)) else { Issue.record("no read"); return }
        #expect(read.escalated == ["acknowledge", "answer"] && read.steps.map(\.transition) == [.requested, .escalated, .escalated])
        guard case .support(let answered) = try await h.engine.submit(.support(requestId: onTime.requestId)) else { return }
        #expect(answered.state == .answered && answered.steps.map(\.transition) == [.requested, .acknowledged, .answered])
        await #expect(throws: LiaisonError.self) {
            _ = try await h.engine.submit(.raiseSupport(SupportInput(departmentId: "cid", kind: "armedSupport", incidentId: "I1", requestedBy: "S", need: "n")))
        }
    }
}
