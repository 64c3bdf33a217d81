import Logging
import Wire

/// The sockets of following: one SUB for every followed source's PUB, and a DEALER per source to
/// its ROUTER for replay. Reads frames, parses them, feeds each source's ``SourceFollower`` and
/// carries out what it decides; pauses the SUB while the service's backlog is too long.
///
/// It owns no position: the followers do.
final class FollowerDriver {
    /// `nil` when the service follows nobody.
    let sub: Socket?
    /// One per source, in ``followers`` order.
    let dealers: [Socket]
    private(set) var followers: [SourceFollower]
    private let index: [String: Int]
    /// Reads the SUB's envelopes into buffers it reuses.
    private var reader = EnvelopeReader()
    /// Not reading the SUB: the service has more than `maxBacklog` events to apply.
    private(set) var paused = false
    private let maxBacklog: Int
    private let delegate: any BusDelegate
    private let stats: BusStats
    private let logger: Logger

    /// Creates the SUB and DEALERs and connects them to every source in `config.follow`.
    init(config: BusConfig, context: ZMQContext, delegate: any BusDelegate, stats: BusStats, logger: Logger) throws {
        maxBacklog = config.maxBacklog
        self.delegate = delegate
        self.stats = stats
        self.logger = logger
        if config.follow.isEmpty {
            sub = nil
        } else {
            let sub = try Socket(context, .sub)
            try sub.configure(config.subOptions)
            try sub.subscribe("")
            self.sub = sub
        }
        var dealers: [Socket] = []
        var index: [String: Int] = [:]
        for spec in config.follow {
            let dealer = try Socket(context, .dealer)
            try dealer.configure(config.dealerOptions)
            if let security = config.security {
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
            index[spec.source] = dealers.count
            dealers.append(dealer)
        }
        self.dealers = dealers
        self.index = index
        followers = config.follow.map {
            SourceFollower(spec: $0, requester: config.service, replayBatch: config.replayBatch, replayTimeout: config.replayTimeout)
        }
    }

    /// Tells the service every source starts out replaying.
    func start() {
        for follower in followers { delegate.bus(source: follower.source, state: follower.state) }
    }

    /// The sockets to poll: the DEALERs, then the SUB unless paused.
    var activeSub: Socket? { paused ? nil : sub }

    // MARK: Reading

    /// Live events: consecutive deliveries from one source go to the service as one batch.
    func readSub() {
        guard let sub else { return }
        var batch = Batch()
        for _ in 0..<1_000 {
            guard let received = (try? reader.receive(from: sub, dontWait: true)) ?? nil else { break }
            stats.received.increment()
            let envelope: Envelope
            switch received {
            case .envelope(let e): envelope = e
            case .malformed(let frames, let error):
                flush(&batch)
                deadLetter(frames, source: nil, reason: error.description)
                continue
            }
            let source = envelope.header.source
            guard let i = index[source] else {
                // Each service's PUB carries only its own events; anything else is foreign.
                flush(&batch)
                deadLetter(reader.frames, source: source, reason: "source '\(source)' is not followed")
                continue
            }
            if batch.source != source { flush(&batch) }
            batch.source = source
            let actions =
                HeartbeatMessage.isHeartbeat(envelope.header)
                ? followers[i].heartbeat(epoch: envelope.header.epoch, latestSeq: envelope.header.seq)
                : followers[i].receive(envelope)
            perform(actions, for: i, batch: &batch)
        }
        flush(&batch)
    }

    /// Replay replies on the DEALER of follower `i`: `[delimiter, reply, (topic, header, payload)*]`.
    func readReplay(_ i: Int) {
        for _ in 0..<16 {
            guard let frames = (try? dealers[i].receiveMultipart(dontWait: true)) ?? nil else { return }
            guard frames.count >= 2, frames[0].isEmpty, let reply = try? ReplayReply(frames: Array(frames.dropFirst())) else {
                deadLetter(frames, source: followers[i].source, reason: "malformed replay reply")
                continue
            }
            run(followers[i].replayReceived(reply), for: i)
        }
    }

    // MARK: Time and operator inputs

    /// Back-pressure and replay requests; returns whether it wants to be called again soon.
    func tick(now: ContinuousClock.Instant) -> Bool {
        let backlog = followers.isEmpty ? 0 : delegate.busBacklog()
        let wasPaused = paused
        paused = backlog > maxBacklog
        if paused && !wasPaused { stats.pausedForBacklog.increment() }
        // Replay only once the backlog has halved, so replies do not refill what paused the SUB.
        let mayRequest = backlog <= maxBacklog / 2
        for i in followers.indices { run(followers[i].tick(now: now, mayRequest: mayRequest), for: i) }
        return paused || followers.contains(where: \.isBusy)
    }

    func rewind(source: String, to seq: UInt64) {
        guard let i = index[source] else { return }
        run(followers[i].rewind(to: seq), for: i)
    }

    func resume(source: String, after seq: UInt64) {
        guard let i = index[source] else { return }
        run(followers[i].resume(after: seq), for: i)
    }

    func close() {
        sub?.close()
        for dealer in dealers { dealer.close() }
    }

    // MARK: Carrying out

    /// Events on their way to the service, from one source.
    private struct Batch {
        var source: String?
        var events: [Envelope] = []
    }

    private func flush(_ batch: inout Batch) {
        if let source = batch.source, !batch.events.isEmpty { delegate.bus(received: batch.events, from: source) }
        batch.events.removeAll(keepingCapacity: true)
    }

    /// Carries out actions that are not part of a read from the SUB.
    private func run(_ actions: [FollowerAction], for i: Int) {
        var batch = Batch()
        perform(actions, for: i, batch: &batch)
        flush(&batch)
    }

    private func perform(_ actions: [FollowerAction], for i: Int, batch: inout Batch) {
        let source = followers[i].source
        for action in actions {
            switch action {
            case .deliver(let events):
                if batch.source != source { flush(&batch) }
                batch.source = source
                batch.events.append(contentsOf: events)
            case .sendReplay(let request):
                sendReplay(request, for: i)
            case .stateChanged(let state):
                flush(&batch)
                delegate.bus(source: source, state: state)
            case .deadLetter(let frames, let reason):
                flush(&batch)
                deadLetter(frames, source: source, reason: reason)
            case .count(let counter, let amount):
                switch counter {
                case .duplicates: stats.duplicates.increment(by: amount)
                case .gaps: stats.gaps.increment(by: amount)
                case .replayedEvents: stats.replayed.increment(by: amount)
                }
            case .log(let level, let message, var metadata):
                metadata["source"] = "\(source)"
                logger.log(level: level, "\(message)", metadata: metadata)
            }
        }
    }

    private func sendReplay(_ request: ReplayRequest, for i: Int) {
        do {
            guard try dealers[i].send(multipart: [[], request.encoded()], dontWait: true) else {
                followers[i].replayNotSent()
                return
            }
        } catch {
            logger.error("replay request failed", metadata: ["source": "\(request.source)", "error": "\(error)"])
            followers[i].replayNotSent()
            return
        }
        stats.replayRequests.increment()
    }

    private func deadLetter(_ frames: [[UInt8]], source: String?, reason: String) {
        stats.deadLetters.increment()
        logger.warning("dead letter", metadata: ["source": "\(source ?? "?")", "reason": "\(reason)"])
        delegate.bus(deadLetter: frames, source: source, reason: reason)
    }
}
