import Foundation
import GRDB
import Model
import Wire

/// The write transaction a core works in: its state changes and the events they cause are
/// committed together, or not at all.
public final class Transaction {
    public let db: Database
    /// Event time of this batch (the engine's clock).
    public let now: Date
    /// The inbound event being applied, so emitted events carry it as their cause.
    public internal(set) var cause: EventHeader?
    let service: String
    let epoch: String
    var nextSeq: UInt64
    var emitted: [OutboundEvent] = []
    let encoder: JSONEncoder
    public let decoder: JSONDecoder

    init(db: Database, now: Date, service: String, epoch: String, nextSeq: UInt64, encoder: JSONEncoder, decoder: JSONDecoder) {
        self.db = db
        self.now = now
        self.service = service
        self.epoch = epoch
        self.nextSeq = nextSeq
        self.encoder = encoder
        self.decoder = decoder
    }

    /// Appends an event to the outbox; it is published once the transaction commits.
    @discardableResult
    public func emit<P: EventPayload>(_ payload: P) throws -> EventHeader {
        let body = try JSONCodec.encode(payload, fallback: encoder)
        let header = EventHeader(
            type: P.type, version: P.version, source: service, epoch: epoch, seq: nextSeq,
            time: EventTime.string(payload.eventTime), correlationId: payload.correlationId, causationId: cause?.id)
        emitted.append(OutboundEvent(seq: nextSeq, topic: Array(payload.topic.utf8), header: header.encoded(), payload: body))
        nextSeq += 1
        return header
    }

    /// Decodes an inbound payload, refusing schema versions this code does not know.
    public func decode<P: EventPayload>(_ type: P.Type, from envelope: Envelope) throws -> P {
        guard envelope.header.version == P.version else {
            throw UnusableEvent(reason: "unknown schema version \(envelope.header.version) of \(P.type) (this service reads version \(P.version))")
        }
        do {
            return try JSONCodec.decode(P.self, from: envelope.payload, fallback: decoder)
        } catch {
            let (field, reason) = describe(error)
            throw UnusableEvent(reason: "payload of \(P.type) v\(P.version) is malformed: \(field.isEmpty ? "" : field + " ")\(reason)")
        }
    }

    /// Runs a statement from the statement cache: the hot paths run the same few statements
    /// thousands of times a second, and SQLite's parser is not free.
    public func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// One value, through the statement cache.
    public func fetchOne<T: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: T.Type, _ sql: String, _ arguments: StatementArguments = StatementArguments()
    ) throws -> T? {
        try T.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// Runs `body` in a savepoint: its changes are rolled back, and its events withdrawn, if it throws.
    func savepoint<R>(_ body: () throws -> R) throws -> R {
        let mark = mark()
        try db.cachedStatement(sql: "SAVEPOINT item").execute()
        do {
            let result = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT item").execute()
            return result
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT item").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT item").execute()
            rollback(to: mark)
            throw error
        }
    }

    struct Mark {
        var seq: UInt64
        var count: Int
    }
    func mark() -> Mark { Mark(seq: nextSeq, count: emitted.count) }
    func rollback(to mark: Mark) {
        nextSeq = mark.seq
        emitted.removeSubrange(mark.count...)
    }
}

/// An inbound event this service cannot use: it goes to the dead letters with this reason.
public struct UnusableEvent: Error, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
