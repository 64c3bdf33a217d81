import ArgumentParser
import Bus
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
    static let configuration = CommandConfiguration(abstract: "Load-test a running set, then verify it: every acknowledged call recorded once, every dispatched incident credited once, every enterprise incident alerted once.")

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

    func run() async throws {
        guard transport == "zmq" || transport == "http" else { throw ValidationError("--transport must be zmq or http") }
        let cityURL = URL(fileURLWithPath: city)
        let jurisdiction = try Jurisdiction.load(from: cityURL)
        let enterprises = try Enterprise.load(from: cityURL)
        let run = runId ?? "load-\(UUID().uuidString.prefix(6).lowercased())"
        let plan = CallPlan(count: calls, runId: run, jurisdiction: jurisdiction, enterprises: enterprises, enterpriseShare: enterpriseShare)
        let results = LoadResults(count: calls)
        let context = try ZMQContext()

        let baseline = noVerify ? nil : try await SetCounts.readRetrying(peers, for: 30)
        let fieldPlayer = try SocketThread(name: "load-field") {
            try FieldPlayerLoop(context: context, dispatchRouter: peers.dispatchRouterEndpoint, results: results)
        }
        // The observer follows dispatch and liaison like a service does (sequenced, with replay),
        // so no assignment or alert is missed while a service restarts.
        let observer = LoadObserver(results: results, fieldPlayer: field ? fieldPlayer : nil)
        let dispatchLatest = try latestSequence(context: context, router: peers.dispatchRouterEndpoint, attempts: 6)
        let liaisonLatest = try latestSequence(context: context, router: peers.liaisonRouterEndpoint, attempts: 6)
        var busConfig = BusConfig(service: "load-\(run)", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*", follow: [
            FollowSpec(source: "dispatch", pubEndpoint: peers.dispatchPubEndpoint, routerEndpoint: peers.dispatchRouterEndpoint,
                       lastApplied: dispatchLatest.seq, epoch: dispatchLatest.epoch),
            FollowSpec(source: "liaison", pubEndpoint: peers.liaisonPubEndpoint, routerEndpoint: peers.liaisonRouterEndpoint,
                       lastApplied: liaisonLatest.seq, epoch: liaisonLatest.epoch),
        ], epoch: "load", latestSeq: 0)
        busConfig.maxBacklog = Int.max
        var busLogger = Logger(label: "precinct.load")
        busLogger.logLevel = .warning  // replays are routine here; the report says what matters
        let observerBus = try ServiceBus(config: busConfig, context: context, delegate: observer, logger: busLogger)
        while !observer.caughtUp { try await Task.sleep(for: .milliseconds(20)) }
        let start = DispatchTime.now().uptimeNanoseconds
        results.start.store(start, ordering: .releasing)
        print("load \(run): \(calls) calls, \(clients) clients over \(transport), rate \(rate == 0 ? "max" : String(rate))/s, field units \(field ? "played" : "idle")")
        if transport == "zmq" {
            let threads = try (0..<clients).map { index in
                try SocketThread(name: "load-client-\(index)") {
                    try CallClientLoop(context: context, endpoint: peers.intakeRouterEndpoint, index: index, clients: clients, plan: plan,
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
        print(String(format: "acknowledged %d calls in %.2f s: %.0f calls/s (%d resent)", calls, sendSeconds, Double(calls) / sendSeconds, results.retries.load(ordering: .relaxed)))

        // Wait for the set to finish what it was given: assignments (and alerts) for every opened incident.
        let expectedAlerts = results.expectedAlerts(plan)
        let settleDeadline = Date().addingTimeInterval(settleTimeout)
        while Date() < settleDeadline, results.assignedCount < results.openedCount || results.alertCount < expectedAlerts {
            try await Task.sleep(for: .milliseconds(100))
        }
        let e2eEnd = results.lastAssigned.load(ordering: .acquiring)
        let report = results.report(sendSeconds: sendSeconds, e2eSeconds: Double(max(e2eEnd, sendEnd) - start) / 1e9, expectedAlerts: expectedAlerts)
        print(report.text)

        var verification: Verification?
        if let baseline {
            verification = try await Verification.run(peers: peers, baseline: baseline, runId: run, acked: calls, opened: results.openedCount,
                                                       expectedAlerts: expectedAlerts, timeout: settleTimeout)
            print(verification!.text)
        }
        observerBus.stop()
        fieldPlayer.stop()
        if let json {
            var object = report.json
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

/// The calls of a run, generated on demand: positions spread over the city, a share inside
/// enterprise geofences, every caller distinct.
struct CallPlan: Sendable {
    let count: Int
    let runId: String
    let positions: [Coordinate]
    let enterpriseHit: [Bool]
    static let categories = ["criminal", "publicOrder", "dispute", "accidentMinor", "accidentCasualty", "helpRequest"]

    init(count: Int, runId: String, jurisdiction: Jurisdiction, enterprises: [Enterprise], enterpriseShare: Double) {
        self.count = count
        self.runId = runId
        var generator = SplitMix64(seed: 0x5EED)
        var positions: [Coordinate] = []
        var hits: [Bool] = []
        positions.reserveCapacity(count)
        let box = jurisdiction.city.bbox
        for _ in 0..<count {
            if !enterprises.isEmpty, generator.unit() < enterpriseShare {
                let e = enterprises[Int(generator.next() % UInt64(enterprises.count))]
                positions.append(e.location)
                hits.append(true)
                continue
            }
            while true {
                let c = Coordinate(lat: box.minLat + (box.maxLat - box.minLat) * (0.01 + 0.98 * generator.unit()),
                                   lon: box.minLon + (box.maxLon - box.minLon) * (0.01 + 0.98 * generator.unit()))
                if !enterprises.contains(where: { $0.geofence.boundingBox.contains(c) && $0.geofence.contains(c) }) {
                    positions.append(c)
                    hits.append(false)
                    break
                }
            }
        }
        self.positions = positions
        self.enterpriseHit = hits
    }

    func clientRef(_ index: Int) -> String { "\(runId)-\(index)" }

    func body(_ index: Int) -> [UInt8] {
        let p = positions[index]
        let category = Self.categories[index % Self.categories.count]
        return Array("""
            {"channel":"110","caller":{"name":"load \(index)","phone":"139\(String(format: "%08d", index % 100_000_000))"},"location":{"lat":\(p.lat),"lon":\(p.lon)},"categoryHint":"\(category)","description":"load test call \(index)","callTaker":"CT\(index % 7 + 1)","clientRef":"\(clientRef(index))"}
            """.utf8)
    }
}

/// What the run saw, shared by the client, observer and field threads.
final class LoadResults: Sendable {
    struct Call { var intended: UInt64 = 0; var acked: UInt64 = 0; var incidentId: String?; var opened = false }
    let start = Atomic<UInt64>(0)
    let acked = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    let lastAssigned = Atomic<UInt64>(0)
    let fieldAccepted = Atomic<Int>(0)
    let fieldRefused = Atomic<Int>(0)
    private let state: Mutex<State>

    struct State {
        var calls: [Call]
        var incidentIndex: [String: Int] = [:]
        var assignedAt: [String: UInt64] = [:]
        var alertAt: [String: UInt64] = [:]
        var duplicateAlerts = 0
        var opened = 0
    }

    init(count: Int) { state = Mutex(State(calls: Array(repeating: Call(), count: count))) }

    func acknowledge(index: Int, intended: UInt64, reply: [UInt8]) {
        let now = DispatchTime.now().uptimeNanoseconds
        let incident = Self.stringField("incidentId", in: reply)
        let opened = Self.stringField("outcome", in: reply) == "opened"
        let first = state.withLock { s -> Bool in
            guard s.calls[index].acked == 0 else { return false }
            s.calls[index] = Call(intended: intended, acked: now, incidentId: incident, opened: opened)
            if let incident { s.incidentIndex[incident] = index }
            if opened { s.opened += 1 }
            return true
        }
        if first { acked.add(1, ordering: .releasing) }
    }

    func assigned(_ incidentId: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            if s.assignedAt[incidentId] == nil { s.assignedAt[incidentId] = now }
        }
        lastAssigned.store(now, ordering: .releasing)
    }

    func alerted(_ incidentId: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            if s.alertAt[incidentId] == nil { s.alertAt[incidentId] = now } else { s.duplicateAlerts += 1 }
        }
    }

    var openedCount: Int { state.withLock { $0.opened } }
    var assignedCount: Int { state.withLock { s in s.assignedAt.keys.filter { s.incidentIndex[$0] != nil }.count } }
    var alertCount: Int { state.withLock { s in s.alertAt.keys.filter { s.incidentIndex[$0] != nil }.count } }

    func expectedAlerts(_ plan: CallPlan) -> Int {
        state.withLock { s in s.calls.indices.filter { s.calls[$0].opened && plan.enterpriseHit[$0] }.count }
    }

    /// A string field of a flat part of a JSON answer, without decoding the whole answer.
    static func stringField(_ name: String, in bytes: [UInt8]) -> String? {
        let key = Array("\"\(name)\":\"".utf8)
        guard let range = bytes.firstRange(of: key) else { return nil }
        let rest = bytes[range.upperBound...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
    }

    struct Report { var text: String; var json: [String: Any] }

    func report(sendSeconds: Double, e2eSeconds: Double, expectedAlerts: Int) -> Report {
        state.withLock { s in
            var ack = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var assign = ack
            var alert = ack
            for call in s.calls where call.acked > 0 {
                _ = ack.record(max(1, (call.acked - call.intended) / 1_000))
                if let id = call.incidentId {
                    if let t = s.assignedAt[id], t > call.intended { _ = assign.record((t - call.intended) / 1_000) }
                    if let t = s.alertAt[id], t > call.intended { _ = alert.record((t - call.intended) / 1_000) }
                }
            }
            func line(_ name: String, _ h: Histogram<UInt64>) -> (String, [String: Any]) {
                let ms = { (v: UInt64) in Double(v) / 1000 }
                let text = String(format: "  %-22@ n=%-8d p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  p99.9 %8.2f ms  max %8.2f ms",
                                  name as NSString, h.totalCount, ms(h.valueAtPercentile(50)), ms(h.valueAtPercentile(90)),
                                  ms(h.valueAtPercentile(99)), ms(h.valueAtPercentile(99.9)), ms(h.max))
                return (text, ["count": h.totalCount, "p50_ms": ms(h.valueAtPercentile(50)), "p90_ms": ms(h.valueAtPercentile(90)),
                               "p99_ms": ms(h.valueAtPercentile(99)), "p999_ms": ms(h.valueAtPercentile(99.9)), "max_ms": ms(h.max)])
            }
            let acked = s.calls.filter { $0.acked > 0 }.count
            let assigned = s.assignedAt.keys.filter { s.incidentIndex[$0] != nil }.count
            let (a, aj) = line("call acknowledged", ack)
            let (b, bj) = line("call → unit assigned", assign)
            let (c, cj) = line("call → enterprise alert", alert)
            let text = """
                throughput: \(String(format: "%.0f", Double(acked) / sendSeconds)) calls/s acknowledged, \(String(format: "%.0f", Double(assigned) / e2eSeconds)) calls/s end to end (acknowledged → assigned, \(assigned) seen assigned)
                latency (from the intended send time, so queueing counts):
                \(a)
                \(b)
                \(c)
                field reports: \(fieldAccepted.load(ordering: .relaxed)) accepted, \(fieldRefused.load(ordering: .relaxed)) refused; alerts seen \(s.alertAt.count) (expected \(expectedAlerts)), duplicates on the wire \(s.duplicateAlerts)
                """
            return Report(text: text, json: [
                "calls": s.calls.count, "acked": acked, "opened": s.opened, "sendSeconds": sendSeconds, "e2eSeconds": e2eSeconds,
                "ackRate": Double(acked) / sendSeconds, "e2eRate": Double(assigned) / e2eSeconds,
                "ack": aj, "assign": bj, "alert": cj, "retries": retries.load(ordering: .relaxed),
            ])
        }
    }
}

/// One client: a DEALER to intake's ROUTER with up to `window` calls in flight, resending a call
/// (same clientRef, so intake records it once) when its answer is late.
final class CallClientLoop: SocketLoop {
    let socket: Socket
    let plan: CallPlan
    let results: LoadResults
    let rate: Double
    let window: Int
    let retryAfter: UInt64
    let start: UInt64
    var next: Int
    let stride: Int
    var inFlight: [Int: (intended: UInt64, sent: UInt64)] = [:]
    let header: [UInt8] = FlatJSON.encode(["op": .string("call")])

    init(context: ZMQContext, endpoint: String, index: Int, clients: Int, plan: CallPlan, results: LoadResults,
         rate: Double, window: Int, retryAfter: Double, start: UInt64) throws {
        socket = try Socket(context, .dealer)
        try socket.configure(SocketOptions(sendHighWaterMark: 0, receiveHighWaterMark: 0, reconnectInterval: .milliseconds(50), reconnectIntervalMax: .milliseconds(500)))
        try socket.connect(endpoint)
        self.plan = plan
        self.results = results
        self.rate = rate
        self.window = window
        self.retryAfter = UInt64(retryAfter * 1e9)
        self.start = start
        self.next = index
        self.stride = clients
    }

    var inputs: [Socket] { [socket] }

    func readable(_ index: Int) {
        for _ in 0..<1024 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil, frames.count >= 3,
                  let status = try? FlatJSON.parseObject(frames[1]), case .string(let id)? = status["id"], let n = Int(id) else { return }
            guard let call = inFlight.removeValue(forKey: n) else { continue }
            if status["ok"] == .bool(true) {
                results.acknowledge(index: n, intended: call.intended, reply: frames[2])
            } else {
                inFlight[n] = (call.intended, 0)  // refused (e.g. shutting down): resend
            }
        }
    }

    func tick(now _: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let now = DispatchTime.now().uptimeNanoseconds
        for (n, call) in inFlight where now - call.sent > retryAfter {
            results.retries.add(1, ordering: .relaxed)
            send(n, intended: call.intended, now: now)
        }
        while next < plan.count && inFlight.count < window {
            let intended = rate > 0 ? start + UInt64(Double(next) / rate * 1e9) : now
            if intended > now { break }
            send(next, intended: intended, now: now)
            next += stride
        }
        if next >= plan.count && inFlight.isEmpty { return ContinuousClock.now + .seconds(1) }
        if rate > 0 && next < plan.count && inFlight.count < window {
            let intended = start + UInt64(Double(next) / rate * 1e9)
            return ContinuousClock.now + .nanoseconds(Int64(intended > now ? intended - now : 0))
        }
        return ContinuousClock.now + .milliseconds(inFlight.isEmpty ? 1 : 100)
    }

    func send(_ n: Int, intended: UInt64, now: UInt64) {
        let header = FlatJSON.encode(["op": .string("call"), "id": .string(String(n))])
        if (try? socket.send(multipart: [[], header, plan.body(n)], dontWait: true)) == true {
            inFlight[n] = (intended, now)
        } else {
            inFlight[n] = (intended, 0)
        }
    }

    func shutdown() { socket.close() }
}

/// Asks a service's ROUTER for its epoch and latest sequence (`ping`), so the observer follows
/// from now on rather than replaying the service's whole history.
func latestSequence(context: ZMQContext, router: String, attempts: Int) throws -> (epoch: String?, seq: UInt64) {
    for attempt in 1...attempts {
        // A fresh REQ each time: a REQ whose peer died mid-request is stuck in its state machine.
        do { return try latestSequence(context: context, router: router) } catch where attempt < attempts { continue }
    }
    throw ValidationError("no answer to ping from \(router)")
}

func latestSequence(context: ZMQContext, router: String) throws -> (epoch: String?, seq: UInt64) {
    let socket = try Socket(context, .req)
    defer { socket.close() }
    try socket.configure(SocketOptions(receiveTimeout: .seconds(5)))
    try socket.connect(router)
    try socket.send(FlatJSON.encode(["op": .string("ping")]))
    guard let frames = try socket.receiveMultipart(), let reply = try? FlatJSON.parseObject(frames.last ?? []),
          case .integer(let latest)? = reply["latest"] else {
        throw ValidationError("no answer to ping from \(router): is the set running?")
    }
    if case .string(let epoch)? = reply["epoch"] { return (epoch, UInt64(latest)) }
    return (nil, UInt64(latest))
}

/// Records assignments and alerts as the bus delivers them, and hands assignments to the field player.
final class LoadObserver: BusDelegate {
    let results: LoadResults
    let fieldPlayer: SocketThread<FieldPlayerLoop>?
    private let states = Mutex<[String: FollowState]>([:])

    init(results: LoadResults, fieldPlayer: SocketThread<FieldPlayerLoop>?) {
        self.results = results
        self.fieldPlayer = fieldPlayer
    }

    var caughtUp: Bool { states.withLock { $0.count == 2 && $0.values.allSatisfy { $0 == .live } } }

    func bus(received events: [Envelope], from source: String) {
        var assignments: [(String, String)] = []
        for event in events {
            guard let incident = LoadResults.stringField("incidentId", in: event.payload) else { continue }
            if event.header.type == "dispatch.assigned" {
                results.assigned(incident)
                if let unit = LoadResults.stringField("unitId", in: event.payload) { assignments.append((incident, unit)) }
            } else if event.header.type == "alert.enterprise", LoadResults.stringField("transition", in: event.payload) == "opened" {
                // Later transitions (arrived, closed) alert again by design; the check is one `opened` per incident.
                results.alerted(incident)
            }
        }
        if !assignments.isEmpty, let fieldPlayer {
            let batch = assignments
            fieldPlayer.execute { $0.pending.append(contentsOf: batch) }
        }
    }

    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) { states.withLock { $0[source] = state } }
    func busBacklog() -> Int { 0 }
}

/// Plays the field units: every assigned unit signs off, arrives, gives feedback and closes,
/// in batches to dispatch's ROUTER, resent when dispatch does not answer (it may be restarting).
final class FieldPlayerLoop: SocketLoop {
    let field: Socket
    let results: LoadResults
    var pending: [(incident: String, unit: String)] = []
    var outstanding: [String: (body: [UInt8], sent: ContinuousClock.Instant)] = [:]
    var counter = 0
    static let stages = ["signedOff", "arrived", "feedback", "closed"]

    init(context: ZMQContext, dispatchRouter: String, results: LoadResults) throws {
        field = try Socket(context, .dealer)
        try field.configure(SocketOptions(sendHighWaterMark: 0, receiveHighWaterMark: 0, reconnectInterval: .milliseconds(50), reconnectIntervalMax: .milliseconds(500)))
        try field.connect(dispatchRouter)
        self.results = results
    }

    var inputs: [Socket] { [field] }

    func readable(_ index: Int) {
        for _ in 0..<256 {
            guard let frames = (try? field.receiveMultipart(dontWait: true)) ?? nil, frames.count >= 3,
                  let status = try? FlatJSON.parseObject(frames[1]), case .string(let id)? = status["id"] else { break }
            guard outstanding.removeValue(forKey: id) != nil else { continue }
            if let object = try? JSONSerialization.jsonObject(with: Data(frames[2])) as? [String: Any] {
                results.fieldAccepted.add(object["accepted"] as? Int ?? 0, ordering: .relaxed)
                results.fieldRefused.add((object["refused"] as? [Any])?.count ?? 0, ordering: .relaxed)
            }
        }
    }

    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        for (id, request) in outstanding where now - request.sent > .seconds(3) {
            // dispatch may have restarted: send again; a repeated stage is refused, never applied twice.
            outstanding[id] = (request.body, now)
            _ = try? field.send(multipart: [[], FlatJSON.encode(["op": .string("field"), "id": .string(id)]), request.body], dontWait: true)
        }
        while !pending.isEmpty && outstanding.count < 64 {
            let batch = pending.prefix(250)
            pending.removeFirst(batch.count)
            var commands: [String] = []
            for item in batch {
                for stage in Self.stages {
                    commands.append("{\"incidentId\":\"\(item.incident)\",\"unitId\":\"\(item.unit)\",\"stage\":\"\(stage)\"\(stage == "closed" ? ",\"outcome\":\"resolvedOnScene\"" : "")}")
                }
            }
            let body = Array("{\"commands\":[\(commands.joined(separator: ","))]}".utf8)
            counter += 1
            let id = "f\(counter)"
            outstanding[id] = (body, now)
            _ = try? field.send(multipart: [[], FlatJSON.encode(["op": .string("field"), "id": .string(id)]), body], dontWait: true)
        }
        return now + .milliseconds(pending.isEmpty ? 20 : 2)
    }

    func shutdown() { field.close() }
}

/// The counts each service reports (`GET /v1/stats`).
struct SetCounts {
    var intake: [String: Any]
    var dispatch: [String: Any]
    var scoring: [String: Any]
    var liaison: [String: Any]

    static func read(_ peers: PeerOptions) async throws -> SetCounts {
        SetCounts(intake: try await HTTP.getJSON("\(peers.intake)/v1/stats"),
                  dispatch: try await HTTP.getJSON("\(peers.dispatch)/v1/stats"),
                  scoring: try await HTTP.getJSON("\(peers.scoring)/v1/stats"),
                  liaison: try await HTTP.getJSON("\(peers.liaison)/v1/stats"))
    }

    /// Reads the counts, asking again while a service restarts (a chaos run may be killing it).
    static func readRetrying(_ peers: PeerOptions, for seconds: Double) async throws -> SetCounts {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do { return try await read(peers) } catch {
                guard Date() < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func int(_ part: KeyPath<SetCounts, [String: Any]>, _ key: String) -> Int { self[keyPath: part][key] as? Int ?? 0 }
}

/// The end-of-run check across the whole set.
struct Verification {
    var lines: [(String, Int, Int)]  // what, expected, got
    var passed: Bool { lines.allSatisfy { $0.1 == $0.2 } }

    var text: String {
        var out = ["verification (expected → found):"]
        for (what, expected, got) in lines {
            out.append(String(format: "  %@ %-58@ %8d → %-8d %@", expected == got ? "✓" : "✗", what as NSString, expected, got,
                              expected == got ? "" : (got < expected ? "LOST \(expected - got)" : "DUPLICATED \(got - expected)")))
        }
        let lost = lines.map { max(0, $0.1 - $0.2) }.reduce(0, +)
        let duplicated = lines.map { max(0, $0.2 - $0.1) }.reduce(0, +)
        out.append("lost: \(lost)  duplicated: \(duplicated)  → \(passed ? "PASS" : "FAIL")")
        return out.joined(separator: "\n")
    }

    var json: [String: Any] {
        ["passed": passed, "checks": lines.map { ["check": $0.0, "expected": $0.1, "found": $0.2] }]
    }

    static func run(peers: PeerOptions, baseline: SetCounts, runId: String, acked: Int, opened: Int, expectedAlerts: Int, timeout: Double) async throws -> Verification {
        let deadline = Date().addingTimeInterval(timeout)
        var result = Verification(lines: [])
        while true {
            let now: SetCounts
            let recorded: String?
            do {
                now = try await SetCounts.read(peers)
                recorded = (try await HTTP.getJSON("\(peers.intake)/v1/calls/count?clientRefPrefix=\(runId)-"))["count"] as? String
            } catch {
                // A service restarting: ask again until the deadline.
                guard Date() < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(250))
                continue
            }
            let dIncidents = now.int(\.dispatch, "incidents") - baseline.int(\.dispatch, "incidents")
            let dAssignments = now.int(\.dispatch, "assignments") - baseline.int(\.dispatch, "assignments")
            let sAssignments = now.int(\.scoring, "incidentsAssigned") - baseline.int(\.scoring, "incidentsAssigned")
            let dAssigned = now.int(\.dispatch, "incidentsAssigned") - baseline.int(\.dispatch, "incidentsAssigned")
            let sCredited = now.int(\.scoring, "incidentsCredited") - baseline.int(\.scoring, "incidentsCredited")
            let lAlerted = now.int(\.liaison, "incidentsAlerted") - baseline.int(\.liaison, "incidentsAlerted")
            let lAlerts = now.int(\.liaison, "alerts") - baseline.int(\.liaison, "alerts")
            result = Verification(lines: [
                ("acknowledged calls recorded in intake (once each)", acked, Int(recorded ?? "0") ?? 0),
                ("opened incidents known to dispatch", opened, dIncidents),
                ("dispatched incidents credited in scoring", dAssigned, sCredited),
                ("assignments seen by scoring", dAssignments, sAssignments),
                ("enterprise incidents alerted", expectedAlerts, lAlerted),
                ("enterprise alerts (one per incident)", expectedAlerts, lAlerts),
            ])
            if result.passed || Date() >= deadline { return result }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
