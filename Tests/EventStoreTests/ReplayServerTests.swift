import Bus
import EventStore
import Foundation
import Model
import Synchronization
import TestSupport
import Testing
import Wire

/// A source service's bus delegate that answers replay requests from its store.
final class StoreReplayDelegate: BusDelegate {
    let store: Store
    let maxBatch: Int
    let bus = Locked<ServiceBus?>(nil)
    init(store: Store, maxBatch: Int) {
        self.store = store
        self.maxBatch = maxBatch
    }
    func bus(request: BusRequest) {
        guard let bus = bus.current, let header = try? request.header.get(), header.op == ReplayRequest.op else { return }
        let store = self.store, maxBatch = self.maxBatch
        do {
            let replay = try ReplayRequest(header)
            Task { bus.reply(request, frames: await store.answer(replay, maxBatch: maxBatch).frames) }
        } catch {
            bus.reply(request, frames: ReplayReply.refused(.init(id: header.id, code: "bad-request", message: error.message)).frames)
        }
    }
    func bus(received events: [Envelope], from source: String) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) {}
    func busBacklog() -> Int { 0 }
}

/// Publishes an engine's commits on a ServiceBus.
struct BusPublisher: EngineTransport {
    let bus: ServiceBus
    func publish(_ events: [OutboundEvent]) { bus.publish(events) }
    func rewind(source: String, to seq: UInt64) { bus.rewind(source: source, to: seq) }
}

/// A follower's delegate that records the sequence numbers it is handed and its states.
final class SeqRecorder: BusDelegate {
    let seqs = Locked<[UInt64]>([])
    let states = Locked<[FollowState]>([])
    func bus(received events: [Envelope], from source: String) { seqs.withLock { $0 += events.map(\.header.seq) } }
    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) { states.withLock { $0.append(state) } }
    func busBacklog() -> Int { 0 }
}

/// Receives one message, polling without blocking the cooperative pool.
func receive(_ socket: Socket, timeout: Duration = .seconds(5)) async throws -> [[UInt8]] {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let frames = try socket.receiveMultipart(dontWait: true) { return frames }
        try #require(ContinuousClock.now < deadline, "no reply within \(timeout)")
        try await Task.sleep(for: .milliseconds(1))
    }
}

@Suite("Store.answerReplay over a ServiceBus")
struct ReplayServerTests {
    struct Source {
        let context: ZMQContext
        let store: Store
        let engine: Engine<CounterCore>
        let bus: ServiceBus
        func stop() {
            engine.stop()
            bus.stop()
        }
    }

    func startSource(_ dir: TempDir, maxBatch: Int = 4, configure: (inout EngineConfig) -> Void = { _ in }) throws -> Source {
        let context = try ZMQContext()
        let store = try openStore(dir.dbPath)
        let engine = try startEngine(store, configure: configure)
        let delegate = StoreReplayDelegate(store: store, maxBatch: maxBatch)
        var config = BusConfig(service: "counter", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
                               epoch: store.epoch, latestSeq: try store.latestSeq())
        config.heartbeatInterval = .milliseconds(20)
        let bus = try ServiceBus(config: config, context: context, delegate: delegate, logger: quietLogger)
        delegate.bus.withLock { $0 = bus }
        engine.attach(BusPublisher(bus: bus))
        return Source(context: context, store: store, engine: engine, bus: bus)
    }

    func ask(_ dealer: Socket, _ fields: KeyValuePairs<String, FlatJSON.Value>) async throws -> ([String: FlatJSON.Value], [[UInt8]]) {
        try dealer.send(multipart: [[], FlatJSON.encode(fields)])
        let frames = try await receive(dealer)
        try #require(frames.count >= 2 && frames[0].isEmpty)
        return (try FlatJSON.parseObject(frames[1]), Array(frames.dropFirst(2)))
    }

    @Test("replay replies carry the stored bytes, honour the limit and refuse bad requests")
    func replies() async throws {
        let dir = try TempDir()
        let source = try startSource(dir)
        defer { source.stop() }
        for n in 1...6 { _ = try await source.engine.submit(.add(n)) }
        let epoch = source.store.epoch

        let dealer = try Socket(source.context, .dealer)
        try dealer.connect(source.bus.routerEndpoint)

        let (reply, frames) = try await ask(dealer, ["op": .string("replay"), "id": .string("r1"), "source": .string("counter"), "after": .integer(1), "limit": .integer(3)])
        #expect(reply == ["id": .string("r1"), "ok": .bool(true), "source": .string("counter"), "epoch": .string(epoch),
                          "latest": .integer(6), "oldest": .integer(1), "count": .integer(3), "through": .integer(4)])
        #expect(frames.count == 9)
        let stored = try source.store.replay(after: 1, limit: 3).events
        #expect(frames == stored.flatMap { [$0.topic, $0.header, $0.payload] }, "the stored bytes, as they are")
        #expect(try (0..<3).map { try Envelope(frames: Array(frames[$0 * 3..<$0 * 3 + 3])).header.seq } == [2, 3, 4])

        // The service's maxBatch caps a greedy limit.
        let (capped, cappedFrames) = try await ask(dealer, ["op": .string("replay"), "id": .string("r2"), "source": .string("counter"), "after": .integer(0), "limit": .integer(1000)])
        #expect(capped["count"] == .integer(4))
        #expect(cappedFrames.count == 12)

        let (wrongSource, _) = try await ask(dealer, ["op": .string("replay"), "id": .string("r3"), "source": .string("dispatch"), "after": .integer(0)])
        #expect(wrongSource["ok"] == .bool(false))
        #expect(wrongSource["code"] == .string("bad-request"))
        #expect(wrongSource["id"] == .string("r3"))
        guard case .string(let message)? = wrongSource["error"] else { Issue.record("no error text"); return }
        #expect(message.contains("'source'"))

        let (negative, _) = try await ask(dealer, ["op": .string("replay"), "id": .string("r4"), "source": .string("counter"), "after": .integer(-1)])
        #expect(negative["code"] == .string("bad-request"))
        guard case .string(let negativeMessage)? = negative["error"] else { Issue.record("no error text"); return }
        #expect(negativeMessage.contains("'after'"))
    }

    @Test("a pruned outbox answers code pruned with the oldest seq available")
    func prunedReply() async throws {
        let dir = try TempDir()
        let source = try startSource(dir) {
            $0.retention = Retention(maxEvents: 10, maxAge: nil)
            $0.pruneInterval = .milliseconds(5)
            $0.tickInterval = .milliseconds(5)
        }
        defer { source.stop() }
        for n in 1...30 { _ = try await source.engine.submit(.add(n)) }
        // Pruning runs every pruneInterval and may first cut at an earlier latest: wait for the last cut.
        await eventually("pruning to the last 10") { (try? source.store.replay(after: 25, limit: 1))?.oldest == 21 }

        let dealer = try Socket(source.context, .dealer)
        try dealer.connect(source.bus.routerEndpoint)
        let (reply, frames) = try await ask(dealer, ["op": .string("replay"), "id": .string("p"), "source": .string("counter"), "after": .integer(3), "limit": .integer(5)])
        #expect(reply["ok"] == .bool(false))
        #expect(reply["code"] == .string("pruned"))
        #expect(reply["oldest"] == .integer(21))
        #expect(frames.isEmpty)

        // And a follower that is too far behind reports it.
        let recorder = SeqRecorder()
        let follower = try ServiceBus(
            config: BusConfig(service: "late", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
                              follow: [FollowSpec(source: "counter", pubEndpoint: source.bus.pubEndpoint, routerEndpoint: source.bus.routerEndpoint)],
                              epoch: "ep-late", latestSeq: 0),
            context: source.context, delegate: recorder, logger: quietLogger)
        defer { follower.stop() }
        await eventually("the follower to see .pruned") { recorder.states.current.last == .pruned(oldestAvailable: 21, lastApplied: 0) }
    }

    @Test("an engine's events reach a follower: the earlier ones by replay, the later ones live")
    func engineToFollower() async throws {
        let dir = try TempDir()
        let source = try startSource(dir)
        defer { source.stop() }
        for n in 1...10 { _ = try await source.engine.submit(.add(n)) }

        let recorder = SeqRecorder()
        let follower = try ServiceBus(
            config: BusConfig(service: "follower", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
                              follow: [FollowSpec(source: "counter", pubEndpoint: source.bus.pubEndpoint, routerEndpoint: source.bus.routerEndpoint)],
                              epoch: "ep-f", latestSeq: 0),
            context: source.context, delegate: recorder, logger: quietLogger)
        defer { follower.stop() }
        await eventually("1...10 by replay") { recorder.seqs.current.count >= 10 && recorder.states.current.last == .live }

        for n in 11...40 { _ = try await source.engine.submit(.add(n)) }
        await eventually("all 40") { recorder.seqs.current.count >= 40 }
        #expect(recorder.seqs.current == Array(1...40))
        #expect(follower.stats.replayed.load(ordering: .relaxed) >= 10)
    }
}
