import ArgumentParser
import Bus
#if canImport(CoreFoundation)
    import CoreFoundation  // timespec, clock_gettime (processCPUSeconds)
#endif
import Foundation
import Histogram
import Logging
import Model
import Synchronization
import Wire

/// `precinct load`: drives the running set from its own process, plays the field units so
/// incidents complete, reports throughput and latency, and verifies that nothing was lost or
/// applied twice.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: """
            Load-test a running set, then verify it: every acknowledged call recorded once, every dispatched incident credited once, \
            every enterprise incident alerted once.
            """)

    @Option(help: "Calls to send.") var calls = 10_000
    @Option(help: "Calls per second in all (0: as fast as the set answers).") var rate: Double = 0
    @Option(help: "Concurrent clients (each a connection of its own).") var clients = 4
    @Option(help: "Calls in flight per client at most.") var window = 256
    @Option(help: "zmq (intake's ROUTER) or http (POST /v1/calls).") var transport = "zmq"
    @Option(help: "Share of calls placed inside an enterprise geofence.") var enterpriseShare = 0.1
    @Flag(inversion: .prefixedNo, help: "Play the field units (sign-off, arrival, feedback, close).") var field = true
    @Option(help: "Seconds to wait for an unanswered call before sending it again (same clientRef).") var retryAfter = 3.0
    @Option(help: "Seconds to wait, after the last call, for the set to settle before verifying.") var settleTimeout = 120.0
    @Option(help: "Run id: the clientRef prefix (default: random).") var runId: String?
    @Option(help: "City folder (for positions and enterprise geofences).") var city = "cities/demo"
    @Option(help: "Write the figures as JSON to this file.") var json: String?
    @Flag(help: "Skip the verification.") var noVerify = false
    @OptionGroup var peers: PeerOptions
    /// A secured set: the load's key must be in the keyring with a role that may send calls and
    /// field reports (`service`, as a load plays every call-taker and every crew at once).
    @OptionGroup var curve: CurveOptions

    func run() async throws {
        guard transport == "zmq" || transport == "http" else { throw ValidationError("--transport must be zmq or http") }
        try await peers.authenticate()
        let cityURL = URL(fileURLWithPath: city)
        let jurisdiction = try Jurisdiction.load(from: cityURL)
        let enterprises = try Enterprise.load(from: cityURL)
        let run = runId ?? "load-\(UUID().uuidString.prefix(6).lowercased())"
        let plan = CallPlan(count: calls, runId: run, jurisdiction: jurisdiction, enterprises: enterprises, enterpriseShare: enterpriseShare)
        let results = LoadResults(count: calls)
        let context = try ZMQContext()
        let security = try curve.security()

        let baseline = noVerify ? nil : try await SetCounts.readRetrying(peers, for: 30)
        let fieldPlayer = try SocketThread(name: "load-field") {
            try FieldPlayerLoop(context: context, dispatchRouter: peers.dispatchRouterEndpoint, security: security, results: results)
        }
        // The observer follows dispatch and liaison like a service does (sequenced, with replay),
        // so no assignment or alert is missed while a service restarts.
        let observer = LoadObserver(results: results, fieldPlayer: field ? fieldPlayer : nil)
        let dispatchLatest = try latestSequence(context: context, router: peers.dispatchRouterEndpoint, of: "dispatch", security, attempts: 6)
        let liaisonLatest = try latestSequence(context: context, router: peers.liaisonRouterEndpoint, of: "liaison", security, attempts: 6)
        var busConfig = BusConfig(
            service: "load-\(run)", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: [
                FollowSpec(
                    source: "dispatch", pubEndpoint: peers.dispatchPubEndpoint, routerEndpoint: peers.dispatchRouterEndpoint,
                    lastApplied: dispatchLatest.seq, epoch: dispatchLatest.epoch),
                FollowSpec(
                    source: "liaison", pubEndpoint: peers.liaisonPubEndpoint, routerEndpoint: peers.liaisonRouterEndpoint,
                    lastApplied: liaisonLatest.seq, epoch: liaisonLatest.epoch),
            ], epoch: "load", latestSeq: 0)
        busConfig.maxBacklog = Int.max
        busConfig.security = security
        var busLogger = Logger(label: "precinct.load")
        busLogger.logLevel = .warning  // replays are routine here; the report says what matters
        let observerBus = try ServiceBus(config: busConfig, context: context, delegate: observer, logger: busLogger)
        while !observer.caughtUp { try await Task.sleep(for: .milliseconds(20)) }
        let start = DispatchTime.now().uptimeNanoseconds
        results.start.store(start, ordering: .releasing)
        let rateText = rate == 0 ? "max" : String(rate)
        print("load \(run): \(calls) calls, \(clients) clients over \(transport), rate \(rateText)/s, field units \(field ? "played" : "idle")")
        if transport == "zmq" {
            let threads = try (0..<clients).map { index in
                try SocketThread(name: "load-client-\(index)") {
                    try CallClientLoop(
                        context: context, endpoint: peers.intakeRouterEndpoint, security: security, index: index, clients: clients, plan: plan,
                        results: results, rate: rate, window: window, retryAfter: retryAfter, start: start)
                }
            }
            while results.acked.load(ordering: .acquiring) < calls { try await Task.sleep(for: .milliseconds(50)) }
            threads.forEach { $0.stop() }
        } else {
            try await sendOverHTTP(plan: plan, results: results, start: start)
        }
        let sendEnd = DispatchTime.now().uptimeNanoseconds
        let sendSeconds = Double(sendEnd - start) / 1e9
        print(
            String(
                format: "acknowledged %d calls in %.2f s: %.0f calls/s (%d resent)", calls, sendSeconds, Double(calls) / sendSeconds,
                results.retries.load(ordering: .relaxed)))

        // Wait for the set to finish what it was given: for every opened incident a unit (or a
        // zero-disturbance hold, which waits for a person), and the alerts.
        let expectedAlerts = results.expectedAlerts(plan)
        let settleDeadline = Date().addingTimeInterval(settleTimeout)
        while Date() < settleDeadline, results.settledCount < results.openedCount || results.alertCount < expectedAlerts {
            try await Task.sleep(for: .milliseconds(100))
        }
        let e2eEnd = results.lastAssigned.load(ordering: .acquiring)
        let report = results.report(sendSeconds: sendSeconds, e2eSeconds: Double(max(e2eEnd, sendEnd) - start) / 1e9, expectedAlerts: expectedAlerts)
        print(report.text)

        var verification: Verification?
        if let baseline {
            verification = try await Verification.run(
                peers: peers, baseline: baseline, runId: run, acked: calls, opened: results.openedCount,
                expectedAlerts: expectedAlerts, timeout: settleTimeout)
            print(verification!.text)
        }
        observerBus.stop()
        fieldPlayer.stop()
        // The generator's own cost, so a bench can tell whether it was the bottleneck.
        let ownCPU = Self.processCPUSeconds()
        print(String(format: "load generator CPU: %.2f s (%.0f µs per call)", ownCPU, ownCPU * 1e6 / Double(max(calls, 1))))
        if let json {
            var object = report.json
            object["loadCpuSeconds"] = ownCPU
            object["runId"] = run
            object["transport"] = transport
            object["clients"] = clients
            object["rate"] = rate
            if let v = verification { object["verification"] = v.json }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: json))
        }
        if let verification, !verification.passed { throw ExitCode(2) }
    }

    /// User plus system CPU time this process has used (all its threads), in seconds.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) == 0 else { return 0 }
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    private func sendOverHTTP(plan: CallPlan, results: LoadResults, start: UInt64) async throws {
        let url = "\(peers.intake)/v1/calls"
        let retry = retryAfter
        let rate = self.rate
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var index = client
                    while index < plan.count {
                        if rate > 0 {
                            let due = start + UInt64(Double(index) / rate * 1e9)
                            let now = DispatchTime.now().uptimeNanoseconds
                            if due > now { try await Task.sleep(nanoseconds: due - now) }
                        }
                        let intended = rate > 0 ? start + UInt64(Double(index) / rate * 1e9) : DispatchTime.now().uptimeNanoseconds
                        while true {
                            do {
                                let (status, body) = try await HTTP.request("POST", url, body: Data(plan.body(index)))
                                if status == 201 || status == 200 {
                                    results.acknowledge(index: index, intended: intended, reply: Array(body))
                                    break
                                }
                            } catch {}
                            results.retries.add(1, ordering: .relaxed)
                            try await Task.sleep(for: .seconds(min(retry, 1)))
                        }
                        index += clients
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
