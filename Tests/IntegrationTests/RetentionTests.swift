import Bus
import Foundation
import Testing
import Wire

/// A follower that needs events its source already pruned says so (not ready, with the reason)
/// until an operator resynchronises it.
@Suite(.serialized, .processLevel)
struct RetentionTests {
    @Test func aFollowerBehindRetentionReportsNotReadyUntilResumed() async throws {
        let cluster = try Cluster(extraArguments: ["intake": ["--retention-events", "5"]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try await cluster.waitReady(["intake", "dispatch"])
        let intake = try await cluster.http("intake")
        cluster.kill9("dispatch")

        for i in 0..<30 {
            let (status, _) = try await HTTPClient.request(
                "POST", "\(intake)/v1/calls",
                json: [
                    "channel": "110", "location": ["lat": 36.85 + Double(i) * 0.004, "lon": 117.75], "categoryHint": "helpRequest",
                ] as [String: Any])
            #expect(status == 201)
        }
        let context = try ZMQContext()
        // Pruning runs every few seconds: wait until it has caught up with the last call, not
        // just begun (else more than the last 5 events are still there to replay). Each call
        // left an audit record too (docs/security.md), so the outbox holds more than 30 events.
        try await eventually("intake to prune its outbox to its last 5 events", timeout: .seconds(30)) {
            let (reply, _) = try await replay(context: context, router: cluster.endpoint("intake", "router"), source: "intake")
            guard reply["code"] == .string("pruned") else { return false }
            guard case .integer(let oldest)? = reply["oldest"], oldest > 1 else { return false }
            let (rest, _) = try await replay(context: context, router: cluster.endpoint("intake", "router"), source: "intake", after: Int(oldest) - 1)
            guard case .integer(let latest)? = rest["latest"] else { return false }
            return latest >= 30 && oldest >= latest - 4
        }

        try cluster.start("dispatch")
        let dispatch = try await cluster.http("dispatch")
        var reason = ""
        try await eventually("dispatch to report the pruned gap") {
            let (status, body) = try await HTTPClient.get("\(dispatch)/readyz")
            reason = String(decoding: body, as: UTF8.self)
            return status == 503 && reason.contains("pruned")
        }
        #expect(reason.contains("Resynchronising"), "the reason must point the operator at the README: \(reason)")

        let (resumed, _) = try await HTTPClient.request("POST", "\(dispatch)/admin/resume/intake")
        #expect(resumed == 202)
        try await eventually("dispatch to be ready after the operator resumed it") {
            try await HTTPClient.get("\(dispatch)/readyz").status == 200
        }
        var incidents = 0
        try await eventually("dispatch to apply what intake still retains") {
            incidents = try await HTTPClient.getObject("\(dispatch)/v1/stats")["incidents"] as? Int ?? 0
            return incidents > 0
        }
        #expect(incidents <= 6, "only the retained events can be applied (\(incidents))")
    }
}
