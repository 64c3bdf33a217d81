import Bus
import Foundation
import Model
import Testing
import Wire

// Issue 9 end to end: a set secured with CURVE (keys made here by `precinct keys`), the
// integrator gateway on liaison, and the two example subscribers (pyzmq, Swift) as integrators.

/// Keys made by `precinct keys generate`, and the keyring assembled from the lines it prints.
struct Keys {
    let dir: URL
    let keyring: URL
    var publicKeys: [String: String] = [:]

    init(in root: URL, _ entries: [(name: String, role: String, grants: [String])]) throws {
        dir = root.appendingPathComponent("keys")
        keyring = dir.appendingPathComponent("keyring")
        var lines = ["# made by IntegratorTests"]
        for entry in entries {
            let out = root.appendingPathComponent("keys-\(entry.name).out")
            let program = try Program(
                Cluster.binDirectory.appendingPathComponent("precinct"),
                ["keys", "generate", entry.name, "--role", entry.role, "--dir", dir.path] + entry.grants.flatMap { ["--grant", $0] },
                output: out)
            program.process.waitUntilExit()
            guard program.process.terminationStatus == 0 else { throw ClusterError("precinct keys generate \(entry.name): \(program.text)") }
            let line = program.text.trimmingCharacters(in: .whitespacesAndNewlines)
            lines.append(line)
            publicKeys[entry.name] = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)[2]
        }
        try lines.joined(separator: "\n").write(to: keyring, atomically: true, encoding: .utf8)
    }

    func file(_ name: String) -> String { dir.appendingPathComponent("\(name).key").path }
    func arguments(_ name: String) -> [String] { ["--curve-key", file(name), "--curve-keyring", keyring.path] }
}

/// One counter's value from a Prometheus text page (summing every series that matches `labels`).
func metric(_ page: String, _ name: String, _ labels: [String] = []) -> Int {
    page.split(separator: "\n").filter { line in
        line.hasPrefix(name + "{") && labels.allSatisfy { line.contains($0) }
    }.reduce(0) { $0 + (Int(Double($1.split(separator: " ").last ?? "0") ?? 0)) }
}

@Suite(.serialized, .processLevel)
struct IntegratorEndToEndTests {
    static let python = Cluster.packageRoot.appendingPathComponent(".build/pyenv/bin/python")

    @Test func examplesReceiveAlertsOverCurveNoKeyReadsBeyondItsGrantsAndNoPersonalDataLeaks() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            Issue.record("\(Self.python.path) is missing: run `make pyenv` (make test does)")
            return
        }
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let keys = try Keys(
            in: cluster.root,
            [
                ("intake", "service", []), ("dispatch", "service", []), ("liaison", "service", []),
                ("acme", "integrator", ["alert.enterprise.E0002", "cap.enterprise.E0002"]),
                ("other", "integrator", ["alert.enterprise.E0003"]),
                ("auditor", "integrator", Topics.integratorFacing),
                // People's keys: their ROUTER requests obey the role table (docs/security.md).
                ("desk-analyst", "analyst", []), ("desk-dispatcher", "dispatcher", []), ("desk-liaison", "liaison-officer", []),
            ])
        let gateway = cluster.endpoint("liaison", "integrators")
        let services = ["intake", "dispatch", "liaison"]
        for s in services {
            try cluster.start(s, as: s, arguments: cluster.arguments(for: s) + keys.arguments(s))
        }
        // Ready means every followed source caught up: over CURVE, through each ZAP handler.
        try await cluster.waitReady(services)
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let liaison = try await cluster.http("liaison")
        #expect(cluster.log("liaison").contains("bus is CURVE-encrypted"))

        let liaisonKey = keys.publicKeys["liaison"]!
        func subscriberArguments(_ name: String, _ prefixes: [String], count: Int) -> [String] {
            ["--endpoint", gateway, "--server-key", liaisonKey, "--key", keys.file(name), "--count", "\(count)", "--timeout", "120"]
                + prefixes.flatMap { ["--subscribe", $0] }
        }
        let script = Cluster.packageRoot.appendingPathComponent("Examples/python/subscriber.py").path
        let swiftExample = Cluster.binDirectory.appendingPathComponent("precinct-example-subscriber")
        // acme reads E0002's alerts as JSON and CAP; other may read E0003 only and asks for E0002 too.
        let python = try Program(
            Self.python, [script] + subscriberArguments("acme", ["alert.enterprise.E0002", "cap.enterprise.E0002"], count: 2),
            output: cluster.root.appendingPathComponent("python.out"))
        let swift = try Program(
            swiftExample, subscriberArguments("acme", ["alert.enterprise.E0002"], count: 1),
            output: cluster.root.appendingPathComponent("swift.out"))
        let other = try Program(
            swiftExample, subscriberArguments("other", ["alert.enterprise.E0002", "alert.enterprise.E0003"], count: 1),
            output: cluster.root.appendingPathComponent("other.out"))
        let auditor = try Program(
            Self.python, [script] + subscriberArguments("auditor", Topics.integratorFacing, count: 0),
            output: cluster.root.appendingPathComponent("auditor.out"))
        defer { for p in [python, swift, other, auditor] { p.stop() } }

        // Every subscription reached the gateway before any alert: 2 + 1 + 1 + 2 accepted, other's E0002 refused.
        try await eventually("the gateway to have every subscription") {
            let page = String(decoding: try await HTTPClient.get("\(liaison)/metrics").body, as: UTF8.self)
            return metric(page, "precinct_bus_subscriptions_accepted_total") >= 6
                && metric(page, "precinct_bus_subscriptions_refused_total", ["reason=\"not_granted\""]) >= 1
        }

        // A call inside E0002's geofence, full of personal data, taken through to closed.
        let secrets = ["钱机密", "13911112222", "幸福路88号", "家门被撬"]
        let incidentE0002 = try await call(intake, at: demoEnterprise("E0002"), ref: "integrator-1", secrets: secrets)
        #expect(try await python.waitExit("the Python example's JSON and CAP alerts") == 0, "\(python.text)")
        #expect(try await swift.waitExit("the Swift example's alert") == 0, "\(swift.text)")
        try await closeThroughField(dispatch, incidentE0002)
        let secrets2 = ["孙隐私", "13933334444", "平安街9号", "车窗被砸"]
        let incidentE0003 = try await call(intake, at: demoEnterprise("E0003"), ref: "integrator-2", secrets: secrets2)
        #expect(try await other.waitExit("other's E0003 alert") == 0, "\(other.text)")

        // The examples received the alert, as JSON and as CAP.
        let pythonLines = python.lines
        #expect(pythonLines.map { $0["topic"] as? String } == ["alert.enterprise.E0002", "cap.enterprise.E0002"])
        #expect((pythonLines.first?["header"] as? [String: Any])?["correlationId"] as? String == incidentE0002)
        #expect((pythonLines.last?["payload"] as? String)?.contains("urn:oasis:names:tc:emergency:cap:1.2") == true)
        // The CAP rendering is an event of its own, caused by the alert (docs/asyncapi.yaml, EventHeader.id).
        let alertHeader = pythonLines.first?["header"] as? [String: Any]
        let capHeader = pythonLines.last?["header"] as? [String: Any]
        #expect(capHeader?["type"] as? String == "cap.enterprise")
        #expect(capHeader?["id"] as? String == (alertHeader?["id"] as? String).map { $0 + ":cap" })
        #expect(capHeader?["causationId"] as? String == alertHeader?["id"] as? String)
        #expect(swift.lines.first?["topic"] as? String == "alert.enterprise.E0002")
        // other's key may not read E0002: it asked, was refused, and got E0003's alert only,
        // although E0002's was published first.
        #expect(other.lines.map { $0["topic"] as? String } == ["alert.enterprise.E0003"], "\(other.text)")
        #expect(((other.lines.first?["header"] as? [String: Any])?["correlationId"] as? String) == incidentE0003)

        // Everything integrators can reach, for both incidents and every transition: no personal data.
        try await eventually("the auditor to see E0002's opened, arrived and closed alerts, twice each (JSON and CAP)") {
            auditor.lines.filter { ($0["header"] as? [String: Any])?["correlationId"] as? String == incidentE0002 }.count >= 6
        }
        let seen = auditor.text
        #expect(!seen.isEmpty)
        for secret in secrets + secrets2 + ["\"caller\"", "\"phone\""] {
            #expect(!seen.contains(secret), "personal data on an integrator-facing topic: \(secret)")
        }
        #expect(auditor.lines.allSatisfy { line in Topics.integratorFacing.contains { (line["topic"] as? String ?? "").hasPrefix($0) } })

        // Catching up: liaison's ROUTER replays to an integrator what the gateway sent it, within its grants.
        let router = cluster.endpoint("liaison", "router")
        let acmeReplay = try await replayAsIntegrator(keys, "acme", router)
        #expect(acmeReplay.filter { $0.hasPrefix("alert.enterprise.E0002") }.count == 3, "\(acmeReplay)")
        #expect(acmeReplay.filter { $0.hasPrefix("cap.enterprise.E0002") }.count == 3, "\(acmeReplay)")
        #expect(acmeReplay.count == 6, "nothing else: \(acmeReplay)")
        #expect(try await replayAsIntegrator(keys, "other", router) == ["alert.enterprise.E0003"])
        // Anything but replay is refused, and counted.
        let refused = try await request(keys, "acme", router, ["op": .string("enterprises")])
        #expect(refused.first.flatMap { try? FlatJSON.parseObject($0) }?["status"] == .integer(403))
        let page = String(decoding: try await HTTPClient.get("\(liaison)/metrics").body, as: UTF8.self)
        #expect(metric(page, "precinct_bus_rejected_requests_total", ["reason=\"forbidden\""]) >= 1)

        // A person's key runs over the ROUTER exactly what its role may run over HTTP.
        let expected: [(key: String, op: String, status: Int)] = [
            ("desk-analyst", "stats", 200), ("desk-analyst", "case.list", 403), ("desk-analyst", "alerts", 403),
            ("desk-dispatcher", "alerts", 200), ("desk-dispatcher", "case.list", 403), ("desk-dispatcher", "stats", 403),
            ("desk-liaison", "case.list", 200), ("desk-liaison", "stats", 200), ("intake", "case.list", 200),
        ]
        for (key, op, status) in expected {
            let frames = try await request(keys, key, router, ["op": .string(op), "id": .string("\(key)-\(op)")])
            #expect(frames.first.flatMap { try? FlatJSON.parseObject($0) }?["status"] == .integer(Int64(status)), "\(key) \(op)")
        }
    }

    /// One request to a ROUTER with `name`'s key; the reply's frames.
    func request(_ keys: Keys, _ name: String, _ router: String, _ body: KeyValuePairs<String, FlatJSON.Value>) async throws -> [[UInt8]] {
        let context = try ZMQContext()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close() }
        try dealer.makeCurveClient(try CurveKeyPair.load(from: URL(fileURLWithPath: keys.file(name))), serverKey: keys.publicKeys["liaison"]!)
        try dealer.connect(router)
        try dealer.send(multipart: [[], FlatJSON.encode(body)])
        var reply: [[UInt8]]?
        try await eventually("\(name)'s reply from \(router)") {
            reply = try dealer.receiveMultipart(dontWait: true)
            return reply != nil
        }
        return Array(reply!.dropFirst())  // the delimiter
    }

    /// Every topic liaison replays to `name`, paging with `through`.
    func replayAsIntegrator(_ keys: Keys, _ name: String, _ router: String) async throws -> [String] {
        var topics: [String] = []
        var after: Int64 = 0
        while true {
            let frames = try await request(
                keys, name, router,
                ["op": .string("replay"), "id": .string("r\(after)"), "source": .string("liaison"), "after": .integer(after), "limit": .integer(50)])
            let reply = try FlatJSON.parseObject(frames[0])
            guard reply["ok"] == .bool(true), case .integer(let through)? = reply["through"], case .integer(let latest)? = reply["latest"] else {
                throw ClusterError("replay refused: \(String(decoding: frames[0], as: UTF8.self))")
            }
            topics += stride(from: 1, to: frames.count, by: 3).map { String(decoding: frames[$0], as: UTF8.self) }
            if through >= latest { return topics }
            after = through
        }
    }

    /// Posts a 110 call at an enterprise's registered point; returns the incident id.
    func call(_ intake: String, at enterprise: [String: Any], ref: String, secrets: [String]) async throws -> String {
        let (lat, lon) = location(enterprise)
        let body: [String: Any] = [
            "channel": "110", "caller": ["name": secrets[0], "phone": secrets[1]],
            "location": ["lat": lat, "lon": lon, "address": secrets[2]], "categoryHint": "criminal",
            "description": "\(secrets[3])，报警人\(secrets[0])住\(secrets[2])", "callTaker": "CT01", "clientRef": ref,
        ]
        let (status, reply) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: body)
        #expect(status == 201, "\(String(decoding: reply, as: UTF8.self))")
        return try #require(json(reply)["incidentId"] as? String)
    }
}
