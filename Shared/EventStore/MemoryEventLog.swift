import Foundation
import GRDB
import Synchronization
import Wire

/// An ``EventLog`` in memory, for fast tests: the outbox, inbox and dead letters in Swift
/// collections, the core's own tables in an in-memory SQLite database. Writes are staged in
/// the transaction and become visible when it commits, like the SQLite log's.
public final class MemoryEventLog: EventLog {
    public let service: String
    public let epoch: String
    public let database: any DatabaseWriter

    struct State {
        var outbox: [(event: OutboundEvent, at: Date)] = []
        var latest: UInt64 = 0
        var inbox: [String: InboxPosition] = [:]
        var deadLetters: [DeadLetterRecord] = []
        var auditTrail: [OutboundEvent] = []
    }

    /// A class around the mutex, so a commit hook can hold it.
    final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box = Box()

    /// A new log (a new epoch) with the core's migrations applied to an in-memory database.
    public init(service: String, migrations: (inout DatabaseMigrator) -> Void) throws {
        self.service = service
        epoch = String(UUID().uuidString.prefix(8)).lowercased()
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        migrations(&migrator)
        try migrator.migrate(queue)
        database = queue
    }

    public func latestSeq() throws -> UInt64 { box.state.withLock { $0.latest } }

    public func inbox() throws -> [String: InboxPosition] { box.state.withLock { $0.inbox } }

    public func replay(after: UInt64, limit: Int) throws -> ReplayBatch {
        try box.state.withLock { state in
            let oldest = state.outbox.first?.event.seq ?? state.latest + 1
            if after + 1 < oldest && after < state.latest {
                throw ReplayError.pruned(oldestAvailable: oldest, requestedAfter: after)
            }
            // Sequences are consecutive from `oldest`, so the first wanted one sits at a known index.
            let start = after < oldest ? 0 : Int(after - oldest + 1)
            let events = state.outbox.dropFirst(start).prefix(max(0, limit)).map(\.event)
            return ReplayBatch(events: Array(events), latest: state.latest, oldest: oldest)
        }
    }

    public func deadLetters() throws -> [DeadLetterRecord] { box.state.withLock { $0.deadLetters } }

    public func auditTrail(before seq: UInt64?, limit: Int) throws -> [OutboundEvent] {
        box.state.withLock { state in
            Array(state.auditTrail.reversed().lazy.filter { event in seq.map { event.seq < $0 } ?? true }.prefix(max(0, limit)))
        }
    }

    public func writer(_ db: Database) -> any EventLogWriter {
        let staged = StagedWrites()
        db.afterNextTransaction { [box] _ in
            box.state.withLock { staged.apply(to: &$0) }
        }
        return MemoryLogWriter(staged: staged)
    }

    /// The writes of one transaction, applied to the state on commit (and dropped on rollback).
    final class StagedWrites: @unchecked Sendable {  // confined to the engine's transaction
        var appended: [(OutboundEvent, Date)] = []
        var positions: [String: InboxPosition] = [:]
        var latest: UInt64?
        var deadLetters: [DeadLetterRecord] = []
        var prune: (latest: UInt64, retention: Retention, now: Date)?

        func apply(to state: inout State) {
            state.outbox.append(contentsOf: appended.map { (event: $0.0, at: $0.1) })
            state.auditTrail.append(contentsOf: appended.map(\.0).filter(AuditTrailTopic.holds))
            state.inbox.merge(positions) { _, new in new }
            if let latest { state.latest = latest }
            state.deadLetters.append(contentsOf: deadLetters)
            if let prune {
                if let maxEvents = prune.retention.maxEvents, prune.latest > UInt64(maxEvents) {
                    let cut = prune.latest - UInt64(maxEvents)
                    state.outbox.removeAll { $0.event.seq <= cut }
                }
                if let maxAge = prune.retention.maxAge {
                    let cutoff = prune.now.addingTimeInterval(-maxAge)
                    state.outbox.removeAll { $0.at < cutoff }
                }
            }
        }
    }
}

struct MemoryLogWriter: EventLogWriter {
    let staged: MemoryEventLog.StagedWrites

    func append(_ event: OutboundEvent, at: Date) throws { staged.appended.append((event, at)) }
    func setPosition(_ position: InboxPosition, of source: String) throws { staged.positions[source] = position }
    func setLatest(_ seq: UInt64) throws { staged.latest = seq }
    func recordDeadLetter(_ letter: DeadLetterRecord) throws { staged.deadLetters.append(letter) }
    func prune(latest: UInt64, retention: Retention, now: Date) throws { staged.prune = (latest, retention, now) }
}
