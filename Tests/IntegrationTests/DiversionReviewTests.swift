import Foundation
import Testing

/// Issue 15, point 9 (the diversion part) through the real processes: a 110 call is never diverted
/// to 12345 on a keyword alone. It waits for the call-taker, who confirms (→ diverted) or gives a
/// police category (→ an incident); a call left in review past its limit escalates, once.
@Suite(.serialized, .processLevel)
struct DiversionReviewTests {
    static func intakeEvents(_ cluster: Cluster) async throws -> [(type: String, payload: [String: Any])] {
        try await DispatchRulesTests.dispatchEvents(cluster, "intake")
    }

    @Test func aKeywordAloneNeverDivertsAndAWaitingCallEscalates() async throws {
        // 600× event time: the 120 s review limit passes in a fifth of a second.
        let cluster = try Cluster(extraArguments: ["intake": ["--time-factor", "600"]])
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let urban = IncidentRulesTests.urban

        func call(_ phone: String, _ ref: String) -> [String: Any] {
            [
                "channel": "110", "caller": ["name": "测试", "phone": phone], "location": ["lat": urban.lat, "lon": urban.lon],
                "description": "楼下广场舞噪音太大", "callTaker": "CT01", "clientRef": ref,
            ]
        }

        // A diversion keyword matched, nothing else: in review, with the suggestion, not diverted.
        let first = try await IncidentRulesTests.post("\(intake)/v1/calls", call("13800009101", "rv-1"), expect: 202)
        #expect(first["outcome"] as? String == "review")
        #expect(first["incidentId"] == nil)
        #expect((first["flags"] as? [String] ?? []).contains("diversion-suggested"))
        let firstId = try #require(first["callId"] as? String)
        let second = try await IncidentRulesTests.post("\(intake)/v1/calls", call("13800009102", "rv-2"), expect: 202)
        let secondId = try #require(second["callId"] as? String)

        // Past the limit, each waiting call escalates to the duty call-taker.
        try await eventually("both calls in review to escalate", timeout: .seconds(30)) {
            let overdue = try await Self.intakeEvents(cluster).filter { $0.type == "incident.reviewOverdue" }
            return Set(overdue.compactMap { $0.payload["callId"] as? String }).isSuperset(of: [firstId, secondId])
        }
        #expect(try await Self.intakeEvents(cluster).contains { $0.type == "incident.diverted" } == false, "nothing diverted on a keyword")

        // The call-taker confirms one (diverted) and makes the other a police matter (an incident).
        let confirmed = try await IncidentRulesTests.post(
            "\(intake)/v1/calls/\(firstId)/classify", ["category": "nonPolice", "callTaker": "CT02"], expect: 201)
        #expect(confirmed["outcome"] as? String == "diverted")
        let police = try await IncidentRulesTests.post(
            "\(intake)/v1/calls/\(secondId)/classify", ["category": "publicOrder", "callTaker": "CT02"], expect: 201)
        #expect(police["outcome"] as? String == "opened" && police["incidentId"] is String)

        let events = try await Self.intakeEvents(cluster)
        #expect(events.filter { $0.type == "incident.diverted" }.compactMap { $0.payload["callId"] as? String } == [firstId])
        let overdue = events.filter { $0.type == "incident.reviewOverdue" }
        #expect(overdue.count == 2, "each waiting call escalates once")
        #expect(overdue.allSatisfy { $0.payload["escalatedTo"] as? String == "dutyCallTaker" })
    }
}
