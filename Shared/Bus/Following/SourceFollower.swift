import Logging
import Wire

/// What a ``SourceFollower`` asks its driver to do. The follower decides; the driver does the I/O.
public enum FollowerAction: Sendable, Equatable {
    /// Hand these events to the service, in this order (gap-free, each once).
    case deliver([Envelope])
    /// Send this request to the source's ROUTER.
    case sendReplay(ReplayRequest)
    /// Tell the service the source's state changed (readiness).
    case stateChanged(FollowState)
    /// Frames that are not a usable event, with the reason.
    case deadLetter([[UInt8]], reason: String)
    /// Add to one of the follower's counters.
    case count(FollowerCounter, Int)
    /// Log a line (the follower holds no logger: the driver adds the source to the metadata).
    case log(Logger.Level, String, Logger.Metadata)
}

/// The counters a follower's decisions move (the driver counts what it sends and receives itself).
public enum FollowerCounter: Sendable, Equatable {
    /// A live event at or below the position: already delivered.
    case duplicates
    /// A live event beyond the next sequence expected.
    case gaps
    /// Events delivered from replay replies.
    case replayedEvents
}

/// One followed source's position and the replay state machine of the Clone pattern: live
/// events in order, and a replay from the source's outbox on start, on a gap, when a heartbeat
/// is ahead and when the source's epoch changes.
///
/// A value with no sockets, no clock and no logger: every input returns the actions to carry
/// out, and time arrives as an argument. It is the only place a follower's position lives in
/// memory (the service's inbox holds the durable one, which seeds ``init(spec:requester:replayBatch:replayTimeout:)``).
public struct SourceFollower: Sendable, Equatable {
    /// A replay request sent and not answered yet.
    public struct PendingReplay: Sendable, Equatable {
        public var id: String
        public var sentAt: ContinuousClock.Instant
    }

    /// The source followed.
    public let source: String
    /// The last sequence delivered (handed to the service) from the current epoch.
    public private(set) var delivered: UInt64
    /// The source's epoch as last heard (`nil`: never heard from it).
    public private(set) var epoch: String?
    /// The highest live sequence seen in this epoch (a replay runs at least this far).
    public private(set) var maxSeen: UInt64 = 0
    public private(set) var state: FollowState = .replaying
    public private(set) var pending: PendingReplay?
    /// A replay request is due at the next tick that allows one.
    public private(set) var needsReplay = true

    /// Names this follower's requests: `<requester>-<source>-<n>`.
    let requester: String
    let replayBatch: Int
    let replayTimeout: Duration
    private var requestCounter: UInt64 = 0
    /// Requests sent again in a row without an answer. Each waits twice as long as the one before,
    /// up to 16 × `replayTimeout`: a source slower to answer than the timeout (one catching up
    /// after a restart, a debug build under load) was otherwise asked again just before each of
    /// its answers arrived, so every answer was stale and dropped, for ever (a chaos run stuck
    /// four minutes so).
    private var unanswered = 0

    /// How long the request in flight is waited for.
    public var currentTimeout: Duration { replayTimeout * (1 << min(unanswered, 4)) }

    /// Starts replaying after `spec.lastApplied`, in `spec.epoch`.
    public init(spec: FollowSpec, requester: String, replayBatch: Int, replayTimeout: Duration) {
        source = spec.source
        delivered = spec.lastApplied
        epoch = spec.epoch
        self.requester = requester
        self.replayBatch = replayBatch
        self.replayTimeout = replayTimeout
    }

    /// Whether the driver should come back soon (a replay is due or under way).
    public var isBusy: Bool { needsReplay || pending != nil }

    // MARK: Inputs

    /// A live event from the source's PUB (its header already read).
    public mutating func receive(_ envelope: Envelope) -> [FollowerAction] {
        var actions = noteEpoch(envelope.header.epoch)
        let seq = envelope.header.seq
        maxSeen = max(maxSeen, seq)
        guard case .live = state else { return actions }  // the replay brings it
        if seq == delivered + 1 {
            delivered = seq
            actions.append(.deliver([envelope]))
        } else if seq <= delivered {
            actions.append(.count(.duplicates, 1))
        } else {
            actions.append(.count(.gaps, 1))
            startReplay(reason: "gap: expected \(delivered + 1), got \(seq)", into: &actions)
        }
        return actions
    }

    /// A heartbeat: the source's epoch and the latest sequence in its outbox.
    public mutating func heartbeat(epoch: String, latestSeq: UInt64) -> [FollowerAction] {
        var actions = noteEpoch(epoch)
        if case .live = state, latestSeq > delivered { startReplay(reason: "heartbeat ahead", into: &actions) }
        return actions
    }

    /// The source's answer to a replay request. Events stay frames until here, so that an
    /// unreadable one still takes its place in the sequence.
    public mutating func replayReceived(_ reply: ReplayReply) -> [FollowerAction] {
        guard let pending, reply.id == .string(pending.id) else { return [] }  // a stale answer
        self.pending = nil
        unanswered = 0
        switch reply {
        case .refused(let refusal): return refused(refusal)
        case .events(let batch): return replayed(batch)
        }
    }

    /// The time passes: re-asks an unanswered request, and sends the one due when `mayRequest`
    /// (the service's backlog is low enough to take a replay).
    public mutating func tick(now: ContinuousClock.Instant, mayRequest: Bool) -> [FollowerAction] {
        var actions: [FollowerAction] = []
        if let pending, now - pending.sentAt > currentTimeout {
            actions.append(
                .log(.warning, "replay request unanswered, asking again", ["after": "\(delivered)", "waited": "\(currentTimeout)"]))
            unanswered += 1
            self.pending = nil
            needsReplay = true
        }
        if needsReplay, pending == nil, mayRequest {
            requestCounter += 1
            let id = "\(requester)-\(source)-\(requestCounter)"
            pending = PendingReplay(id: id, sentAt: now)
            needsReplay = false
            actions.append(.sendReplay(ReplayRequest(id: .string(id), source: source, after: delivered, limit: replayBatch)))
        }
        return actions
    }

    /// The driver could not send the last ``FollowerAction/sendReplay(_:)`` (the socket's queue
    /// is full): it is due again at the next tick.
    public mutating func replayNotSent() {
        pending = nil
        needsReplay = true
    }

    /// Delivers again after `seq`: the events handed over since were not applied (the
    /// transaction that held them failed). Ignored unless `seq` is behind the position.
    public mutating func rewind(to seq: UInt64) -> [FollowerAction] {
        guard seq < delivered else { return [] }
        delivered = seq
        var actions: [FollowerAction] = []
        startReplay(reason: "not applied, replaying", into: &actions)
        return actions
    }

    /// An operator's decision after ``FollowState/pruned(oldestAvailable:lastApplied:)``:
    /// continue after `seq`, skipping what lies between.
    public mutating func resume(after seq: UInt64) -> [FollowerAction] {
        let actions: [FollowerAction] = [
            .log(.warning, "operator resumed a pruned source: events in between are skipped", ["after": "\(seq)", "lastApplied": "\(delivered)"]),
            .stateChanged(.replaying),
        ]
        delivered = seq
        state = .replaying
        needsReplay = true
        return actions
    }

    // MARK: Decisions

    /// A new epoch means the source's store was created anew: start over from its first event.
    private mutating func noteEpoch(_ new: String) -> [FollowerAction] {
        guard epoch != new else { return [] }
        guard let old = epoch else {
            epoch = new
            return []
        }
        var actions: [FollowerAction] = [
            .log(.warning, "source epoch changed: its store was created anew; replaying it from the start", ["old": "\(old)", "new": "\(new)"])
        ]
        delivered = 0
        maxSeen = 0
        epoch = new
        startReplay(reason: "new epoch", into: &actions)
        return actions
    }

    private mutating func startReplay(reason: String, into actions: inout [FollowerAction]) {
        if case .pruned = state { return }  // only an operator's resume leaves it
        if state != .replaying {
            actions.append(.log(.info, "replaying", ["after": "\(delivered)", "reason": "\(reason)"]))
            state = .replaying
            actions.append(.stateChanged(.replaying))
        }
        needsReplay = true
    }

    private mutating func refused(_ refusal: ReplayReply.Refusal) -> [FollowerAction] {
        guard refusal.code == "pruned", let oldest = refusal.oldest else {
            needsReplay = true
            return [.log(.error, "replay refused", ["code": "\(refusal.code)", "error": "\(refusal.message)"])]
        }
        state = .pruned(oldestAvailable: oldest, lastApplied: delivered)
        return [
            .log(
                .critical, "source pruned events this service never applied: resynchronise it (README, 'Resynchronising')",
                ["lastApplied": "\(delivered)", "oldestAvailable": "\(oldest)"]),
            .stateChanged(state),
        ]
    }

    private mutating func replayed(_ batch: ReplayReply.Batch) -> [FollowerAction] {
        // An empty epoch is a reply that did not say (the reader's default).
        if !batch.epoch.isEmpty, epoch != nil, epoch != batch.epoch { return noteEpoch(batch.epoch) }
        if !batch.epoch.isEmpty { epoch = batch.epoch }
        var actions: [FollowerAction] = []
        var events: [Envelope] = []
        for event in batch.events {
            guard let envelope = try? Envelope(frames: event.frames) else {
                // Replies hold consecutive sequences: this unreadable one was the next. Step past
                // it, or the follower would ask for it again forever.
                actions.append(.deadLetter(event.frames, reason: "malformed event in replay (taken as seq \(delivered + 1))"))
                delivered += 1
                continue
            }
            if envelope.header.seq == delivered + 1 {
                delivered += 1
                events.append(envelope)
            }
        }
        if !events.isEmpty {
            actions.append(.count(.replayedEvents, events.count))
            actions.append(.deliver(events))
        }
        if delivered < batch.latest || delivered < maxSeen {
            needsReplay = true
        } else if state != .live {
            state = .live
            actions.append(.log(.info, "caught up", ["seq": "\(delivered)"]))
            actions.append(.stateChanged(.live))
        }
        return actions
    }
}
