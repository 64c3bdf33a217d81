import Foundation
import Synchronization
import Testing

/// What a container platform expects of a service on SIGTERM (issue #8, point 6): it drains and
/// exits 0 well within the grace period (compose: `stop_grace_period: 20s`), nothing it
/// acknowledged or applied is lost, and its log is one structured line per event on stdout.
@Suite(.serialized, .processLevel)
struct ShutdownTests {
    /// Compose gives 20 s before SIGKILL; a service must be well inside that, even in a debug build.
    static let gracePeriod: Duration = .seconds(10)

    /// Calls sent over HTTP by a few concurrent clients until told to stop or the service goes away.
    final class CallLoad: Sendable {
        struct Acked: Sendable {
            var body: [String: any Sendable]
            var callId: String
        }
        let acked = Mutex<[String: Acked]>([:])
        let stop = Atomic<Bool>(false)
        let runId = "shutdown-\(UUID().uuidString.prefix(6).lowercased())"

        var count: Int { acked.withLock { $0.count } }

        func call(_ client: Int, _ index: Int) -> [String: any Sendable] {
            let n = client * 10_000 + index
            return [
                "channel": "110",
                "caller": ["name": "shutdown \(n)", "phone": String(format: "139%08d", n)] as [String: String],
                "location": ["lat": 36.84 + Double(n % 40) * 0.001, "lon": 117.70 + Double(n % 37) * 0.001] as [String: Double],
                "categoryHint": ["dispute", "publicOrder", "helpRequest"][n % 3],
                "description": "shutdown test call \(n)",
                "callTaker": "CT01",
                "clientRef": "\(runId)-\(client)-\(index)",
            ]
        }

        /// Runs `clients` loops against `intake` (a base URL) until `stop` or a failed request.
        func run(intake: String, clients: Int) async {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var index = 0
                        while !self.stop.load(ordering: .acquiring) {
                            let body = self.call(client, index)
                            guard let (status, reply) = try? await HTTPClient.request("POST", "\(intake)/v1/calls", json: body),
                                status == 201,
                                let object = try? JSONSerialization.jsonObject(with: reply) as? [String: Any],
                                let callId = object["callId"] as? String
                            else { return }
                            self.acked.withLock { $0[body["clientRef"] as! String] = Acked(body: body, callId: callId) }
                            index += 1
                        }
                    }
                }
            }
        }
    }

    /// SIGTERM to one service of a running cluster; returns the exit status and how long it took.
    static func sigterm(_ cluster: Cluster, _ service: String) async throws -> (status: Int32, took: Duration) {
        let process = try #require(cluster.processes[service])
        let clock = ContinuousClock()
        let start = clock.now
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, clock.now - start < gracePeriod + .seconds(20) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let took = clock.now - start
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return (-1, took)
        }
        process.waitUntilExit()
        cluster.processes[service] = nil
        return (process.terminationStatus, took)
    }

    /// Every line is one event in swift-log's StreamLogHandler format:
    /// `<ISO-8601 time> <level> precinct.<service>: <key=value metadata> [<module>] <message>`.
    static func nonEventLines(_ log: String, service: String) -> [String] {
        let pattern =
            #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4} (trace|debug|info|notice|warning|error|critical) precinct\.\#(service):( .*)? \[[A-Za-z0-9_]+\] \S.*$"#
        let regex = try! NSRegularExpression(pattern: pattern)
        return log.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { line in
            !line.isEmpty && regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) == nil
        }
    }

    static func checkLog(_ cluster: Cluster, _ service: String) {
        let log = cluster.log(service)
        let bad = nonEventLines(log, service: service)
        #expect(bad.isEmpty, "\(service)'s log has lines that are not one event each: \(bad.prefix(5))")
        let lines = log.split(separator: "\n").map(String.init)
        let draining = lines.firstIndex { $0.hasSuffix("] draining") }
        let stopped = lines.lastIndex { $0.hasSuffix("] stopped") }
        #expect(draining != nil && stopped != nil && draining! < stopped!, "\(service) must log 'draining' then 'stopped' on SIGTERM")
        #expect(
            lines.contains { $0.contains("] ready to serve") && $0.contains("http=") && $0.contains("epoch=") },
            "the 'ready to serve' line carries its facts as key=value metadata")
    }

    /// intake under load: SIGTERM, exit 0 in time, and every call it acknowledged is still there
    /// after the restart (resending one answers with the first call's id).
    @Test func intakeDrainsUnderLoadAndKeepsEveryAcknowledgedCall() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")

        let load = CallLoad()
        let clients = Task { await load.run(intake: intake, clients: 4) }
        try await eventually("calls to be acknowledged under load") { load.count >= 40 }
        let (status, took) = try await Self.sigterm(cluster, "intake")
        load.stop.store(true, ordering: .releasing)
        await clients.value
        #expect(status == 0, "intake exited with \(status) after SIGTERM: \(cluster.log("intake").suffix(2000))")
        #expect(took < Self.gracePeriod, "intake took \(took) to exit after SIGTERM")
        Self.checkLog(cluster, "intake")

        let acked = load.acked.withLock { $0 }
        try cluster.start("intake")
        try await cluster.waitReady(["intake"])
        let restarted = try await cluster.http("intake")
        let count = try await HTTPClient.getObject("\(restarted)/v1/calls/count?clientRefPrefix=\(load.runId)")
        #expect(Int(count["count"] as? String ?? "") ?? -1 >= acked.count, "acknowledged \(acked.count) calls, intake has \(count)")
        var changed: [String] = []
        for (ref, call) in acked {
            let (s, body) = try await HTTPClient.request("POST", "\(restarted)/v1/calls", json: call.body)
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            if !(200..<300).contains(s) || object?["callId"] as? String != call.callId { changed.append(ref) }
        }
        #expect(changed.isEmpty, "\(changed.count) of \(acked.count) acknowledged calls were not kept across SIGTERM: \(changed.prefix(5))")
    }

    /// dispatch, a follower, under load: SIGTERM, exit 0 in time; after the restart it has every
    /// incident intake opened, and scoring has credited every one it assigned (nothing it had
    /// applied or published was lost in the drain).
    @Test func dispatchDrainsUnderLoadAndCatchesUp() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let scoring = try await cluster.http("scoring")

        let load = CallLoad()
        let clients = Task { await load.run(intake: intake, clients: 4) }
        try await eventually("calls to be acknowledged under load") { load.count >= 40 }
        let (status, took) = try await Self.sigterm(cluster, "dispatch")
        try await eventually("more calls acknowledged while dispatch is down") { load.count >= 60 }
        load.stop.store(true, ordering: .releasing)
        await clients.value
        #expect(status == 0, "dispatch exited with \(status) after SIGTERM: \(cluster.log("dispatch").suffix(2000))")
        #expect(took < Self.gracePeriod, "dispatch took \(took) to exit after SIGTERM")
        Self.checkLog(cluster, "dispatch")

        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch", "scoring"])
        let dispatch = try await cluster.http("dispatch")
        try await eventually("dispatch to hold every incident intake opened", timeout: .seconds(60)) {
            let i = try await HTTPClient.getObject("\(intake)/v1/stats")
            let d = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            return (i["incidents"] as? Int ?? -1) == (d["incidents"] as? Int ?? -2)
        }
        try await eventually("scoring to credit every incident dispatch assigned", timeout: .seconds(60)) {
            let d = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            let s = try await HTTPClient.getObject("\(scoring)/v1/stats")
            return (d["incidentsAssigned"] as? Int ?? -1) == (s["incidentsCredited"] as? Int ?? -2)
        }
    }
}

/// Readiness goes false *before* the service stops answering, so that a load balancer or an
/// orchestrator's endpoint list drops it while it still serves: ServiceHost's readiness gate, last
/// in the service group and so first to hear of the shutdown, marks the service shutting down and
/// waits `--shutdown-delay-ms` (PRECINCT_SHUTDOWN_DELAY_MS) before the HTTP server and the engine stop.
@Suite(.serialized, .processLevel)
struct ReadinessOnShutdownTests {
    @Test
    func readinessAnswers503BeforeTheServerCloses() async throws {
        let cluster = try Cluster(extraArguments: ["intake": ["--shutdown-delay-ms", "1500"]])
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let process = try #require(cluster.processes["intake"])
        kill(process.processIdentifier, SIGTERM)
        var statuses: [Int] = []
        while process.isRunning {
            if let (status, _) = try? await HTTPClient.get("\(intake)/readyz") { statuses.append(status) }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Once it has said 503 it never says 200 again, and it did say 503 before going away.
        let first503 = try #require(statuses.firstIndex(of: 503), "no 503 from /readyz between SIGTERM and exit: \(statuses)")
        #expect(!statuses[first503...].contains(200))
        #expect(process.terminationStatus == 0)
    }
}
