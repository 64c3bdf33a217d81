import Foundation
import GRDB
import Model
import Wire

/// A service's event log, in the shape of NATS JetStream's stream and consumer stores: the
/// outbox of the events the service published (sequenced per source, kept for replay), the
/// inbox position of each source it follows, and the messages it could not use.
///
/// Two implementations share one test suite (Tests/EventStoreTests/EventLogTests.swift): the
/// SQLite ``Store`` a running service uses, and ``MemoryEventLog`` for fast tests. Writes happen
/// inside the engine's write transaction through an ``EventLogWriter``, so they commit, or roll
/// back, together with the core's own state.
public protocol EventLog: AnyObject, Sendable {
    /// The publishing service (instance) name: the `source` of its events.
    var service: String { get }
    /// Drawn anew whenever the log is created anew, so followers notice a reset.
    var epoch: String { get }
    /// The database holding the core's own tables (a file, or memory in tests).
    var database: any DatabaseWriter { get }

    /// The last sequence committed to the outbox.
    func latestSeq() throws -> UInt64
    /// The last applied sequence and epoch per followed source.
    func inbox() throws -> [String: InboxPosition]
    /// Events after `after`, at most `limit`, as stored bytes. Throws ``ReplayError/pruned``
    /// when retention already removed an event the caller has not seen.
    func replay(after: UInt64, limit: Int) throws -> ReplayBatch
    /// The same, off the caller's thread where the implementation can (SQLite reader connections).
    func replayAsync(after: UInt64, limit: Int) async throws -> ReplayBatch
    /// The dead letters, oldest first.
    func deadLetters() throws -> [DeadLetterRecord]
    /// The audit trail (every event on an `audit.` topic), newest first: those before `seq` (nil:
    /// from the newest), at most `limit`. Retention never removes it, unlike the outbox: an
    /// auditor's question (who closed this incident?) comes long after replay has moved on.
    func auditTrail(before seq: UInt64?, limit: Int) throws -> [OutboundEvent]
    /// The log's part of a write transaction on `db`.
    func writer(_ db: Database) -> any EventLogWriter
}

extension EventLog {
    public func replayAsync(after: UInt64, limit: Int) async throws -> ReplayBatch {
        try replay(after: after, limit: limit)
    }

    public func deadLetterCount() throws -> Int { try deadLetters().count }
}

/// The event log's writes inside one transaction. Nothing is visible to readers until the
/// transaction commits; nothing remains if it rolls back.
public protocol EventLogWriter {
    /// Appends a committed-to-be event to the outbox (its `seq` is the next one).
    func append(_ event: OutboundEvent, at: Date) throws
    /// Records how far a source has been applied.
    func setPosition(_ position: InboxPosition, of source: String) throws
    /// Records the last sequence of the outbox.
    func setLatest(_ seq: UInt64) throws
    /// Keeps a message that could not be used, with the reason.
    func recordDeadLetter(_ letter: DeadLetterRecord) throws
    /// Applies retention: events beyond the count or older than the age go.
    func prune(latest: UInt64, retention: Retention, now: Date) throws
}

/// The audit trail's events, kept apart from the outbox so that retention does not remove them.
enum AuditTrailTopic {
    static let prefix = Array("\(AuditRecorded.type).".utf8)

    static func holds(_ event: OutboundEvent) -> Bool { event.topic.starts(with: prefix) }
}

/// A message a service could not use, as kept.
public struct DeadLetterRecord: Sendable, Equatable {
    public var at: Date
    public var source: String?
    public var reason: String
    /// The frames as received, base64.
    public var frames: [String]

    public init(at: Date, source: String?, reason: String, frames: [String]) {
        self.at = at
        self.source = source
        self.reason = reason
        self.frames = frames
    }
}

/// How far a followed source has been applied.
public struct InboxPosition: Sendable, Equatable {
    public var epoch: String
    public var seq: UInt64

    public init(epoch: String, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// A page of the outbox.
public struct ReplayBatch: Sendable {
    public var events: [OutboundEvent]
    public var latest: UInt64
    public var oldest: UInt64

    public init(events: [OutboundEvent], latest: UInt64, oldest: UInt64) {
        self.events = events
        self.latest = latest
        self.oldest = oldest
    }
}

public enum ReplayError: Error, Equatable, CustomStringConvertible {
    case pruned(oldestAvailable: UInt64, requestedAfter: UInt64)

    public var description: String {
        switch self {
        case .pruned(let oldest, let after):
            "events after \(after) were pruned by retention; the oldest still available is \(oldest)"
        }
    }
}

/// How long the outbox keeps published events for replay. `nil` fields do not limit.
public struct Retention: Sendable, Equatable {
    public var maxEvents: Int?
    public var maxAge: TimeInterval?

    public init(maxEvents: Int? = 1_000_000, maxAge: TimeInterval? = 7 * 86_400) {
        self.maxEvents = maxEvents
        self.maxAge = maxAge
    }
}
