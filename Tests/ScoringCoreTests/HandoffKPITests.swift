import EventStore
import Foundation
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

@Suite("hand-off KPIs (issue 19 point 4)")
struct HandoffKPITests {
    @Test("shares of diversions by 12345 department, and departments' answer times against their limits")
    func pure() {
        let d = [
            HandoffKPIs.Diversion(department: "城管", accepted: true, returned: false, resolved: true, escalated: false, receiptSeconds: 60),
            HandoffKPIs.Diversion(department: "城管", accepted: false, returned: true, resolved: false, escalated: false, receiptSeconds: 120),
            HandoffKPIs.Diversion(department: "环保", accepted: false, returned: false, resolved: false, escalated: true, receiptSeconds: nil),
        ]
        let s = [
            HandoffKPIs.Support(
                departmentId: "cid", kind: "forensics", acknowledgeLimit: 600, answerLimit: 7200, acknowledgeSeconds: 300, answerSeconds: 3600,
                escalations: 0, elapsedSeconds: 9000),
            // Late on both limits.
            HandoffKPIs.Support(
                departmentId: "cid", kind: "forensics", acknowledgeLimit: 600, answerLimit: 7200, acknowledgeSeconds: nil, answerSeconds: nil,
                escalations: 2, elapsedSeconds: 8000),
            // Still within its limits: in no rate yet.
            HandoffKPIs.Support(
                departmentId: "cyber", kind: "cyberTrace", acknowledgeLimit: 600, answerLimit: 3600, acknowledgeSeconds: nil, answerSeconds: nil,
                escalations: 0, elapsedSeconds: 100),
        ]
        let k = HandoffKPIs(diversions: d, support: s)
        #expect(k.diversions.map(\.department) == ["all", "城管", "环保"])
        let city = k.diversions[1]
        #expect(city.diversions == 2 && city.acceptedShare.value == 0.5 && city.returnedShare.value == 0.5 && city.resolvedShare.value == 0.5)
        #expect(city.receiptMeanSeconds == 90)
        #expect(k.diversions[0].escalatedShare == Ratio(1, 3))
        let cid = k.support[1]
        #expect(cid.departmentId == "cid" && cid.acknowledgedOnTimeRate == Ratio(1, 2) && cid.answeredOnTimeRate == Ratio(1, 2))
        #expect(cid.answerMeanSeconds == 3600 && cid.answerTimeOfLimit == 0.5 && cid.escalations == 2)
        let cyber = k.support[2]
        #expect(cyber.acknowledgedOnTimeRate.denominator == 0 && cyber.acknowledgedOnTimeRate.value == nil, "pending: not counted")
    }

    @Test("scoring keeps liaison's hand-off and support steps as facts and answers the KPIs from them")
    func facts() async throws {
        let t0 = EventTime.date("2026-11-22T08:00:00.000Z")!
        let h = try CoreHarness(service: "scoring", start: t0) { ScoringCore() }
        let liaison = EventSource("liaison")
        func change(_ callId: String, _ t: HandoffChanged.Transition, after: Double) -> Envelope {
            liaison.event(
                HandoffChanged(
                    callId: callId, transition: t, department: "市城管局", matter: "路灯", by: "p", regionId: "R1", receivedAt: t0,
                    at: t0.addingTimeInterval(after)))
        }
        let ack = t0.addingTimeInterval(600)
        let answer = t0.addingTimeInterval(3600)
        func support(_ t: SupportChanged.Transition, after: Double) -> Envelope {
            liaison.event(
                SupportChanged(
                    requestId: "SR1", transition: t, departmentId: "cid", kind: "investigation", incidentId: "I1", caseId: nil, requestedBy: "S1",
                    need: "n", by: "cid", acknowledgeBy: ack, answerBy: answer, requestedAt: t0, at: t0.addingTimeInterval(after)))
        }
        await h.deliver([
            change("C1", .delivered, after: 0), change("C1", .accepted, after: 30), change("C1", .resolved, after: 900),
            change("C2", .delivered, after: 0), change("C2", .returned, after: 90),
            support(.requested, after: 0), support(.acknowledged, after: 700), support(.escalated, after: 600), support(.answered, after: 1800),
        ])
        let k = try await HandoffKPIQueries(reader: StateReader(h.store)).kpis(HandoffKPIQuery())
        let all = try #require(k.diversions.first)
        #expect(all.diversions == 2 && all.acceptedShare.value == 0.5 && all.returnedShare.value == 0.5 && all.resolvedShare.value == 0.5)
        #expect(all.receiptMeanSeconds == 60)
        let cid = try #require(k.support.first { $0.departmentId == "cid" })
        #expect(cid.acknowledgedOnTimeRate == Ratio(0, 1) && cid.answeredOnTimeRate == Ratio(1, 1) && cid.escalations == 1)
        #expect(cid.acknowledgeMeanSeconds == 700 && cid.answerMeanSeconds == 1800 && cid.answerTimeOfLimit == 0.5)
    }
}
