import EventStore
import Foundation
import GRDB
import Model
import TestSupport
import Testing

/// A batch runs without a savepoint per item; only a batch in which an item failed runs again,
/// each item in a savepoint of its own, with the same outcome as if it had been isolated from
/// the start.
@Suite("Engine: batches without savepoints")
struct BatchIsolationTests {
    /// An engine whose first batch holds `setUp`'s work: work submitted before `start()` is taken
    /// together.
    private func engine(_ store: any EventLog, setUp: (Engine<CounterCore>) -> Void) throws -> Engine<CounterCore> {
        let engine = try Engine(store: store, clock: ManualClock(t0), logger: quietLogger, start: false) { CounterCore() }
        setUp(engine)
        try engine.start()
        return engine
    }

    private static func savepoints(_ statements: [String]) -> [String] {
        statements.filter { $0.uppercased().hasPrefix("SAVEPOINT") }
    }

    @Test("a batch in which every item succeeds runs no savepoint and is not run again", arguments: LogKind.allCases)
    func succeedingBatch(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let log = StatementLog()
        let done = Locked(0)
        let engine = try engine(store) { engine in
            engine.submit(.trace(log)) { _ in }
            for n in 1...20 { engine.submit(.add(n)) { r in if case .success = r { done.withLock { $0 += 1 } } } }
            engine.deliver((1...10).map { inbound($0) }, from: "upstream")
        }
        defer { engine.stop() }
        try await engine.drain()

        #expect(done.current == 20)
        #expect(try total(store) == 210)
        #expect(try applied(store).map(\.seq) == Array(1...10))
        let statements = log.take()
        #expect(statements.contains { $0.hasPrefix("UPDATE counter") }, "the trace saw the batch")
        #expect(Self.savepoints(statements) == [])
        #expect(engine.batchesRedone == 0)
    }

    @Test("a failing command makes its batch run again item by item: it alone is refused, the core's memory is reloaded", arguments: LogKind.allCases)
    func failingCommand(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let log = StatementLog()
        let results = Locked<[Int: Result<Int, any Error>]>([:])
        let engine = try engine(store) { engine in
            engine.submit(.trace(log)) { _ in }
            engine.submit(.add(1)) { r in results.withLock { $0[1] = r } }
            engine.submit(.addThenFail(100)) { r in results.withLock { $0[2] = r } }
            engine.submit(.add(2)) { r in results.withLock { $0[3] = r } }
            engine.deliver([inbound(1, amount: 5)], from: "upstream")
        }
        defer { engine.stop() }
        try await engine.drain()

        let r = results.current
        #expect(try r[1]?.get() == 1)
        #expect(throws: Refused.self) { try r[2]?.get() }
        #expect(try r[3]?.get() == 3)
        #expect(engine.batchesRedone == 1)
        #expect(Self.savepoints(log.take()).count >= 4, "the second run isolates each item")
        #expect(try total(store) == 3)
        #expect(try applied(store).map(\.amount) == [5])
        #expect(try outbox(store).map(\.seq) == [1, 2], "the refused command's event is gone and seqs are gap-free")
        // Without a reload after the first run, memory would hold 1 + 1 + 2.
        #expect(try await engine.submit(.remembered) == 3)
    }

    @Test("a failing event makes its batch run again: it alone is dead-lettered, once", arguments: LogKind.allCases)
    func failingEvent(kind: LogKind) async throws {
        let dir = try TempDir()
        let store = try openLog(kind, dir)
        let done = Locked(0)
        let engine = try engine(store) { engine in
            engine.submit(.add(7)) { r in if case .success = r { done.withLock { $0 += 1 } } }
            engine.deliver([inbound(1, amount: 1), inbound(2, amount: -4), inbound(3, amount: 3)], from: "upstream")
        }
        defer { engine.stop() }
        try await engine.drain()

        #expect(done.current == 1)
        #expect(engine.batchesRedone == 1)
        #expect(try applied(store).map(\.seq) == [1, 3])
        #expect(try store.deadLetterCount() == 1)
        #expect(try store.inbox()["upstream"] == InboxPosition(epoch: "e1", seq: 3))
        #expect(try outbox(store).map(\.header.type) == ["counter.added", "deadletter"])
    }

    @Test("after a batch ran again, the next batches use savepoints, then batches run without them again")
    func isolationWearsOff() async throws {
        let dir = try TempDir()
        let store = try openStore(dir.dbPath)
        let log = StatementLog()
        let engine = try engine(store) { engine in
            engine.submit(.trace(log)) { _ in }
            engine.submit(.addThenFail(1)) { _ in }
        }
        defer { engine.stop() }
        try await engine.drain()
        #expect(engine.batchesRedone == 1)
        _ = log.take()

        // Each awaited command is a batch of its own (ticks are batches too, without items).
        var isolated = 0
        var freed = false
        for _ in 1...40 {
            _ = try await engine.submit(.add(1))
            if Self.savepoints(log.take()).isEmpty {
                freed = true
                break
            }
            isolated += 1
        }
        #expect(isolated >= 1, "right after a redo, batches are isolated")
        #expect(freed, "batches run without savepoints again")
        #expect(engine.batchesRedone == 1)
    }
}
