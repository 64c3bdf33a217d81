import EventStore
import Foundation
import Model
import TestSupport
import Testing
import Wire

// How a store answers replay requests, asked directly: the bus only carries the request and the
// reply's frames (Tests/BusTests: ServiceBusTests for the sockets, SourceFollowerTests for
// what a follower does with the answer).

@Suite("Store.answer(ReplayRequest)")
struct ReplayServerTests {
    func request(_ id: String, source: String = "counter", after: UInt64, limit: Int? = nil) -> ReplayRequest {
        ReplayRequest(id: .string(id), source: source, after: after, limit: limit)
    }

    @Test("replay replies carry the stored bytes, honour the limit and refuse bad requests")
    func replies() async throws {
        let dir = try TempDir()
        let store = try openStore(dir.dbPath)
        let engine = try startEngine(store)
        defer { engine.stop() }
        for n in 1...6 { _ = try await engine.submit(.add(n)) }

        let reply = await store.answer(request("r1", after: 1, limit: 3), maxBatch: 4)
        guard case .events(let batch) = reply else {
            Issue.record("refused: \(reply)")
            return
        }
        #expect(batch.id == .string("r1") && batch.source == "counter" && batch.epoch == store.epoch)
        #expect(batch.latest == 6 && batch.oldest == 1 && batch.through == 4)
        let stored = try store.replay(after: 1, limit: 3).events
        #expect(batch.events.map(\.frames) == stored.map(\.frames), "the stored bytes, as they are")
        #expect(try batch.events.map { try Envelope(frames: $0.frames).header.seq } == [2, 3, 4])
        #expect(try ReplayReply(frames: reply.frames).id == .string("r1"), "the frames read back")

        // The service's maxBatch caps a greedy limit.
        guard case .events(let capped) = await store.answer(request("r2", after: 0, limit: 1000), maxBatch: 4) else {
            Issue.record("capped request refused")
            return
        }
        #expect(capped.events.count == 4)

        guard case .refused(let wrongSource) = await store.answer(request("r3", source: "dispatch", after: 0), maxBatch: 4) else {
            Issue.record("a request for another source answered")
            return
        }
        #expect(wrongSource.code == "bad-request" && wrongSource.id == .string("r3"))
        #expect(wrongSource.message.contains("'source'"))

        // A negative `after` never reaches the store: the request does not read.
        let negative = try RequestHeader(
            decoding: FlatJSON.encode([
                "op": .string("replay"), "id": .string("r4"), "source": .string("counter"), "after": .integer(-1),
            ]))
        #expect(throws: RequestError.self) { try ReplayRequest(negative) }
    }

    @Test("a pruned outbox answers code pruned with the oldest seq available")
    func prunedReply() async throws {
        let dir = try TempDir()
        let store = try openStore(dir.dbPath)
        let engine = try startEngine(store) {
            $0.retention = Retention(maxEvents: 10, maxAge: nil)
            $0.pruneInterval = .milliseconds(5)
            $0.tickInterval = .milliseconds(5)
        }
        defer { engine.stop() }
        for n in 1...30 { _ = try await engine.submit(.add(n)) }
        // Pruning runs every pruneInterval and may first cut at an earlier latest: wait for the last cut.
        await eventually("pruning to the last 10") { (try? store.replay(after: 25, limit: 1))?.oldest == 21 }

        let reply = await store.answer(request("p", after: 3, limit: 5), maxBatch: 4)
        #expect(reply == .refused(.init(id: .string("p"), code: "pruned", message: reply.refusalMessage, oldest: 21)))
        #expect(reply.frames.count == 1, "no events")
    }
}

private extension ReplayReply {
    var refusalMessage: String { if case .refused(let refusal) = self { refusal.message } else { "" } }
}
