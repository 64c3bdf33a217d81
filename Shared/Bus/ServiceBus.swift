import CZeroMQ
import Foundation
import Logging
import Synchronization
import Wire

/// A source this service follows: where its PUB and ROUTER are, and where to resume.
public struct FollowSpec: Sendable, Equatable {
    public var source: String
    public var pubEndpoint: String
    public var routerEndpoint: String
    /// The last sequence already applied from this source (0: nothing yet).
    public var lastApplied: UInt64
    /// The source epoch `lastApplied` belongs to (`nil`: never heard from it).
    public var epoch: String?

    public init(source: String, pubEndpoint: String, routerEndpoint: String, lastApplied: UInt64 = 0, epoch: String? = nil) {
        self.source = source
        self.pubEndpoint = pubEndpoint
        self.routerEndpoint = routerEndpoint
        self.lastApplied = lastApplied
        self.epoch = epoch
    }
}

/// How one service sits on the bus.
public struct BusConfig: Sendable {
    /// This service's name: the `source` of everything it publishes.
    public var service: String
    public var pubEndpoint: String
    public var routerEndpoint: String
    public var follow: [FollowSpec]
    /// This service's epoch and the last sequence in its outbox, announced by heartbeats.
    public var epoch: String
    public var latestSeq: UInt64
    public var heartbeatInterval: Duration = .milliseconds(500)
    /// Events per replay reply.
    public var replayBatch: Int = 2_000
    /// A replay request unanswered this long is sent again (the source may have restarted).
    public var replayTimeout: Duration = .seconds(2)
    /// Events handed over but not yet applied above which the subscriber stops reading its SUB
    /// socket and lets the publisher's high-water mark drop: it recovers by replay instead.
    public var maxBacklog: Int = 20_000
    /// PUB: a subscriber this far behind loses messages (and replays them); bounds memory. Peers
    /// only send subscriptions here: 1 KiB holds any topic prefix, and libzmq keeps subscriptions
    /// in a trie it walks recursively, so a long one is a stack to exhaust.
    public var pubOptions = SocketOptions(sendHighWaterMark: 100_000, maxMessageSize: 1 << 10)
    // No ZMTP heartbeats by default: with libzmq 4.3.4 a heartbeat arriving while a socket's input
    // is stopped by a full receive high-water mark aborts the process ("Assertion failed:
    // _input_stopped", libzmq issue #3937), which the back-pressure policy provokes on purpose.
    public var subOptions = SocketOptions(receiveHighWaterMark: 100_000, reconnectInterval: .milliseconds(100), reconnectIntervalMax: .seconds(2), maxMessageSize: 1 << 20)
    public var routerOptions = SocketOptions(sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000, maxMessageSize: 16 << 20)
    public var dealerOptions = SocketOptions(reconnectInterval: .milliseconds(100), reconnectIntervalMax: .seconds(2), maxMessageSize: 64 << 20)
    /// A request larger than this is answered 413 and counted (libzmq itself drops a connection
    /// sending a frame over `routerOptions.maxMessageSize`).
    public var maxRequestBytes = 1 << 20
    /// CURVE on every socket, with a ZAP handler checking clients against the keyring; `nil`
    /// is plaintext (a local `make up`), which the service logs as such.
    public var security: BusSecurity?
    /// The integrator gateway, for the service that has one (liaison).
    public var gateway: GatewayConfig?

    public init(service: String, pubEndpoint: String, routerEndpoint: String, follow: [FollowSpec] = [], epoch: String, latestSeq: UInt64) {
        self.service = service
        self.pubEndpoint = pubEndpoint
        self.routerEndpoint = routerEndpoint
        self.follow = follow
        self.epoch = epoch
        self.latestSeq = latestSeq
    }
}

/// Where integrators connect: an XPUB socket that forwards the service's integrator-facing
/// events and admits each subscription only inside the subscriber's granted topic prefixes.
///
/// One socket for every integrator rather than one endpoint each: rights live in the keyring,
/// so adding an integrator is a keyring line, not a new port through the firewall.
public struct GatewayConfig: Sendable {
    /// Endpoint to bind.
    public var endpoint: String
    /// Topic prefixes of the committed events forwarded (the integrator-facing topics).
    public var topics: [String]
    /// Further renderings of a forwarded event (an enterprise alert as CAP XML, say).
    public var render: @Sendable (OutboundEvent) -> [OutboundEvent]
    public var options = SocketOptions(sendHighWaterMark: 10_000, maxMessageSize: 1 << 10)

    public init(endpoint: String, topics: [String], render: @escaping @Sendable (OutboundEvent) -> [OutboundEvent] = { _ in [] }) {
        self.endpoint = endpoint
        self.topics = topics
        self.render = render
    }

    /// Whether a committed event with this topic goes to integrators.
    public func forwards(_ topic: [UInt8]) -> Bool { topics.contains { topic.starts(with: $0.utf8) } }
}

/// Counters the ops endpoint exports.
public final class BusStats: Sendable {
    public let published = Atomic<Int>(0)
    public let received = Atomic<Int>(0)
    public let replayed = Atomic<Int>(0)
    public let replayRequests = Atomic<Int>(0)
    public let gaps = Atomic<Int>(0)
    public let duplicates = Atomic<Int>(0)
    public let deadLetters = Atomic<Int>(0)
    public let requests = Atomic<Int>(0)
    public let pausedForBacklog = Atomic<Int>(0)
    /// Security and bad-input counters, by name and labels (rare events: a lock is fine).
    private let labelled = Mutex<[String: Int]>([:])
    public init() {}

    /// The labelled counters, every one listed so the exporter can create it up front.
    static let labelledKeys: [(name: String, labels: [(String, String)])] = {
        var keys: [(String, [(String, String)])] = []
        for reason in AuthRefusal.allCases { keys.append(("auth_denied", [("reason", reason.rawValue)])) }
        keys.append(("auth_accepted", []))
        for socket in ["pub", "router", "integrators"] {
            for event in SocketMonitor.Event.allCases where event != .disconnected {
                keys.append(("handshake_failures", [("socket", socket), ("reason", event.rawValue)]))
            }
            keys.append(("disconnects", [("socket", socket)]))
        }
        for reason in ["malformed", "unknown_op", "oversize", "forbidden"] { keys.append(("rejected_requests", [("reason", reason)])) }
        keys.append(("subscriptions_accepted", []))
        for reason in ["not_granted", "malformed"] { keys.append(("subscriptions_refused", [("reason", reason)])) }
        return keys
    }()

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
    }

    /// Adds one to a labelled counter (one of ``labelledKeys``).
    public func count(_ name: String, _ labels: [(String, String)] = []) {
        let k = BusStats.key(name, labels)
        labelled.withLock { $0[k, default: 0] += 1 }
    }

    /// The current value of a labelled counter.
    public func value(_ name: String, _ labels: [(String, String)] = []) -> Int {
        let k = BusStats.key(name, labels)
        return labelled.withLock { $0[k] ?? 0 }
    }

    /// Every counter by its metric name and labels (exported as `precinct_bus_<name>_total`).
    public func snapshot() -> [(name: String, labels: [(String, String)], value: Int)] {
        let plain: [(String, Int)] = [
            ("published", published.load(ordering: .relaxed)),
            ("received", received.load(ordering: .relaxed)),
            ("replayed_events", replayed.load(ordering: .relaxed)),
            ("replay_requests", replayRequests.load(ordering: .relaxed)),
            ("gaps", gaps.load(ordering: .relaxed)),
            ("duplicates", duplicates.load(ordering: .relaxed)),
            ("rejected_frames", deadLetters.load(ordering: .relaxed)),
            ("requests", requests.load(ordering: .relaxed)),
            ("backpressure_pauses", pausedForBacklog.load(ordering: .relaxed)),
        ]
        let values = labelled.withLock { $0 }
        return plain.map { ($0.0, [], $0.1) } + BusStats.labelledKeys.map { ($0.name, $0.labels, values[BusStats.key($0.name, $0.labels)] ?? 0) }
    }
}

/// One service's place on the bus: it binds a PUB (its own events, plus heartbeats) and a ROUTER
/// (requests, replay), and follows other services through one SUB and a DEALER per source,
/// replaying from their outboxes on start-up, on a gap and when a heartbeat is ahead.
public final class ServiceBus: ServiceTransport {
    private let thread: SocketThread<ServiceBusLoop>
    public let pubEndpoint: String
    public let routerEndpoint: String
    /// The integrator gateway's bound endpoint, when there is one.
    public let gatewayEndpoint: String?
    public let stats: BusStats
    public var endpoints: TransportEndpoints { TransportEndpoints(pub: pubEndpoint, router: routerEndpoint, integrators: gatewayEndpoint) }

    public init(config: BusConfig, context: ZMQContext, delegate: any BusDelegate, logger: Logger) throws {
        let stats = BusStats()
        self.stats = stats
        let endpoints = Mutex<(String, String, String?)>(("", "", nil))
        thread = try SocketThread(name: "bus-\(config.service)") {
            let loop = try ServiceBusLoop(config: config, context: context, delegate: delegate, logger: logger, stats: stats)
            endpoints.withLock { $0 = (loop.boundPub, loop.boundRouter, loop.boundGateway) }
            return loop
        }
        (pubEndpoint, routerEndpoint, gatewayEndpoint) = endpoints.withLock { $0 }
    }

    /// Publishes committed events, in the order given (which must be sequence order).
    public func publish(_ events: [OutboundEvent]) {
        guard !events.isEmpty else { return }
        thread.execute { $0.publish(events) }
    }

    /// Answers a ROUTER request.
    public func reply(_ request: BusRequest, frames: [[UInt8]]) {
        thread.execute { $0.reply(route: request.route, frames: frames) }
    }

    /// Forgets a pruned gap: resume `source` after `seq` (an operator's decision, logged).
    public func resume(source: String, after seq: UInt64) {
        thread.execute { $0.resume(source: source, after: seq) }
    }

    /// Replays `source` again after `seq`: the events handed over since were not applied
    /// (the transaction that held them failed).
    public func rewind(source: String, to seq: UInt64) {
        thread.execute { $0.rewind(source: source, to: seq) }
    }

    /// Announces a new latest sequence without publishing (after a restart, say).
    public func announce(latestSeq: UInt64) {
        thread.execute { $0.latestSeq = max($0.latestSeq, latestSeq) }
    }

    public func stop() { thread.stop() }
}

final class ServiceBusLoop: SocketLoop {
    let config: BusConfig
    let delegate: any BusDelegate
    let logger: Logger
    let stats: BusStats
    let pub: Socket
    let router: Socket
    let sub: Socket?
    let boundPub: String
    let boundRouter: String
    var followers: [Follower]
    var followerIndex: [String: Int] = [:]
    var latestSeq: UInt64
    var nextHeartbeat: ContinuousClock.Instant
    var paused = false
    let clock = ContinuousClock()
    var requestCounter: UInt64 = 0
    let zap: ZAPHandler?
    let gateway: Socket?
    let boundGateway: String?
    let monitors: [SocketMonitor]
    /// The inputs after the dealers: ZAP, monitors, gateway (the SUB comes last).
    var extras: [(socket: Socket, kind: Extra)] = []
    enum Extra { case zap, monitor(Int), gateway }

    /// Per followed source: the replay state machine of the Clone pattern.
    final class Follower {
        let spec: FollowSpec
        let dealer: Socket
        var delivered: UInt64
        var epoch: String?
        var state: FollowState = .replaying
        var pendingRequest: (id: String, sentAt: ContinuousClock.Instant)?
        var needsReplay = true
        var maxSeen: UInt64 = 0

        init(spec: FollowSpec, dealer: Socket) {
            self.spec = spec
            self.dealer = dealer
            self.delivered = spec.lastApplied
            self.epoch = spec.epoch
        }
    }

    init(config: BusConfig, context: ZMQContext, delegate: any BusDelegate, logger: Logger, stats: BusStats) throws {
        self.config = config
        self.delegate = delegate
        self.logger = logger
        self.stats = stats
        self.latestSeq = config.latestSeq
        let security = config.security
        // The ZAP handler first: a CURVE server bound without one admits anybody (libzmq 4.3.4).
        zap = try security.map { security in
            try ZAPHandler(context: context, security: security) { [stats, logger] domain, result in
                switch result {
                case .success: stats.count("auth_accepted")
                case .failure(let refusal):
                    stats.count("auth_denied", [("reason", refusal.rawValue)])
                    logger.warning("connection refused by the keyring", metadata: ["domain": "\(domain)", "reason": "\(refusal.rawValue)"])
                }
            }
        }
        let monitorID = UUID().uuidString
        pub = try Socket(context, .pub)
        try pub.configure(config.pubOptions)
        if let security { try pub.makeCurveServer(security, domain: BusSecurity.serviceDomain) }
        var monitors = [try SocketMonitor(watching: pub, name: "pub", context: context, id: monitorID)]
        boundPub = try pub.bind(config.pubEndpoint)
        router = try Socket(context, .router)
        try router.configure(config.routerOptions)
        // With a gateway, integrators may also reach the ROUTER, for their filtered replay only.
        if let security { try router.makeCurveServer(security, domain: config.gateway == nil ? BusSecurity.serviceDomain : BusSecurity.requestDomain) }
        monitors.append(try SocketMonitor(watching: router, name: "router", context: context, id: monitorID))
        boundRouter = try router.bind(config.routerEndpoint)
        if let gatewayConfig = config.gateway {
            let xpub = try Socket(context, .xpub)
            try xpub.configure(gatewayConfig.options)
            // Manual: libzmq applies no subscription until this loop has checked it against the keyring.
            try xpub.setOption(ZMQ_XPUB_MANUAL, Int32(1))
            if let security { try xpub.makeCurveServer(security, domain: BusSecurity.integratorDomain) }
            monitors.append(try SocketMonitor(watching: xpub, name: "integrators", context: context, id: monitorID))
            boundGateway = try xpub.bind(gatewayConfig.endpoint)
            gateway = xpub
        } else {
            gateway = nil
            boundGateway = nil
        }
        self.monitors = monitors
        if config.follow.isEmpty {
            sub = nil
        } else {
            let sub = try Socket(context, .sub)
            try sub.configure(config.subOptions)
            try sub.subscribe("")
            self.sub = sub
        }
        followers = []
        for spec in config.follow {
            let dealer = try Socket(context, .dealer)
            try dealer.configure(config.dealerOptions)
            if let security {
                // A source's public key is the keyring's entry of the same name; the SUB takes
                // the server key in force at each connect.
                guard let entry = security.keyring.entry(named: spec.source), entry.role == .service else {
                    throw KeyError("the keyring has no service key named '\(spec.source)', the source this service follows")
                }
                try dealer.makeCurveClient(security.keyPair, serverKey: entry.publicKey)
                try sub?.makeCurveClient(security.keyPair, serverKey: entry.publicKey)
            }
            try dealer.connect(spec.routerEndpoint)
            try sub?.connect(spec.pubEndpoint)
            followerIndex[spec.source] = followers.count
            followers.append(Follower(spec: spec, dealer: dealer))
        }
        if let zap { extras.append((zap.socket, .zap)) }
        for (index, monitor) in monitors.enumerated() { extras.append((monitor.socket, .monitor(index))) }
        if let gateway { extras.append((gateway, .gateway)) }
        nextHeartbeat = ContinuousClock.now
        logger.info("bus bound", metadata: ["pub": "\(boundPub)", "router": "\(boundRouter)", "integrators": "\(boundGateway ?? "-")", "follows": "\(config.follow.map(\.source))"])
        if security == nil {
            logger.warning("bus is PLAINTEXT: no CURVE keys configured (--curve-key, --curve-keyring); anyone who reaches these endpoints can read and send")
            if boundGateway != nil {
                logger.warning("integrator gateway is PLAINTEXT: without keys there are no grants, so every subscriber reads every integrator topic")
            }
        } else {
            logger.info("bus is CURVE-encrypted; clients are checked against the keyring", metadata: ["keys": "\(security!.keyring.entries.count)"])
        }
        for f in followers { delegate.bus(source: f.spec.source, state: .replaying) }
    }

    // Inputs: router, each dealer, the extras, then the sub unless paused for back-pressure.
    var inputs: [Socket] {
        var list = [router]
        list.append(contentsOf: followers.map(\.dealer))
        list.append(contentsOf: extras.map(\.socket))
        if let sub, !paused { list.append(sub) }
        return list
    }

    func readable(_ index: Int) {
        if index == 0 { readRouter(); return }
        if index <= followers.count { readReplay(followers[index - 1]); return }
        let extra = index - 1 - followers.count
        guard extra < extras.count else { readSub(); return }
        switch extras[extra].kind {
        case .zap: zap?.answerPending()
        case .monitor(let i): countMonitorEvents(monitors[i])
        case .gateway: readSubscriptions()
        }
    }

    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        if now >= nextHeartbeat {
            heartbeat()
            nextHeartbeat = now + config.heartbeatInterval
        }
        let backlog = followers.isEmpty ? 0 : delegate.busBacklog()
        let wasPaused = paused
        paused = backlog > config.maxBacklog
        if paused && !wasPaused { stats.pausedForBacklog.add(1, ordering: .relaxed) }
        for f in followers {
            if let pending = f.pendingRequest, now - pending.sentAt > config.replayTimeout {
                logger.warning("replay request unanswered, asking again", metadata: ["source": "\(f.spec.source)", "after": "\(f.delivered)"])
                f.pendingRequest = nil
                f.needsReplay = true
            }
            if f.needsReplay && f.pendingRequest == nil && backlog <= config.maxBacklog / 2 {
                sendReplayRequest(f)
            }
        }
        var next = nextHeartbeat
        if paused || followers.contains(where: { $0.needsReplay || $0.pendingRequest != nil }) {
            next = min(next, now + .milliseconds(5))
        }
        return next
    }

    func shutdown() {
        pub.close()
        router.close()
        gateway?.close()
        for monitor in monitors { monitor.socket.close() }
        zap?.socket.close()
        sub?.close()
        for f in followers { f.dealer.close() }
    }

    // MARK: Publishing

    func publish(_ events: [OutboundEvent]) {
        for event in events {
            do {
                try pub.send(event.topic, more: true)
                try pub.send(event.header, more: true)
                try pub.send(event.payload)
                latestSeq = max(latestSeq, event.seq)
                if let gateway, let config = config.gateway, config.forwards(event.topic) {
                    forward(event, on: gateway)
                    for extra in config.render(event) { forward(extra, on: gateway) }
                }
            } catch {
                logger.error("publish failed; subscribers will replay", metadata: ["seq": "\(event.seq)", "error": "\(error)"])
            }
        }
        stats.published.add(events.count, ordering: .relaxed)
    }

    func heartbeat() {
        let frames = HeartbeatMessage.frames(source: config.service, epoch: config.epoch, latestSeq: latestSeq, time: Date())
        _ = try? pub.send(multipart: frames, dontWait: true)
    }

    // MARK: Integrator gateway

    /// Never blocks: an integrator too slow to keep up loses messages past the high-water mark,
    /// and must not hold up the service's own bus.
    func forward(_ event: OutboundEvent, on gateway: Socket) {
        _ = try? gateway.send(multipart: [event.topic, event.header, event.payload], dontWait: true)
    }

    /// Subscriptions arrive as `\u{1}prefix` (subscribe) or `\u{0}prefix` (unsubscribe), with
    /// the ZAP user id of the integrator's key. Applied only inside the integrator's grants.
    func readSubscriptions() {
        guard let gateway else { return }
        for _ in 0..<256 {
            guard let (frames, userID) = (try? gateway.receiveMultipart(property: "User-Id", dontWait: true)) ?? nil else { return }
            guard frames.count == 1, let first = frames[0].first, first <= 1 else {
                stats.count("subscriptions_refused", [("reason", "malformed")])
                logger.warning("integrator gateway: not a subscription, ignored", metadata: ["integrator": "\(userID ?? "?")", "frames": "\(frames.count)"])
                continue
            }
            let prefix = Array(frames[0].dropFirst())
            let shown = String(decoding: prefix, as: UTF8.self)
            if let security = config.security {
                guard let name = userID, let entry = security.keyring.entry(named: name), entry.mayRead(prefix) else {
                    if first == 1 {
                        stats.count("subscriptions_refused", [("reason", "not_granted")])
                        logger.warning("integrator gateway: subscription refused, outside the key's grants",
                                       metadata: ["integrator": "\(userID ?? "?")", "prefix": "\(shown)",
                                                  "grants": "\(userID.flatMap { security.keyring.entry(named: $0)?.grants } ?? [])"])
                    }
                    continue
                }
            }
            do {
                if first == 1 {
                    try gateway.subscribe(shown)
                    stats.count("subscriptions_accepted")
                    logger.info("integrator gateway: subscribed", metadata: ["integrator": "\(userID ?? "plaintext")", "prefix": "\(shown)"])
                } else {
                    try gateway.unsubscribe(shown)
                }
            } catch {
                logger.error("integrator gateway: cannot apply subscription", metadata: ["prefix": "\(shown)", "error": "\(error)"])
            }
        }
    }

    func countMonitorEvents(_ monitor: SocketMonitor) {
        for event in monitor.drain() {
            if event == .disconnected {
                stats.count("disconnects", [("socket", monitor.name)])
            } else {
                stats.count("handshake_failures", [("socket", monitor.name), ("reason", event.rawValue)])
                logger.warning("handshake failed", metadata: ["socket": "\(monitor.name)", "reason": "\(event.rawValue)"])
            }
        }
    }

    // MARK: Requests

    func readRouter() {
        for _ in 0..<256 {
            guard let (frames, userID) = (try? router.receiveMultipart(property: config.security == nil ? nil : "User-Id", dontWait: true)) ?? nil else { return }
            stats.requests.add(1, ordering: .relaxed)
            let size = frames.reduce(0) { $0 + $1.count }
            if size > config.maxRequestBytes {
                stats.count("rejected_requests", [("reason", "oversize")])
                logger.warning("request refused: too large", metadata: ["bytes": "\(size)", "limit": "\(config.maxRequestBytes)"])
                let split = frames.firstIndex(where: \.isEmpty).map { $0 + 1 } ?? min(1, frames.count)
                reply(route: Array(frames[..<split]), frames: [FlatJSON.encode(["ok": .bool(false), "status": .integer(413)]),
                      FlatJSON.encode(["error": .string("request-too-large"), "message": .string("request of \(size) bytes is over the limit of \(config.maxRequestBytes)")])])
                continue
            }
            // REQ and DEALER clients put an empty delimiter after the identity frames.
            let split = frames.firstIndex(where: \.isEmpty).map { $0 + 1 } ?? min(1, frames.count)
            let body = Array(frames[split...])
            let header = Result { () throws(RequestError) in try RequestHeader(decoding: body.first ?? []) }
            var request = BusRequest(route: Array(frames[..<split]), frames: body, header: header)
            if let security = config.security {
                request.requester = userID
                if let entry = userID.flatMap(security.keyring.entry(named:)), entry.role == .integrator { request.grants = entry.grants }
            }
            if case .success(let parsed) = header, parsed.op == PingReply.op {
                reply(route: request.route, frames: [PingReply(service: config.service, epoch: config.epoch, latest: latestSeq).encoded()])
                continue
            }
            delegate.bus(request: request)
        }
    }

    func reply(route: [[UInt8]], frames: [[UInt8]]) {
        _ = try? router.send(multipart: route + frames, dontWait: true)
    }

    // MARK: Following

    func readSub() {
        guard let sub else { return }
        var batch: [Envelope] = []
        var batchSource: String?
        func flush() {
            if let source = batchSource, !batch.isEmpty { delegate.bus(received: batch, from: source) }
            batch.removeAll(keepingCapacity: true)
        }
        for _ in 0..<1_000 {
            guard let frames = (try? sub.receiveMultipart(dontWait: true)) ?? nil else { break }
            stats.received.add(1, ordering: .relaxed)
            let envelope: Envelope
            do {
                envelope = try Envelope(frames: frames)
            } catch {
                flush()
                deadLetter(frames, source: nil, reason: error.description)
                continue
            }
            guard let index = followerIndex[envelope.header.source] else {
                // Each service's PUB carries only its own events; anything else is foreign.
                flush()
                deadLetter(frames, source: envelope.header.source, reason: "source '\(envelope.header.source)' is not followed")
                continue
            }
            let f = followers[index]
            if batchSource != f.spec.source { flush(); batchSource = f.spec.source }
            if HeartbeatMessage.isHeartbeat(envelope.header) {
                noteEpoch(f, envelope.header.epoch)
                if case .live = f.state, envelope.header.seq > f.delivered { startReplay(f, reason: "heartbeat ahead") }
                continue
            }
            noteEpoch(f, envelope.header.epoch)
            let seq = envelope.header.seq
            f.maxSeen = max(f.maxSeen, seq)
            switch f.state {
            case .live:
                if seq == f.delivered + 1 {
                    f.delivered = seq
                    batch.append(envelope)
                } else if seq <= f.delivered {
                    stats.duplicates.add(1, ordering: .relaxed)
                } else {
                    stats.gaps.add(1, ordering: .relaxed)
                    startReplay(f, reason: "gap: expected \(f.delivered + 1), got \(seq)")
                }
            case .replaying, .pruned:
                break  // the replay brings it
            }
        }
        flush()
    }

    func deadLetter(_ frames: [[UInt8]], source: String?, reason: String) {
        stats.deadLetters.add(1, ordering: .relaxed)
        logger.warning("dead letter", metadata: ["source": "\(source ?? "?")", "reason": "\(reason)"])
        delegate.bus(deadLetter: frames, source: source, reason: reason)
    }

    /// A new epoch means the source's store was created anew: start over from its first event.
    func noteEpoch(_ f: Follower, _ epoch: String) {
        guard f.epoch != epoch else { return }
        if let old = f.epoch {
            logger.warning("source epoch changed: its store was created anew; replaying it from the start",
                           metadata: ["source": "\(f.spec.source)", "old": "\(old)", "new": "\(epoch)"])
            f.delivered = 0
            f.maxSeen = 0
            f.epoch = epoch
            startReplay(f, reason: "new epoch")
        } else {
            f.epoch = epoch
        }
    }

    func startReplay(_ f: Follower, reason: String) {
        if case .pruned = f.state { return }
        if f.state != .replaying {
            logger.info("replaying", metadata: ["source": "\(f.spec.source)", "after": "\(f.delivered)", "reason": "\(reason)"])
            f.state = .replaying
            delegate.bus(source: f.spec.source, state: .replaying)
        }
        f.needsReplay = true
    }

    func sendReplayRequest(_ f: Follower) {
        requestCounter += 1
        let id = "\(config.service)-\(requestCounter)"
        let body = ReplayRequest(id: .string(id), source: f.spec.source, after: f.delivered, limit: config.replayBatch).encoded()
        do {
            guard try f.dealer.send(multipart: [[], body], dontWait: true) else { return }
        } catch {
            logger.error("replay request failed", metadata: ["source": "\(f.spec.source)", "error": "\(error)"])
            return
        }
        stats.replayRequests.add(1, ordering: .relaxed)
        f.pendingRequest = (id, clock.now)
        f.needsReplay = false
    }

    func readReplay(_ f: Follower) {
        for _ in 0..<16 {
            guard let frames = (try? f.dealer.receiveMultipart(dontWait: true)) ?? nil else { return }
            handleReplay(f, frames)
        }
    }

    func handleReplay(_ f: Follower, _ frames: [[UInt8]]) {
        // [delimiter, reply, (topic, header, payload)*]
        guard frames.count >= 2, frames[0].isEmpty, let reply = try? FlatJSON.parseObject(frames[1]) else {
            deadLetter(frames, source: f.spec.source, reason: "malformed replay reply")
            return
        }
        guard case .string(let id)? = reply["id"], id == f.pendingRequest?.id else { return }  // a stale answer
        f.pendingRequest = nil
        guard reply["ok"] == .bool(true) else {
            if reply["code"] == .string("pruned"), case .integer(let oldest)? = reply["oldest"] {
                logger.critical("source pruned events this service never applied: resynchronise it (README, 'Resynchronising')",
                                metadata: ["source": "\(f.spec.source)", "lastApplied": "\(f.delivered)", "oldestAvailable": "\(oldest)"])
                f.state = .pruned(oldestAvailable: UInt64(oldest), lastApplied: f.delivered)
                delegate.bus(source: f.spec.source, state: f.state)
            } else {
                logger.error("replay refused", metadata: ["source": "\(f.spec.source)", "reply": "\(String(decoding: frames[1], as: UTF8.self))"])
                f.needsReplay = true
            }
            return
        }
        if case .string(let epoch)? = reply["epoch"], f.epoch != nil, f.epoch != epoch {
            noteEpoch(f, epoch)
            return
        }
        if case .string(let epoch)? = reply["epoch"] { f.epoch = epoch }
        var events: [Envelope] = []
        var index = 2
        while index + 3 <= frames.count {
            let triple = Array(frames[index..<index + 3])
            index += 3
            guard let envelope = try? Envelope(frames: triple) else {
                // Replies hold consecutive sequences: this unreadable one was the next. Step past
                // it, or the follower would ask for it again forever.
                deadLetter(triple, source: f.spec.source, reason: "malformed event in replay (taken as seq \(f.delivered + 1))")
                f.delivered += 1
                continue
            }
            if envelope.header.seq == f.delivered + 1 {
                f.delivered += 1
                events.append(envelope)
            }
        }
        stats.replayed.add(events.count, ordering: .relaxed)
        if !events.isEmpty { delegate.bus(received: events, from: f.spec.source) }
        let latest: UInt64 = if case .integer(let n)? = reply["latest"] { UInt64(max(0, n)) } else { f.delivered }
        if f.delivered < latest || f.delivered < f.maxSeen {
            f.needsReplay = true
        } else if f.state != .live {
            f.state = .live
            logger.info("caught up", metadata: ["source": "\(f.spec.source)", "seq": "\(f.delivered)"])
            delegate.bus(source: f.spec.source, state: .live)
        }
    }

    func rewind(source: String, to seq: UInt64) {
        guard let index = followerIndex[source] else { return }
        let f = followers[index]
        guard seq < f.delivered else { return }
        f.delivered = seq
        startReplay(f, reason: "not applied, replaying")
    }

    func resume(source: String, after seq: UInt64) {
        guard let index = followerIndex[source] else { return }
        let f = followers[index]
        logger.warning("operator resumed a pruned source: events in between are skipped", metadata: ["source": "\(source)", "after": "\(seq)", "lastApplied": "\(f.delivered)"])
        f.delivered = seq
        f.state = .replaying
        f.needsReplay = true
        delegate.bus(source: source, state: .replaying)
    }
}
