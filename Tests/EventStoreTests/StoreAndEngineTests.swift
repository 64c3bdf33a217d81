import EventStore
import Foundation
import GRDB
import Model
import TestSupport
import Testing
import Wire

@Suite("Store")
struct StoreTests {
    @Test("a new store has an epoch and last seq 0; reopening keeps the epoch; a recreated file gets a new one")
    func epochs() throws {
        let dir = try TempDir()
        let first: String
        do {
            let store = try openStore(dir.dbPath)
            first = store.epoch
            #expect(first.count == 8)
            #expect(first != "unknown")
            #expect(try store.latestSeq() == 0)
            #expect(try store.inbox().isEmpty)
            #expect(try store.deadLetterCount() == 0)
            let batch = try store.replay(after: 0, limit: 10)
            #expect(batch.events.isEmpty)
            #expect(batch.latest == 0)
        }
        do {
            let reopened = try openStore(dir.dbPath)
            #expect(reopened.epoch == first)
        }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.dbPath + suffix) }
        let recreated = try openStore(dir.dbPath)
        #expect(recreated.epoch != first)
        #expect(try recreated.latestSeq() == 0)
    }

    @Test("two stores created side by side have different epochs")
    func distinctEpochs() throws {
        let a = try TempDir()
        let b = try TempDir()
        #expect(try openStore(a.dbPath).epoch != openStore(b.dbPath).epoch)
    }
}

@Suite("Engine")
struct EngineTests {
    @Test("commands commit and emit events with consecutive seqs and complete headers", arguments: LogKind.allCases)
    func commandsEmit(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        #expect(engine.isRunning)

        #expect(try await engine.submit(.add(5)) == 5)
        #expect(try await engine.submit(.add(7)) == 12)
        #expect(try await engine.submit(.add(3)) == 15)

        let events = try outbox(store)
        #expect(events.map(\.seq) == [1, 2, 3])
        #expect(try store.latestSeq() == 3)
        #expect(try total(store) == 15)
        for (index, event) in events.enumerated() {
            let seq = UInt64(index + 1)
            #expect(
                event.header
                    == {
                        var h = EventHeader(
                            type: "counter.added", version: 1, source: "counter", epoch: store.epoch, seq: seq,
                            time: "2026-11-22T08:00:00.000Z", correlationId: "counter-1")
                        h.id = "counter:\(store.epoch):\(seq)"
                        return h
                    }())
            #expect(event.topic == "counter.added.k")
        }
        let payload = try JSONCodec.decoder().decode(Added.self, from: Data(events[1].payload))
        #expect(payload == Added(amount: 7, total: 12, at: t0))
    }

    @Test("many concurrent commands get gap-free seqs, one per command", arguments: LogKind.allCases)
    func concurrentCommands(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 1...200 { group.addTask { try await engine.submit(.add(n)) } }
            var totals: Set<Int> = []
            for try await t in group { totals.insert(t) }
            #expect(totals.count == 200, "every reply is a distinct running total")
        }
        #expect(try outbox(store).map(\.seq) == Array(1...200))
        #expect(try total(store) == 200 * 201 / 2)
    }

    @Test("a command that throws rolls back only itself: its events are gone and seqs stay gap-free", arguments: LogKind.allCases)
    func failingCommand(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }

        // Handed over together, so that they very likely share one transaction.
        let results = Locked<[Int: Result<Int, any Error>]>([:])
        engine.submit(.add(1)) { r in results.withLock { $0[1] = r } }
        engine.submit(.addThenFail(100)) { r in results.withLock { $0[2] = r } }
        engine.submit(.add(2)) { r in results.withLock { $0[3] = r } }
        try await engine.drain()

        let r = results.current
        #expect(try r[1]?.get() == 1)
        #expect(try r[3]?.get() == 3)
        #expect(throws: Refused.self) { try r[2]?.get() }

        #expect(try total(store) == 3)
        let events = try outbox(store)
        #expect(events.map(\.seq) == [1, 2])
        let amounts = try events.map { try JSONCodec.decoder().decode(Added.self, from: Data($0.payload)).amount }
        #expect(amounts == [1, 2])
        #expect(try store.latestSeq() == 2)
        #expect(try await engine.submit(.add(3)) == 6)
        #expect(try outbox(store).map(\.seq) == [1, 2, 3])
    }

    @Test("delivering the same events twice applies them once (inbox)", arguments: LogKind.allCases)
    func idempotentInbox(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }

        engine.deliver((1...5).map { inbound($0) }, from: "upstream")
        try await engine.drain()
        engine.deliver((1...5).map { inbound($0) }, from: "upstream")
        engine.deliver((3...7).map { inbound($0) }, from: "upstream")
        try await engine.drain()

        #expect(try applied(store).map(\.seq) == Array(1...7))
        #expect(try store.inbox() == ["upstream": InboxPosition(epoch: "e1", seq: 7)])
        #expect(try store.latestSeq() == 0, "applying emitted nothing")
        #expect(engine.backlog == 0)
    }

    @Test("sources are tracked separately in the inbox", arguments: LogKind.allCases)
    func twoSources(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        engine.deliver((1...3).map { inbound($0, source: "a") }, from: "a")
        engine.deliver((1...2).map { inbound($0, source: "b", epoch: "eb") }, from: "b")
        engine.deliver((1...3).map { inbound($0, source: "a") }, from: "a")
        try await engine.drain()
        #expect(try applied(store).count == 5)
        #expect(try store.inbox() == ["a": InboxPosition(epoch: "e1", seq: 3), "b": InboxPosition(epoch: "eb", seq: 2)])
    }

    @Test("an event whose apply throws goes to the dead letters, a deadletter event is emitted, the inbox advances", arguments: LogKind.allCases)
    func deadLetteredEvent(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }

        let poison = inbound(2, amount: -4)
        engine.deliver([inbound(1, amount: 1), poison, inbound(3, amount: 3)], from: "upstream")
        try await engine.drain()

        // The refused event's own writes and emits were rolled back; the others applied.
        #expect(try applied(store).map(\.seq) == [1, 3])
        #expect(try store.inbox()["upstream"] == InboxPosition(epoch: "e1", seq: 3))
        #expect(try store.deadLetterCount() == 1)
        let letters = try deadLetters(store)
        #expect(letters.map(\.source) == ["upstream"])
        #expect(letters.first?.reason.contains("negative amount -4 refused") == true)

        let events = try outbox(store)
        try #require(events.count == 1, "only the deadletter event, not the rolled-back counter.noted")
        let letter = events[0]
        #expect(letter.seq == 1)
        #expect(letter.topic == "deadletter.counter")
        #expect(letter.header.type == "deadletter")
        #expect(letter.header.causationId == "upstream:e1:2")
        let payload = try JSONCodec.decoder().decode(DeadLetter.self, from: Data(letter.payload))
        #expect(payload.service == "counter")
        #expect(payload.source == "upstream")
        #expect(payload.reason.contains("negative amount -4"))
        #expect(payload.frames.map { Array(Data(base64Encoded: $0)!) } == poison.frames)
        #expect(payload.at == t0)

        // Redelivering the poison event does not dead-letter it twice.
        engine.deliver([poison], from: "upstream")
        try await engine.drain()
        #expect(try store.deadLetterCount() == 1)
    }

    @Test("an unknown schema version is dead-lettered with the reason", arguments: LogKind.allCases)
    func unknownVersion(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        engine.deliver([inbound(1, version: 2)], from: "upstream")
        try await engine.drain()
        #expect(try applied(store).isEmpty)
        let reason = try deadLetters(store).first?.reason
        #expect(reason?.contains("unknown schema version 2 of counter.added") == true)
        #expect(try store.inbox()["upstream"]?.seq == 1)
    }

    @Test("a dead letter handed over by the bus is stored and announced", arguments: LogKind.allCases)
    func busDeadLetter(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        engine.deadLetter(frames: [Array("x".utf8), Array("not json".utf8), []], source: nil, reason: "header is not a flat JSON object")
        try await engine.drain()
        #expect(try store.deadLetterCount() == 1)
        let events = try outbox(store)
        try #require(events.map(\.topic) == ["deadletter.counter"])
        let payload = try JSONCodec.decoder().decode(DeadLetter.self, from: Data(events[0].payload))
        #expect(payload.source == nil)
        #expect(payload.frames == ["eA==", "bm90IGpzb24=", ""])
    }

    @Test("events from a new epoch of a source are applied from seq 1 again", arguments: LogKind.allCases)
    func newEpoch(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        defer { engine.stop() }
        engine.deliver((1...3).map { inbound($0, epoch: "e1") }, from: "upstream")
        try await engine.drain()
        engine.deliver((1...2).map { inbound($0, epoch: "e2") }, from: "upstream")
        try await engine.drain()
        #expect(try applied(store).map { "\($0.epoch)/\($0.seq)" } == ["e1/1", "e1/2", "e1/3", "e2/1", "e2/2"])
        #expect(try store.inbox()["upstream"] == InboxPosition(epoch: "e2", seq: 2))
    }

    @Test("after stop() a new Engine on the same file continues state, seqs and inbox")
    func restart() async throws {
        let dir = try TempDir()
        let epoch: String
        do {
            let store = try openStore(dir.dbPath)
            epoch = store.epoch
            let engine = try startEngine(store)
            for n in 1...3 { _ = try await engine.submit(.add(n)) }
            engine.deliver((1...2).map { inbound($0) }, from: "upstream")
            engine.stop()
            #expect(!engine.isRunning)
            await #expect(throws: EngineError.self) { try await engine.submit(.add(1)) }
        }
        let store = try openStore(dir.dbPath)
        #expect(store.epoch == epoch)
        let engine = try startEngine(store)
        defer { engine.stop() }
        #expect(try await engine.submit(.add(10)) == 16)
        engine.deliver((1...3).map { inbound($0) }, from: "upstream")
        try await engine.drain()
        #expect(try outbox(store).map(\.seq) == [1, 2, 3, 4])
        #expect(try outbox(store).allSatisfy { $0.header.epoch == epoch })
        #expect(try applied(store).map(\.seq) == [1, 2, 3], "1 and 2 were applied before the restart, once")
    }

    @Test("stop() commits the work already queued", arguments: LogKind.allCases)
    func stopDrains(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store)
        let done = Locked(0)
        for n in 1...100 { engine.submit(.add(n)) { r in if case .success = r { done.withLock { $0 += 1 } } } }
        engine.stop()
        #expect(done.current == 100)
        #expect(try store.latestSeq() == 100)
    }

    @Test("a core that fails to load makes init throw")
    func loadFailure() throws {
        final class Broken: ServiceCore {
            typealias Command = Int
            typealias Reply = Int
            static func migrate(_ migrator: inout DatabaseMigrator) {}
            func load(_ db: Database) throws { throw Refused(description: "cannot load") }
            func handle(_ command: Int, in tx: Transaction) throws -> Int { command }
            func apply(_ event: Envelope, in tx: Transaction) throws {}
        }
        let dir = try TempDir()
        let store = try Store(path: dir.dbPath, service: "broken", migrations: Broken.migrate)
        #expect(throws: Refused.self) {
            _ = try Engine(store: store, clock: ManualClock(t0), logger: quietLogger) { Broken() }
        }
    }

    @Test("retention prunes the outbox: replay after 0 is refused, recent replays work", arguments: LogKind.allCases)
    func retention(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let engine = try startEngine(store) {
            $0.retention = Retention(maxEvents: 10, maxAge: nil)
            $0.pruneInterval = .milliseconds(5)
            $0.tickInterval = .milliseconds(5)
        }
        defer { engine.stop() }
        for n in 1...50 { _ = try await engine.submit(.add(n)) }

        // Pruning runs every pruneInterval, so it may first cut at an earlier latest: wait for the last cut.
        await eventually("the outbox to be pruned to its last 10") { (try? store.replay(after: 45, limit: 1))?.oldest == 41 }
        #expect(throws: ReplayError.pruned(oldestAvailable: 41, requestedAfter: 0)) { try store.replay(after: 0, limit: 100) }
        #expect(throws: ReplayError.pruned(oldestAvailable: 41, requestedAfter: 39)) { try store.replay(after: 39, limit: 100) }

        let recent = try store.replay(after: 45, limit: 100)
        #expect(recent.events.map(\.seq) == [46, 47, 48, 49, 50])
        #expect(recent.latest == 50)
        #expect(recent.oldest == 41)
        #expect(try store.replay(after: 40, limit: 100).events.map(\.seq) == Array(41...50))
        #expect(try store.replay(after: 40, limit: 3).events.map(\.seq) == [41, 42, 43])
        #expect(try store.replay(after: 50, limit: 100).events.isEmpty)
    }
}
