import Bus
import Foundation
import Model
import Testing
import Wire

// Bad input on the bus: random, truncated and huge multipart messages, raw garbage and wrong keys
// against every socket the four services bind. None may crash or grow without bound, and every
// rejection must show in /metrics. Seeded, so a failure can be replayed (the seed is printed).

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}

/// Writes raw bytes to an `ipc://` endpoint's Unix socket, below ZeroMQ, then hangs up.
func sendRaw(_ bytes: [UInt8], to endpoint: String) {
    let path = String(endpoint.dropFirst("ipc://".count))
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
    }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard connected == 0 else { return }
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// Resident memory of a process, from /proc, in bytes.
func residentBytes(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

@Suite(.serialized, .processLevel)
struct BusFuzzTests {
    @Test func randomTruncatedHugeMessagesAndWrongKeysCrashNothingLeakNothingAndAreCounted() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("BusFuzzTests seed \(seed)")
        var random = SplitMix64(seed: seed)
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let services = Cluster.services
        let keys = try Keys(
            in: cluster.root,
            services.map { ($0, "service", [String]()) } + [
                ("fuzzer", "service", []), ("acme", "integrator", ["alert.enterprise.E0001"]),
            ])
        let stranger = try CurveKeyPair.generate()  // in no keyring
        let gateway = cluster.endpoint("liaison", "integrators")
        for s in services {
            try cluster.start(s, as: s, arguments: cluster.arguments(for: s) + keys.arguments(s))
        }
        try await cluster.waitReady(services)
        let fuzzer = try CurveKeyPair.load(from: URL(fileURLWithPath: keys.file("fuzzer")))
        let acme = try CurveKeyPair.load(from: URL(fileURLWithPath: keys.file("acme")))
        let context = try ZMQContext()

        /// A socket with `keyPair` connected to `endpoint` of `service`.
        func client(_ type: SocketType, _ keyPair: CurveKeyPair, _ service: String, _ endpoint: String) throws -> Socket {
            let s = try Socket(context, type)
            try s.makeCurveClient(keyPair, serverKey: keys.publicKeys[service]!)
            try s.connect(endpoint)
            return s
        }

        func round() async throws {
            var opened: [Socket] = []
            defer { for s in opened { s.close() } }
            for service in services {
                let router = cluster.endpoint(service, "router")
                let pub = cluster.endpoint(service, "pub")
                // Below ZeroMQ: garbage, and a greeting cut short.
                for endpoint in [router, pub] + (service == "liaison" ? [gateway] : []) {
                    sendRaw(random.bytes(Int.random(in: 1...4096, using: &random)), to: endpoint)
                    sendRaw([0xFF] + Array(repeating: 0, count: 8) + [0x7F, 3, 0] + Array("CURVE".utf8), to: endpoint)
                }
                // Wrong keys: unknown to the keyring, and an integrator on a service socket. Kept
                // open to the end of the round, so their handshakes happen (and are retried).
                for key in [stranger, acme] {
                    let dealer = try client(.dealer, key, service, router)
                    _ = try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("ping")])], dontWait: true)
                    let sub = try client(.sub, key, service, pub)
                    try sub.subscribe("")
                    opened += [dealer, sub]
                }
                // A key the keyring lists, sending nonsense: random and truncated requests, a
                // request over the size limit, and a frame over libzmq's own limit.
                let dealer = try client(.dealer, fuzzer, service, router)
                defer { dealer.close() }
                let valid = Array(#"{"op":"replay","id":"f","source":"x","after":0,"limit":10}"#.utf8)
                for _ in 0..<20 {
                    let frames = (0..<Int.random(in: 1...6, using: &random)).map { _ in random.bytes(Int.random(in: 0...512, using: &random)) }
                    try dealer.send(multipart: [[]] + frames)
                    try dealer.send(multipart: [[], Array(valid.prefix(Int.random(in: 0..<valid.count, using: &random)))])
                }
                try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("no-such-op")])])
                try dealer.send(multipart: [[], Array(repeating: UInt8(ascii: "x"), count: 2 << 20)])
                let huge = try client(.dealer, fuzzer, service, router)
                try huge.send(multipart: [[], Array(repeating: 0, count: 20 << 20)])
                opened.append(huge)
                // Random "subscriptions" and a huge one at the PUB, through an XSUB.
                let xsub = try client(.xsub, fuzzer, service, pub)
                for _ in 0..<20 {
                    try xsub.send(
                        multipart: (0..<Int.random(in: 1...3, using: &random)).map { _ in random.bytes(Int.random(in: 0...256, using: &random)) })
                }
                // (First byte 2, not 1: an XSUB keeps the subscriptions it sends in a trie whose
                // recursive teardown overflows libzmq's reaper stack on one of 256 KiB.)
                try xsub.send([2] + Array(repeating: 0x41, count: 256 << 10))
                opened.append(xsub)
                // The same at the gateway, as an integrator.
                if service == "liaison" {
                    let x = try client(.xsub, acme, service, gateway)
                    for _ in 0..<20 {
                        try x.send(
                            multipart: (0..<Int.random(in: 1...3, using: &random)).map { _ in random.bytes(Int.random(in: 0...64, using: &random)) })
                    }
                    try x.send([1] + Array("alert.officer.".utf8))
                    try x.send([2] + Array(repeating: 0x41, count: 64 << 10))
                    opened.append(x)
                }
                // Answers prove the ROUTER still serves after the nonsense (and drain its replies).
                try await pingUntilAnswered(dealer, service)
            }
        }

        func pingUntilAnswered(_ socket: Socket, _ service: String) async throws {
            try socket.send(multipart: [[], FlatJSON.encode(["op": .string("ping")])])
            try await eventually("\(service) to answer a ping after the fuzz") {
                while let frames = try socket.receiveMultipart(dontWait: true) {
                    if frames.count == 2, let o = try? FlatJSON.parseObject(frames[1]), o["service"] == .string(service) { return true }
                }
                return false
            }
        }

        func pids() -> [String: Int32] { cluster.pids }
        try await round()  // warms allocators and caches
        let before = pids().mapValues(residentBytes)
        for _ in 0..<9 { try await round() }
        let after = pids().mapValues(residentBytes)
        print(
            "BusFuzzTests resident memory before/after nine rounds (MiB):",
            Cluster.services.map { "\($0) \((before[$0] ?? 0) >> 20)/\((after[$0] ?? 0) >> 20)" })

        for service in services {
            #expect(cluster.isRunning(service), "\(service) died under fuzz: \(cluster.log(service).suffix(2000))")
            let base = try await cluster.http(service)
            #expect(try await HTTPClient.get("\(base)/healthz").status == 200)
            let growth = (after[service] ?? 0) - (before[service] ?? 0)
            #expect(growth < 24 << 20, "\(service) grew \(growth >> 20) MiB over nine fuzz rounds after the first")
            let label = "service=\"\(service)\""
            // Requests are answered in order, so these were all counted before the last ping's answer.
            let page = String(decoding: try await HTTPClient.get("\(base)/metrics").body, as: UTF8.self)
            #expect(metric(page, "precinct_bus_rejected_requests_total", [label, "reason=\"malformed\""]) >= 10 * 40)
            #expect(metric(page, "precinct_bus_rejected_requests_total", [label, "reason=\"unknown_op\""]) == 10)
            #expect(metric(page, "precinct_bus_rejected_requests_total", [label, "reason=\"oversize\""]) == 10)
            // Handshakes and subscriptions are counted as libzmq reports them: wait for them.
            var expected: [(String, [String])] = [
                ("precinct_bus_auth_denied_total", ["reason=\"unknown_key\""]),
                ("precinct_bus_auth_denied_total", ["reason=\"integrator_on_service_socket\""]),
                ("precinct_bus_handshake_failures_total", ["socket=\"router\""]),
                ("precinct_bus_handshake_failures_total", ["socket=\"pub\""]),
                ("precinct_bus_disconnects_total", ["socket=\"router\""]),
                ("precinct_bus_disconnects_total", ["socket=\"pub\""]),
            ]
            if service == "liaison" {
                expected += [
                    ("precinct_bus_subscriptions_refused_total", ["reason=\"malformed\""]),
                    ("precinct_bus_subscriptions_refused_total", ["reason=\"not_granted\""]),
                    ("precinct_bus_handshake_failures_total", ["socket=\"integrators\""]),
                    ("precinct_bus_disconnects_total", ["socket=\"integrators\""]),
                ]
            }
            for (name, labels) in expected {
                try await eventually("\(service): \(name) \(labels) counted") {
                    let page = String(decoding: try await HTTPClient.get("\(base)/metrics").body, as: UTF8.self)
                    return metric(page, name, [label] + labels) >= 5
                }
            }
        }
        // Nothing the fuzz sent became an event: the services' own traffic is untouched.
        for service in services {
            let log = cluster.log(service)
            #expect(!log.contains("Fatal error") && !log.contains("Assertion failed"), "\(service): \(log.suffix(2000))")
        }
    }
}
