import Bus
import CZeroMQ
import Foundation
import Synchronization
import TestSupport
import Testing
import Wire

// CURVE on the bus and the integrator gateway, in one process but with one ZeroMQ context per
// "host" (a ZAP handler belongs to a context, as it belongs to a process in production). Every
// key is generated here, at test time.

/// Keys and a keyring for alpha, bravo (services), acme and other (integrators) and a stranger.
struct TestKeys {
    let alpha, bravo, tool, acme, other, stranger, analyst, console: CurveKeyPair
    let keyring: Keyring

    init() throws {
        alpha = try .generate()
        bravo = try .generate()
        tool = try .generate()
        acme = try .generate()
        other = try .generate()
        stranger = try .generate()
        analyst = try .generate()
        console = try .generate()
        keyring = try Keyring.parse(
            """
            # test keyring
            alpha  service  \(alpha.publicKey)
            bravo  service  \(bravo.publicKey)
            tool   service  \(tool.publicKey)
            acme   integrator  \(acme.publicKey)   alert.enterprise.E0001 cap.enterprise.E0001
            other  integrator  \(other.publicKey)  alert.enterprise.E0002
            analyst-1  analyst  \(analyst.publicKey)
            console-1  dispatcher  \(console.publicKey)
            """)
    }

    func security(_ keyPair: CurveKeyPair) -> BusSecurity { BusSecurity(keyPair: keyPair, keyring: keyring) }
}

/// An enterprise alert event of alpha's outbox.
func alertEvent(_ seq: UInt64, enterprise: String) -> OutboundEvent {
    let header = EventHeader(type: "alert.enterprise", version: 1, source: "alpha", epoch: "ep-a", seq: seq, time: "2026-11-22T08:00:00.000Z")
    return OutboundEvent(seq: seq, topic: bytes("alert.enterprise.\(enterprise)"), header: header.encoded(), payload: bytes(#"{"n":\#(seq)}"#))
}

/// A secured alpha with an integrator gateway, its outbox in memory.
final class SecuredAlpha {
    let context: ZMQContext
    let source: MemorySource
    let bus: ServiceBus
    let keys: TestKeys

    init(keys: TestKeys, render: @escaping @Sendable (OutboundEvent) -> [OutboundEvent] = { _ in [] }) throws {
        self.keys = keys
        context = try ZMQContext()
        source = MemorySource(service: "alpha", epoch: "ep-a")
        var config = BusConfig(service: "alpha", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*", epoch: "ep-a", latestSeq: 0)
        config.heartbeatInterval = .milliseconds(20)
        config.security = keys.security(keys.alpha)
        config.gateway = GatewayConfig(endpoint: "tcp://127.0.0.1:*", topics: ["alert.enterprise."], render: render)
        bus = try ServiceBus(config: config, context: context, delegate: source, logger: quietLogger)
        source.state.withLock { $0.bus = bus }
    }

    /// A SUB connected to the gateway with `keyPair` (in a context of its own: another host).
    func integrator(_ keyPair: CurveKeyPair, subscribing prefixes: [String], endpoint: String? = nil) throws -> (ZMQContext, Socket) {
        let context = try ZMQContext()
        let sub = try Socket(context, .sub)
        try sub.makeCurveClient(keyPair, serverKey: keys.alpha.publicKey)
        for prefix in prefixes { try sub.subscribe(prefix) }
        try sub.connect(endpoint ?? bus.gatewayEndpoint!)
        return (context, sub)
    }

    /// Pings alpha's ROUTER with `keyPair` until answered; `nil` when it never answers within `timeout`.
    func ping(with keyPair: CurveKeyPair?, serverKey: String? = nil, timeout: Duration) async throws -> [[UInt8]]? {
        let context = try ZMQContext()
        let dealer = try Socket(context, .dealer)
        if let keyPair { try dealer.makeCurveClient(keyPair, serverKey: serverKey ?? keys.alpha.publicKey) }
        try dealer.connect(bus.routerEndpoint)
        defer { dealer.close() }
        try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("ping")])])
        return try? await receive(dealer, timeout: timeout, "ping reply")
    }
}

@Suite("CURVE keys and keyring")
struct KeyringTests {
    @Test("generated keys are 40 characters of Z85 and survive their key file")
    func keyFileRoundTrip() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.count == 40 && pair.secretKey.count == 40 && pair.publicKey != pair.secretKey)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-\(UUID().uuidString).key")
        defer { try? FileManager.default.removeItem(at: file) }
        try pair.fileContents(name: "intake").write(to: file, atomically: true, encoding: .utf8)
        #expect(try CurveKeyPair.load(from: file) == pair)
    }

    @Test("keyring problems name the line and what is wrong")
    func keyringErrors() throws {
        let key = try CurveKeyPair.generate().publicKey
        func problem(_ text: String) -> String? {
            do {
                _ = try Keyring.parse(text, file: "ring")
                return nil
            } catch { return error.message }
        }
        #expect(problem("intake service \(key)") == nil)
        // A person's tool carries its role; the ROUTER checks it against the role table.
        #expect(problem("console-3 dispatcher \(key)") == nil)
        #expect(try Keyring.parse("console-3 dispatcher \(key)").entry(named: "console-3")?.role == .dispatcher)
        #expect(problem("console-3 dispatcher \(key) alert.")?.contains("topic prefixes are for integrators") == true)
        #expect(problem("\n\nintake boss \(key)")?.contains("ring line 3: role 'boss'") == true)
        #expect(problem("intake service not-a-key")?.contains("not 40 characters of Z85") == true)
        #expect(problem("acme integrator \(key)")?.contains("has no topic prefixes") == true)
        #expect(problem("intake service \(key) alert.")?.contains("topic prefixes are for integrators") == true)
        #expect(problem("a service \(key)\nb service \(key)")?.contains("same public key") == true)
        #expect(problem("intake")?.contains("line 1: expected") == true)
    }

    @Test("a subscription is granted only inside a granted prefix")
    func grants() throws {
        let entry = Keyring.Entry(
            name: "acme", role: .integrator, publicKey: try CurveKeyPair.generate().publicKey,
            grants: ["alert.enterprise.E0001", "cap.enterprise.E0001"])
        #expect(entry.mayRead(bytes("alert.enterprise.E0001")))
        #expect(entry.mayRead(bytes("cap.enterprise.E0001")))
        #expect(!entry.mayRead(bytes("alert.enterprise.")), "broader than the grant")
        #expect(!entry.mayRead(bytes("")), "everything")
        #expect(!entry.mayRead(bytes("alert.enterprise.E0002")))
        #expect(!entry.mayRead(bytes("alert.officer.")))
    }
}

@Suite("CURVE on the bus")
struct CurveBusTests {
    @Test("a secured follower replays and follows a secured source")
    func securedFollow() async throws {
        let keys = try TestKeys()
        let alpha = try SecuredAlpha(keys: keys)
        defer { alpha.bus.stop() }
        alpha.bus.publish(alpha.source.commit(1...5))
        let recorder = Recorder()
        let context = try ZMQContext()  // bravo's host
        var config = BusConfig(
            service: "bravo", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: [FollowSpec(source: "alpha", pubEndpoint: alpha.bus.pubEndpoint, routerEndpoint: alpha.bus.routerEndpoint)],
            epoch: "ep-b", latestSeq: 0)
        config.security = keys.security(keys.bravo)
        let bravo = try ServiceBus(config: config, context: context, delegate: recorder, logger: quietLogger)
        defer { bravo.stop() }
        await eventually("replayed over CURVE") { recorder.seqs.count >= 5 }
        await eventually("bravo's SUB hears alpha") { bravo.stats.received.value > 0 }
        alpha.bus.publish(alpha.source.commit(6...8))
        await eventually("live over CURVE") { recorder.seqs.count >= 8 }
        #expect(recorder.seqs == Array(1...8))
        #expect(alpha.bus.stats.value("auth_accepted") >= 2, "bravo's SUB and DEALER were admitted by the ZAP handler")
        #expect(alpha.bus.stats.value("auth_denied", [("reason", "unknown_key")]) == 0)
    }

    @Test("a follower missing its source's key in the keyring refuses to start, naming it")
    func missingPeerKey() throws {
        let keys = try TestKeys()
        var config = BusConfig(
            service: "bravo", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: [FollowSpec(source: "zulu", pubEndpoint: "tcp://127.0.0.1:1", routerEndpoint: "tcp://127.0.0.1:2")],
            epoch: "ep-b", latestSeq: 0)
        config.security = keys.security(keys.bravo)
        #expect { try ServiceBus(config: config, context: try ZMQContext(), delegate: Recorder(), logger: quietLogger) } throws: {
            "\($0)".contains("no service key named 'zulu'")
        }
    }

    @Test("unknown keys, integrator keys, a wrong server key and plaintext get no answer, and each is counted")
    func refusals() async throws {
        let keys = try TestKeys()
        let alpha = try SecuredAlpha(keys: keys)
        defer { alpha.bus.stop() }
        func failures() -> Int {
            ["protocol", "other"].reduce(0) { $0 + alpha.bus.stats.value("handshake_failures", [("socket", "router"), ("reason", $1)]) }
        }
        // First, on a socket nobody else has touched: plaintext fails the handshake.
        #expect(try await alpha.ping(with: nil, timeout: .milliseconds(300)) == nil, "plaintext is refused")
        await eventually("the plaintext client's failed handshake counted") { failures() >= 1 }

        // A key the keyring lists is answered: the socket works.
        let answered = try await alpha.ping(with: keys.tool, timeout: .seconds(30))
        #expect(answered != nil)

        #expect(try await alpha.ping(with: keys.stranger, timeout: .milliseconds(300)) == nil)
        await eventually("the stranger's key denied") { alpha.bus.stats.value("auth_denied", [("reason", "unknown_key")]) >= 1 }

        #expect(alpha.bus.stats.value("handshake_failures", [("socket", "router"), ("reason", "auth")]) >= 1)

        // An integrator key may not read the service's own PUB (alpha runs a gateway, so its ROUTER
        // admits integrators, for their filtered replay only: ServiceHost refuses every other op).
        let (context, sub) = try alpha.integrator(keys.acme, subscribing: [""], endpoint: alpha.bus.pubEndpoint)
        defer {
            sub.close()
            _ = context
        }
        await eventually("an integrator on the service's PUB denied") {
            alpha.bus.stats.value("auth_denied", [("reason", "integrator_on_service_socket")]) >= 1
        }
        #expect(try await alpha.ping(with: keys.acme, timeout: .seconds(30)) != nil, "the gateway's ROUTER admits integrators")

        // The client cannot complete the handshake with a server key that is not alpha's; the
        // server sees a message it cannot decrypt.
        let before = failures()
        #expect(try await alpha.ping(with: keys.tool, serverKey: keys.bravo.publicKey, timeout: .milliseconds(300)) == nil)
        await eventually("the wrong server key's failed handshake counted") { failures() > before }
    }

    @Test("a service's PUB (unmasked events) admits service, operator, dispatcher and supervisor keys only; an analyst's key is refused")
    func publisherReaders() async throws {
        let keys = try TestKeys()
        let alpha = try SecuredAlpha(keys: keys)
        defer { alpha.bus.stop() }
        func subscriber(_ keyPair: CurveKeyPair) throws -> (ZMQContext, Socket) {
            try alpha.integrator(keyPair, subscribing: [""], endpoint: alpha.bus.pubEndpoint)
        }
        let (analystContext, analystSub) = try subscriber(keys.analyst)
        let (consoleContext, consoleSub) = try subscriber(keys.console)
        defer {
            analystSub.close()
            consoleSub.close()
            _ = (analystContext, consoleContext)
        }
        await eventually("the analyst's key refused on the PUB") {
            alpha.bus.stats.value("auth_denied", [("reason", "role_may_not_subscribe")]) >= 1
        }
        // The console's key hears what alpha publishes (heartbeats and events, while they flow).
        var heard = false
        var n: UInt64 = 0
        var tries = 0
        await eventually("the dispatcher's key hears alpha's PUB") {
            tries += 1
            if tries % 25 == 1 {  // every 50 ms or so, until the subscription has joined
                n += 1
                alpha.bus.publish(alpha.source.commit(n...n))
            }
            while let frames = try? consoleSub.receiveMultipart(dontWait: true) {
                if frames.first.map({ String(decoding: $0, as: UTF8.self).hasPrefix("incident.opened") }) == true { heard = true }
            }
            return heard
        }
        #expect(heard)
        var analystHeard = 0
        while (try? analystSub.receiveMultipart(dontWait: true)) != nil { analystHeard += 1 }
        #expect(analystHeard == 0, "the analyst's SUB never completed its handshake")
        #expect(try await alpha.ping(with: keys.analyst, timeout: .seconds(30)) != nil, "its ROUTER still answers the analyst's key (role table there)")
    }

    @Test("the gateway gives each integrator only what its key was granted")
    func gatewayRights() async throws {
        let keys = try TestKeys()
        let alpha = try SecuredAlpha(keys: keys) { event in
            // A second rendering, as liaison adds CAP: on its own topic, same order.
            let capTopic = Array("cap.".utf8) + event.topic.drop(while: { $0 != UInt8(ascii: ".") }).dropFirst()
            return [OutboundEvent(seq: event.seq, topic: capTopic, header: event.header, payload: bytes("<alert/>"))]
        }
        defer { alpha.bus.stop() }
        let (acmeContext, acme) = try alpha.integrator(
            keys.acme, subscribing: ["alert.enterprise.E0001", "cap.enterprise.E0001", "alert.enterprise."])
        let (otherContext, other) = try alpha.integrator(keys.other, subscribing: ["alert.enterprise.E0001", "alert.enterprise.E0002"])
        defer {
            acme.close()
            other.close()
            _ = (acmeContext, otherContext)
        }

        await eventually("four subscriptions accepted, two refused") {
            alpha.bus.stats.value("subscriptions_accepted") >= 3 && alpha.bus.stats.value("subscriptions_refused", [("reason", "not_granted")]) >= 2
        }
        #expect(alpha.bus.stats.value("subscriptions_accepted") == 3)
        #expect(alpha.bus.stats.value("subscriptions_refused", [("reason", "not_granted")]) == 2)

        // E0001's alert first, then E0002's: whatever other could have had of E0001 would arrive first.
        alpha.bus.publish([alertEvent(1, enterprise: "E0001"), outbound(2), alertEvent(3, enterprise: "E0002")])
        let acmeFirst = try await receive(acme, "acme's alert")
        let acmeSecond = try await receive(acme, "acme's CAP alert")
        #expect(text(acmeFirst[0]) == "alert.enterprise.E0001")
        #expect(text(acmeSecond[0]) == "cap.enterprise.E0001")
        let otherFirst = try await receive(other, "other's alert")
        #expect(text(otherFirst[0]) == "alert.enterprise.E0002", "other never sees E0001's alert")
        #expect(try acme.receiveMultipart(dontWait: true) == nil, "acme gets nothing of E0002 nor the internal event")
        #expect(try other.receiveMultipart(dontWait: true) == nil)
    }

    @Test("a stranger's key cannot even connect to the gateway")
    func gatewayStranger() async throws {
        let keys = try TestKeys()
        let alpha = try SecuredAlpha(keys: keys)
        defer { alpha.bus.stop() }
        let (context, stranger) = try alpha.integrator(keys.stranger, subscribing: [""])
        defer {
            stranger.close()
            _ = context
        }
        await eventually("the stranger denied") { alpha.bus.stats.value("auth_denied", [("reason", "unknown_key")]) >= 1 }
        alpha.bus.publish([alertEvent(1, enterprise: "E0001")])
        // The acme key, subscribed after the stranger, receives the alert: so the stranger had its chance.
        let (acmeContext, acme) = try alpha.integrator(keys.acme, subscribing: ["alert.enterprise.E0001"])
        defer {
            acme.close()
            _ = acmeContext
        }
        await eventually("acme subscribed") { alpha.bus.stats.value("subscriptions_accepted") >= 1 }
        alpha.bus.publish([alertEvent(2, enterprise: "E0001")])
        _ = try await receive(acme, "acme's alert")
        #expect(try stranger.receiveMultipart(dontWait: true) == nil)
        #expect(alpha.bus.stats.value("subscriptions_accepted") == 1)
    }
}
