import EventStore
import Foundation
import GRDB
import Model
import TestSupport
import Testing
import Wire

/// The counter core, told to use only `counter.added`: the engine drops the other types before
/// its transaction (``ServiceCore/appliedTypes``).
final class PickyCore: ServiceCore {
    typealias Command = CounterCore.Command
    typealias Reply = Int
    static let appliedTypes: Set<String>? = [Added.type]
    private let inner = CounterCore()

    static func migrate(_ migrator: inout DatabaseMigrator) { CounterCore.migrate(&migrator) }
    func load(_ db: Database) throws {}
    func handle(_ command: Command, in tx: Transaction) throws -> Int { try inner.handle(command, in: tx) }
    /// Would dead-letter a `counter.noted` (it does not decode as `Added`) if it were handed one.
    func apply(_ event: Envelope, in tx: Transaction) throws { try inner.apply(event, in: tx) }
}

func noted(_ seq: UInt64) -> Envelope {
    let header = EventHeader(type: Noted.type, version: 1, source: "upstream", epoch: "e1", seq: seq, time: EventTime.string(t0))
    return Envelope(topic: "counter.noted", header: header, payload: Array(try! JSONCodec.encoder().encode(Noted(at: t0))))
}

@Suite("Engine: type filter and retention by time")
struct TypeFilterAndRetentionTests {
    @Test("events of types the core does not use are not applied, and the source's position still moves past them", arguments: LogKind.allCases)
    func typeFilter(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try Engine(store: store, clock: ManualClock(t0), logger: quietLogger) { PickyCore() }
        defer { engine.stop() }
        engine.deliver([inbound(1), noted(2), inbound(3), noted(4), noted(5)], from: "upstream")
        _ = try await engine.submit(.total)
        #expect(try applied(store).map(\.seq) == [1, 3])
        #expect(try store.deadLetterCount() == 0, "an ignored type is not a dead letter")
        #expect(try store.inbox() == ["upstream": InboxPosition(epoch: "e1", seq: 5)], "the last event carries the position")
        #expect(engine.backlog == 0)
        // A batch of ignored events only moves the position.
        engine.deliver([noted(6), noted(7)], from: "upstream")
        _ = try await engine.submit(.total)
        #expect(try store.inbox() == ["upstream": InboxPosition(epoch: "e1", seq: 7)])
        #expect(try applied(store).map(\.seq) == [1, 3])
    }

    @Test("retention by age drops the events older than the age, whatever their count", arguments: LogKind.allCases)
    func retentionByAge(kind: LogKind) throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        // Ten events a minute apart; at minute 10, keep five minutes.
        try store.database.write { db in
            let log = store.writer(db)
            for n in 1...10 {
                try log.append(
                    OutboundEvent(seq: UInt64(n), topic: Array("t".utf8), header: Array("{}".utf8), payload: []),
                    at: t0.addingTimeInterval(Double(n) * 60))
            }
            try log.setLatest(10)
        }
        try store.database.write { db in
            try store.writer(db).prune(latest: 10, retention: Retention(maxEvents: nil, maxAge: 300), now: t0.addingTimeInterval(600))
        }
        let kept = try store.replay(after: 4, limit: 100)
        #expect(kept.oldest == 5, "minute 5 is exactly five minutes old and stays")
        #expect(kept.events.map(\.seq) == Array(5...10))
        #expect(throws: ReplayError.pruned(oldestAvailable: 5, requestedAfter: 0)) { try store.replay(after: 0, limit: 100) }
        // Count and age together: the stricter wins.
        try store.database.write { db in
            try store.writer(db).prune(latest: 10, retention: Retention(maxEvents: 3, maxAge: 300), now: t0.addingTimeInterval(600))
        }
        #expect(try store.replay(after: 7, limit: 100).oldest == 8)
    }
}

@Suite("Event log: the audit trail outlives retention")
struct AuditTrailRetentionTests {
    @Test("events on audit. topics are kept after the outbox's retention removed them, newest first, in pages", arguments: LogKind.allCases)
    func auditTrailOutlivesRetention(kind: LogKind) throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        // Ten events a minute apart, every third on the audit topic.
        try store.database.write { db in
            let log = store.writer(db)
            for n in 1...10 {
                let topic = n % 3 == 0 ? "audit.intake" : "call.received.R1"
                try log.append(
                    OutboundEvent(seq: UInt64(n), topic: Array(topic.utf8), header: Array("{}".utf8), payload: Array("\(n)".utf8)),
                    at: t0.addingTimeInterval(Double(n) * 60))
            }
            try log.setLatest(10)
        }
        #expect(try store.auditTrail(before: nil, limit: 10).map(\.seq) == [9, 6, 3])
        // Retention leaves two events in the outbox; the audit trail keeps all three of its own.
        try store.database.write { db in
            try store.writer(db).prune(latest: 10, retention: Retention(maxEvents: 2, maxAge: 60), now: t0.addingTimeInterval(600))
        }
        #expect(try store.replay(after: 8, limit: 100).events.map(\.seq) == [9, 10])
        #expect(try store.auditTrail(before: nil, limit: 10).map(\.seq) == [9, 6, 3])
        #expect(try store.auditTrail(before: nil, limit: 2).map(\.seq) == [9, 6], "a page")
        #expect(try store.auditTrail(before: 6, limit: 2).map(\.seq) == [3], "the next page starts before the last seen")
        #expect(try store.auditTrail(before: 6, limit: 2).first?.payload == Array("3".utf8))
    }
}
