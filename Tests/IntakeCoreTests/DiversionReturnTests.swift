import EventStore
import Foundation
@testable import IntakeCore
import Model
import Testing
import TestSupport
import Wire

@Suite("diversion safety net and the 12345 platform's answers (issues 15.9, 19)")
struct DiversionReturnTests {
    @Test("keyword alone suggests, the call-taker's nonPolice diverts; a returned category is police")
    func rules() {
        let keyword = ClassificationRules.Result(category: .nonPolice, priority: 4, source: "diversion:noise-environment", enterpriseRelated: false, casualties: 0)
        #expect(DiversionSafetyNet.awaitsConfirmation(keyword))
        var taker = keyword
        taker.source = "callTaker"
        #expect(!DiversionSafetyNet.awaitsConfirmation(taker))
        #expect(DiversionSafetyNet.returnedCategory(suggested: .criminal, reading: .dispute) == .criminal)
        #expect(DiversionSafetyNet.returnedCategory(suggested: .nonPolice, reading: .dispute) == .dispute)
        #expect(DiversionSafetyNet.returnedCategory(suggested: nil, reading: nil) == .helpRequest)
        #expect(DiversionSafetyNet.waitingFor(flags: ["needs-review", "diversion-suggested"]) == "diversionConfirmation")
        #expect(DiversionSafetyNet.waitingFor(flags: ["needs-review"]) == "classification")
    }

    @Test("a returned diversion reopens as an incident from the original call, its receipt time kept, with the reason")
    func returned() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(hint: .nonPolice, description: "小区门口路灯坏了好几天"))
        #expect(r.outcome == .diverted)
        h.clock.advance(by: 600)
        let liaison = EventSource("liaison", epoch: "l1")
        func change(_ t: HandoffChanged.Transition, reason: String? = nil) -> HandoffChanged {
            HandoffChanged(
                callId: r.callId, transition: t, department: "市住建局（市政）", matter: "路灯/市政设施", by: "platform12345", workOrderId: "W1",
                reason: reason, category: t == .returned ? .publicOrder : nil, regionId: r.location?.regionId, receivedAt: t0, at: h.clock.now())
        }
        await h.core.deliver([liaison.event(change(.delivered)), liaison.event(change(.accepted))])
        #expect(try h.payloads(IncidentOpened.self).isEmpty)
        await h.core.deliver([liaison.event(change(.returned, reason: "现场有人打架")), liaison.event(change(.returned, reason: "again"))])
        let opened = try h.payloads(IncidentOpened.self)
        #expect(opened.count == 1, "a repeated return reopens nothing more")
        let incident = try #require(opened.first)
        #expect(incident.callId == r.callId && incident.receivedAt == t0 && incident.category == .publicOrder)
        #expect(incident.categorySource == "returned:platform12345" && incident.caller?.phone == "13800000001")
        let why = try #require(try h.payloads(IncidentReturned.self).first)
        #expect(why.incidentId == incident.incidentId && why.reason == "现场有人打架" && why.receivedAt == t0 && why.by == "platform12345")
        let record = try #require(try await h.queries.call(id: r.callId))
        #expect(record.outcome == "opened" && record.incidentId == incident.incidentId && record.diversion?.ruleId == "street-lighting")
        #expect(record.flags.contains("returned-by-12345"))
        #expect(record.handoff?.map(\.transition) == [.delivered, .accepted, .returned, .returned])
    }

    @Test("a call waiting for review past its limit escalates once to the duty call-taker")
    func reviewOverdue() async throws {
        let rules = {
            var r = Demo.rules
            r.safetyNet = DiversionSafetyNet(reviewSeconds: 60)
            return r
        }()
        var config = EngineConfig()
        config.tickInterval = .milliseconds(5)
        let core = try CoreHarness(service: "intake", start: t0, config: config) {
            IntakeCore(jurisdiction: Demo.jurisdiction, addresses: Demo.addresses, rules: rules)
        }
        let reply = try await core.engine.submit(.call(call(hint: nil, description: "楼下广场舞噪音太大")))
        guard case .accepted(let r) = reply, r.outcome == .review else { Issue.record("\(reply)"); return }
        core.clock.advance(by: 60)
        await eventually("escalated") { (try? core.published(CallReviewOverdue.self).count) == 1 }
        let overdue = try #require(try core.published(CallReviewOverdue.self).first)
        #expect(overdue.callId == r.callId && overdue.waitingFor == "diversionConfirmation" && overdue.suggestedRuleId == "noise-environment")
        #expect(overdue.escalatedTo == "dutyCallTaker" && overdue.dueAt == t0.addingTimeInterval(60))
        core.clock.advance(by: 60)
        _ = try await core.engine.submit(.call(call(phone: "13900000077", hint: .dispute, description: "邻里纠纷")))
        #expect(try core.published(CallReviewOverdue.self).count == 1, "once")
    }
}
