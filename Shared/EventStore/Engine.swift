import CPrecinctShims
import DequeModule
import Foundation
import GRDB
import Logging
import Metrics
import Model
import Synchronization
import Wire

/// The rules of one service, applied inside the engine's transactions. Lives on the engine's
/// thread only, so it may keep caches without locks.
public protocol ServiceCore: AnyObject, SendableMetatype {
    associatedtype Command: Sendable
    associatedtype Reply: Sendable

    /// The core's own tables.
    static func migrate(_ migrator: inout DatabaseMigrator)
    /// (Re)builds in-memory state from the store: at start, and after a transaction failed.
    func load(_ db: Database) throws
    /// A command from HTTP or the ROUTER. A thrown error rolls back this command only.
    func handle(_ command: Command, in tx: Transaction) throws -> Reply
    /// An event from a followed source, in order, at most once. A thrown error rolls back this
    /// event only and sends it to the dead letters.
    func apply(_ event: Envelope, in tx: Transaction) throws
    /// Time-driven work (timers), on event time (`tx.now`).
    func tick(in tx: Transaction) throws
    /// The event types ``apply(_:in:)`` uses (nil: every type). The engine drops the others as
    /// they arrive, before its queue and its transaction: an ignored event costs no savepoint and
    /// no work of the core. A core that starts using a type must add it here.
    static var appliedTypes: Set<String>? { get }
}

extension ServiceCore {
    public func tick(in tx: Transaction) throws {}
    public static var appliedTypes: Set<String>? { nil }
}

public struct EngineConfig: Sendable {
    /// Work items (commands or events) per transaction at most.
    public var maxBatch = 1_000
    public var tickInterval: Duration = .milliseconds(250)
    public var retention = Retention()
    public var pruneInterval: Duration = .seconds(5)

    public init() {}
}

/// Runs a ``ServiceCore`` on a dedicated thread, grouping work into one SQLite transaction per
/// batch: state changes, outbox events and inbox positions commit together (transactional
/// outbox + idempotent inbox). Events are published, and commands answered, only after commit.
public final class Engine<Core: ServiceCore>: Sendable {
    public typealias Completion = @Sendable (Result<Core.Reply, any Error>) -> Void

    enum Work: Sendable {
        /// A command, with the record that must commit with its changes (``WriteCompanion``).
        case command(Core.Command, Completion, WriteCompanion?)
        case events([Envelope], source: String)
        case deadLetter([[UInt8]], source: String?, reason: String)
        /// Events that are the service's own and not its core's (the audit trail).
        case record(@Sendable (Transaction) throws -> Void)
    }

    /// The event log (and the database of the core's tables) this engine writes.
    public let store: any EventLog
    public let service: String
    private let clock: any EventClock
    private let config: EngineConfig
    private let logger: Logger
    private let condition = NSCondition()
    /// Commands (calls, field reports) go before events from followed sources, so a flood of
    /// incoming events never makes a caller or a unit on the road wait behind it.
    nonisolated(unsafe) private var commands = Deque<Work>()  // guarded by `condition`
    nonisolated(unsafe) private var inbound = Deque<Work>()  // guarded by `condition`
    nonisolated(unsafe) private var stopping = false  // guarded by `condition`
    private let pendingEvents = Atomic<Int>(0)
    private let transport = Mutex<(any EngineTransport)?>(nil)
    private let finished = DispatchSemaphore(value: 0)
    private let ready = Atomic<Bool>(false)
    private let commits = Counter(label: "precinct_engine_commits_total")
    private let batchSize = Recorder(label: "precinct_engine_batch_size")
    private let commitFailures = Counter(label: "precinct_engine_commit_failures_total")
    /// Batches run a second time, each item in a savepoint, because an item failed.
    private let redoneCounter = Counter(label: "precinct_engine_batches_redone_total")
    private let redone = Atomic<Int>(0)
    private let deadLetterCounter: Counter

    private let makeCore: @Sendable () throws -> Core
    private let started = Atomic<Bool>(false)

    /// Creates the engine; with `start` (the default) it opens the core on its own thread and
    /// returns once it has loaded. A service started by a service group passes `start: false`
    /// and calls ``start()`` from the group's `run()`, which so owns the thread's lifetime.
    public init(
        store: any EventLog, clock: any EventClock, config: EngineConfig = EngineConfig(), logger: Logger,
        start: Bool = true, makeCore: @escaping @Sendable () throws -> Core
    ) throws {
        self.store = store
        self.service = store.service
        self.clock = clock
        self.config = config
        self.logger = logger
        self.makeCore = makeCore
        deadLetterCounter = Counter(label: "precinct_dead_letters_total", dimensions: [("service", store.service)])
        if start { try self.start() }
    }

    /// Starts the engine's thread and returns once the core has loaded (at most once). Work
    /// submitted before is kept and done first.
    /// - Throws: what loading the core threw, after the thread has ended.
    public func start() throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let loaded = DispatchSemaphore(value: 0)
        let startError = Mutex<(any Error)?>(nil)
        let thread = Thread { [self] in
            precinct_set_thread_name(String("engine-\(service)".prefix(15)))
            let core: Core
            do {
                core = try makeCore()
                try store.database.read { try core.load($0) }
            } catch {
                startError.withLock { $0 = error }
                loaded.signal()
                finished.signal()
                return
            }
            ready.store(true, ordering: .releasing)
            loaded.signal()
            run(core)
            finished.signal()
        }
        thread.name = "engine-\(service)"
        thread.stackSize = 4 << 20
        thread.start()
        loaded.wait()
        if let error = startError.withLock({ $0 }) { throw error }
    }

    /// Where committed events go. Until attached, they stay in the outbox (followers replay them).
    public func attach(_ transport: any EngineTransport) {
        self.transport.withLock { $0 = transport }
    }

    public var isRunning: Bool { ready.load(ordering: .acquiring) }

    /// How many batches had to run a second time, each item in a savepoint of its own, because
    /// an item failed when the batch ran without them (also `precinct_engine_batches_redone_total`).
    public var batchesRedone: Int { redone.load(ordering: .relaxed) }

    /// Events handed over but not yet committed.
    public var backlog: Int { pendingEvents.load(ordering: .relaxed) }

    // MARK: Submitting work

    /// The request's ``WriteCompanion/current``, if any, commits with the command's changes.
    public func submit(_ command: Core.Command, completion: @escaping Completion) {
        enqueue(.command(command, completion, WriteCompanion.current))
    }

    /// Runs a command and returns its reply once the transaction holding it has committed.
    public func submit(_ command: Core.Command) async throws -> Core.Reply {
        try await withCheckedThrowingContinuation { continuation in
            submit(command) { continuation.resume(with: $0) }
        }
    }

    /// Queues events from `source` for the core. Of the types the core does not use
    /// (``ServiceCore/appliedTypes``) only the batch's last event is kept, to carry the source's
    /// position into the inbox (so a restart does not replay what was already seen).
    public func deliver(_ events: [Envelope], from source: String) {
        guard let types = Core.appliedTypes else {
            enqueue(.events(events, source: source))
            return
        }
        var kept = events.filter { types.contains($0.header.type) }
        if let last = events.last, !types.contains(last.header.type) { kept.append(last) }
        guard !kept.isEmpty else { return }
        enqueue(.events(kept, source: source))
    }

    public func deadLetter(frames: [[UInt8]], source: String?, reason: String) {
        enqueue(.deadLetter(frames, source: source, reason: reason))
    }

    /// Commits what `body` emits in the next transaction, outside the core (the audit trail: a
    /// service's record of who asked what, published like its other events). A throwing body
    /// rolls back alone and is logged.
    public func record(_ body: @escaping @Sendable (Transaction) throws -> Void) {
        enqueue(.record(body))
    }

    @discardableResult
    private func enqueue(_ work: Work) -> Bool {
        condition.lock()
        if stopping {
            condition.unlock()
            if case .command(_, let completion, _) = work { completion(.failure(EngineError.stopped)) }
            return false
        }
        // Count before the engine can take it, so the backlog never goes below zero.
        if case .events(let events, _) = work {
            pendingEvents.add(events.count, ordering: .relaxed)
            inbound.append(work)
        } else {
            commands.append(work)
        }
        condition.signal()
        condition.unlock()
        return true
    }

    /// Commits the work already queued, then stops the thread.
    public func stop() {
        condition.lock()
        let already = stopping
        stopping = true
        // Never started: nothing will take the queued commands, so they fail now.
        let orphans = started.load(ordering: .acquiring) ? [] : Array(commands)
        if !orphans.isEmpty { commands.removeAll() }
        condition.signal()
        condition.unlock()
        for case .command(_, let completion, _) in orphans { completion(.failure(EngineError.stopped)) }
        if !already && started.load(ordering: .acquiring) { finished.wait() }
        ready.store(false, ordering: .releasing)
    }

    // MARK: The engine thread

    private func run(_ core: Core) {
        let encoder = JSONCodec.encoder()
        let decoder = JSONCodec.decoder()
        var isolatedBatches = 0
        var nextSeq: UInt64
        var inbox: [String: InboxPosition]
        do {
            nextSeq = try store.latestSeq() + 1
            inbox = try store.inbox()
        } catch {
            logger.critical("cannot read the store", metadata: ["error": "\(error)"])
            return
        }
        let wallClock = ContinuousClock()
        var nextTick = wallClock.now
        var nextPrune = wallClock.now + config.pruneInterval
        while true {
            condition.lock()
            while commands.isEmpty && inbound.isEmpty && !stopping && wallClock.now < nextTick {
                let wait = (nextTick - wallClock.now).components
                _ = condition.wait(until: Date().addingTimeInterval(Double(wait.seconds) + Double(wait.attoseconds) / 1e18))
            }
            if commands.isEmpty && inbound.isEmpty && stopping {
                condition.unlock()
                return
            }
            var batch: [Work] = []
            var weight = 0
            while weight < config.maxBatch, let work = commands.popFirst() {
                weight += 1
                batch.append(work)
            }
            while weight < config.maxBatch, let work = inbound.popFirst() {
                if case .events(let events, _) = work { weight += events.count }
                batch.append(work)
            }
            condition.unlock()

            let now = wallClock.now
            let tickDue = now >= nextTick
            if tickDue { nextTick = now + config.tickInterval }
            let pruneDue = now >= nextPrune
            if pruneDue { nextPrune = now + config.pruneInterval }
            process(
                batch, core: core, tick: tickDue, prune: pruneDue, nextSeq: &nextSeq, inbox: &inbox, isolatedBatches: &isolatedBatches,
                encoder: encoder, decoder: decoder)
        }
    }

    /// What one attempt at a batch leaves to do once its transaction has committed.
    private struct Outcome {
        var tx: Transaction
        var replies: [(Completion, Result<Core.Reply, any Error>)] = []
        var companions: [WriteCompanion] = []
        var inbox: [String: InboxPosition]
        /// Dead letters recorded, counted in the metric only once committed (a batch that runs
        /// twice records them twice, and only the second run commits).
        var deadLetters = 0
    }

    /// An item failed in a batch run without savepoints: the batch is run again, item by item.
    private struct ItemFailed: Error {}

    /// How many batches after one that had to be run again go straight to savepoints: when items
    /// fail often (a burst of refused commands), running each batch twice would cost more than
    /// the savepoints it saves.
    private static var isolatedAfterFailure: Int { 16 }

    private func process(
        _ batch: [Work], core: Core, tick: Bool, prune: Bool, nextSeq: inout UInt64,
        inbox: inout [String: InboxPosition], isolatedBatches: inout Int, encoder: JSONEncoder, decoder: JSONDecoder
    ) {
        let eventCount = batch.reduce(0) { count, work in
            if case .events(let events, _) = work { count + events.count } else { count }
        }
        let now = clock.now()
        let outcome: Outcome
        do {
            // An item almost never fails, and a savepoint for each one costs two statements and a
            // statement journal: a batch first runs without them. If an item fails, the whole
            // transaction rolls back, the core reloads what it keeps in memory, and the batch runs
            // again with each item in a savepoint of its own, so that item alone is refused or
            // dead-lettered, exactly as if it had been isolated from the start.
            var isolated = isolatedBatches > 0
            if isolated { isolatedBatches -= 1 }
            while true {
                do {
                    outcome = try attempt(
                        batch, core: core, tick: tick, prune: prune, now: now, startSeq: nextSeq, inbox: inbox, isolated: isolated,
                        encoder: encoder, decoder: decoder)
                    break
                } catch let failed as AttemptFailed where !isolated && failed.error is ItemFailed {
                    redoneCounter.increment()
                    redone.add(1, ordering: .relaxed)
                    isolatedBatches = Self.isolatedAfterFailure
                    for companion in failed.companions { companion.reset() }
                    try store.database.read { try core.load($0) }
                    isolated = true
                }
            }
        } catch {
            // The whole batch is lost: fail the commands, rebuild caches, and let the bus replay events.
            let failed = error as? AttemptFailed
            let cause = failed?.error ?? error
            commitFailures.increment()
            logger.error("transaction failed; batch rolled back", metadata: ["error": "\(cause)", "items": "\(batch.count)"])
            pendingEvents.subtract(eventCount, ordering: .relaxed)
            for companion in failed?.companions ?? [] { companion.reset() }
            try? store.database.read { try core.load($0) }
            for work in batch {
                if case .command(_, let completion, _) = work { completion(.failure(cause)) }
            }
            if let bus = transport.withLock({ $0 }) {
                for (source, position) in inbox { bus.rewind(source: source, to: position.seq) }
                for work in batch {
                    if case .events(_, let source) = work, inbox[source] == nil { bus.rewind(source: source, to: 0) }
                }
            }
            return
        }
        finish(outcome, eventCount: eventCount, batch: batch, nextSeq: &nextSeq, inbox: &inbox)
    }

    /// A transaction that rolled back, with the companions that had run in it (they must be
    /// reset so that the next write carries them).
    private struct AttemptFailed: Error {
        var error: any Error
        var companions: [WriteCompanion]
    }

    /// Runs the batch in one transaction: `isolated`, each item in a savepoint of its own (a
    /// failing item is rolled back alone); otherwise without savepoints, and the first failing
    /// item rolls back everything (``ItemFailed``).
    private func attempt(
        _ batch: [Work], core: Core, tick: Bool, prune: Bool, now: Date, startSeq: UInt64,
        inbox: [String: InboxPosition], isolated: Bool, encoder: JSONEncoder, decoder: JSONDecoder
    ) throws -> Outcome {
        var companions: [WriteCompanion] = []
        let service = self.service
        let epoch = store.epoch
        do {
            return try store.database.write { db -> Outcome in
                let log = store.writer(db)
                let tx = Transaction(db: db, now: now, service: service, epoch: epoch, nextSeq: startSeq, encoder: encoder, decoder: decoder)
                var outcome = Outcome(tx: tx, inbox: inbox)
                /// Runs one item: in a savepoint when isolated; otherwise a failure ends the attempt.
                func item<R>(_ body: () throws -> R) throws -> Result<R, any Error> {
                    guard isolated else {
                        do { return .success(try body()) } catch { throw ItemFailed() }
                    }
                    do { return .success(try tx.savepoint(body)) } catch { return .failure(error) }
                }
                var dirty = Set<String>()
                for work in batch {
                    switch work {
                    case .command(let command, let completion, let companion):
                        let reply = try item {
                            let changes = tx.db.totalChangesCount
                            let events = tx.emitted.count
                            let reply = try core.handle(command, in: tx)
                            // The request's record goes with its first command that writes.
                            if let companion, companion.waiting, tx.db.totalChangesCount != changes || tx.emitted.count != events {
                                try companion.body(tx)
                                companion.ran()
                                companions.append(companion)
                            }
                            return reply
                        }
                        outcome.replies.append((completion, reply))
                    case .events(let events, let source):
                        for event in events {
                            var position = outcome.inbox[source] ?? InboxPosition(epoch: event.header.epoch, seq: 0)
                            if position.epoch != event.header.epoch {
                                logger.warning(
                                    "source has a new epoch; applying it from its first event",
                                    metadata: ["source": "\(source)", "epoch": "\(event.header.epoch)"])
                                position = InboxPosition(epoch: event.header.epoch, seq: 0)
                            }
                            guard event.header.seq > position.seq else { continue }  // already applied
                            if let types = Core.appliedTypes, !types.contains(event.header.type) {
                                // Not used by the core: only the position moves.
                                position.seq = event.header.seq
                                outcome.inbox[source] = position
                                dirty.insert(source)
                                continue
                            }
                            tx.cause = event.header
                            if case .failure(let error) = try item({ try core.apply(event, in: tx) }) {
                                try recordDeadLetter(tx, log: log, frames: event.frames, source: source, reason: "\(error)")
                                outcome.deadLetters += 1
                            }
                            tx.cause = nil
                            position.seq = event.header.seq
                            outcome.inbox[source] = position
                            dirty.insert(source)
                        }
                    case .deadLetter(let frames, let source, let reason):
                        try recordDeadLetter(tx, log: log, frames: frames, source: source, reason: reason)
                        outcome.deadLetters += 1
                    case .record(let body):
                        if case .failure(let error) = try item({ try body(tx) }) {
                            logger.error("a record outside the core failed", metadata: ["error": "\(error)"])
                        }
                    }
                }
                if tick { try core.tick(in: tx) }
                for source in dirty { try log.setPosition(outcome.inbox[source]!, of: source) }
                let appendedAt = Date()
                for event in tx.emitted { try log.append(event, at: appendedAt) }
                if tx.nextSeq != startSeq { try log.setLatest(tx.nextSeq - 1) }
                if prune { try log.prune(latest: tx.nextSeq - 1, retention: config.retention, now: appendedAt) }
                outcome.companions = companions
                return outcome
            }
        } catch {
            throw AttemptFailed(error: error, companions: companions)
        }
    }

    /// After the commit: moves the sequence and the inbox on, publishes, and answers.
    private func finish(
        _ outcome: Outcome, eventCount: Int, batch: [Work], nextSeq: inout UInt64, inbox: inout [String: InboxPosition]
    ) {
        nextSeq = outcome.tx.nextSeq
        inbox = outcome.inbox
        pendingEvents.subtract(eventCount, ordering: .relaxed)
        commits.increment()
        batchSize.record(batch.count)
        if outcome.deadLetters > 0 { deadLetterCounter.increment(by: outcome.deadLetters) }
        for companion in outcome.companions { companion.commit() }
        if !outcome.tx.emitted.isEmpty, let transport = transport.withLock({ $0 }) { transport.publish(outcome.tx.emitted) }
        for (completion, result) in outcome.replies { completion(result) }
    }

    private func recordDeadLetter(_ tx: Transaction, log: any EventLogWriter, frames: [[UInt8]], source: String?, reason: String) throws {
        let encoded = frames.map { Data($0).base64EncodedString() }
        try log.recordDeadLetter(DeadLetterRecord(at: Date(), source: source, reason: reason, frames: encoded))
        try tx.emit(DeadLetter(service: service, source: source, reason: reason, frames: encoded, at: tx.now))
    }
}

public enum EngineError: Error, CustomStringConvertible {
    case stopped
    public var description: String { "the service is shutting down" }
}

/// What the engine needs of the bus: publish what committed, and hand back events a failed
/// transaction did not apply so they are delivered again.
public protocol EngineTransport: EventPublisher {
    /// Delivers `source`'s events after `seq` again (they were handed over but not applied).
    func rewind(source: String, to seq: UInt64)
}
