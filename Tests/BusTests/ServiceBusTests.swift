import Bus
import Foundation
import Synchronization
import TestSupport
import Testing
import Wire

// End-to-end tests of ServiceBus in one process: bus A ("alpha") publishes and answers replay
// requests from an in-memory outbox; bus B ("bravo") follows A and records what it is handed.

/// An event of alpha's outbox, as the bytes that go on the wire.
func outbound(_ seq: UInt64, source: String = "alpha", epoch: String = "ep-a") -> OutboundEvent {
    let header = EventHeader(
        type: "incident.opened", version: 1, source: source, epoch: epoch, seq: seq,
        time: "2026-11-22T08:00:00.000Z", correlationId: "I-\(seq)")
    return OutboundEvent(seq: seq, topic: bytes("incident.opened.R\(seq % 3 + 1)"), header: header.encoded(), payload: bytes(#"{"n":\#(seq)}"#))
}

/// Alpha's delegate: an in-memory outbox that answers ``ReplayRequest``s the way
/// `Store.answer` does, with a ``ReplayReply``: the events after `after`, or `pruned`.
final class MemorySource: BusDelegate {
    struct State {
        var events: [OutboundEvent] = []
        /// Events below this were pruned.
        var oldest: UInt64 = 1
        var bus: ServiceBus?
        var requests: [ReplayRequest] = []
    }
    let service: String
    let epoch: String
    let state = Locked(State())

    init(service: String, epoch: String) {
        self.service = service
        self.epoch = epoch
    }

    /// Commits events to the outbox (they are replayable from now on).
    func commit(_ seqs: ClosedRange<UInt64>) -> [OutboundEvent] {
        let events = seqs.map { outbound($0, source: service, epoch: epoch) }
        state.withLock { $0.events += events }
        return events
    }

    var replayRequests: Int { state.current.requests.count }

    func bus(request: BusRequest) {
        guard let header = try? request.header.get(), header.op == ReplayRequest.op else { return }
        guard let bus = state.current.bus else { return }
        guard let replay = try? ReplayRequest(header), replay.source == service else {
            bus.reply(request, frames: ReplayReply.refused(.init(id: header.id, code: "bad-request", message: "bad request")).frames)
            return
        }
        bus.reply(request, frames: answer(replay).frames)
    }

    private func answer(_ replay: ReplayRequest) -> ReplayReply {
        let (events, oldestKept) = state.withLock { s in
            s.requests.append(replay)
            return (s.events, s.oldest)
        }
        let latest = events.last?.seq ?? 0
        let kept = events.filter { $0.seq >= oldestKept }
        let oldest = kept.first?.seq ?? latest + 1
        if replay.after + 1 < oldest && replay.after < latest {
            return .refused(.init(id: replay.id, code: "pruned", message: "pruned", oldest: oldest))
        }
        let batch = Array(kept.filter { $0.seq > replay.after }.prefix(replay.limit ?? .max))
        return .events(
            .init(
                id: replay.id, source: service, epoch: epoch, latest: latest, oldest: oldest,
                through: batch.last?.seq ?? max(replay.after, latest), events: batch))
    }

    func bus(received events: [Envelope], from source: String) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) {}
    func busBacklog() -> Int { 0 }
}

/// Bravo's delegate: records everything the bus hands over.
final class Recorder: BusDelegate {
    struct Received: Equatable, Sendable {
        var source: String
        var seq: UInt64
        var epoch: String
        var topic: String
    }
    struct DeadLetter: Sendable {
        var frames: [[UInt8]]
        var source: String?
        var reason: String
    }
    struct State {
        var received: [Received] = []
        var states: [FollowState] = []
        var deadLetters: [DeadLetter] = []
        var backlog = 0
    }
    let state = Locked(State())

    var seqs: [UInt64] { state.current.received.map(\.seq) }
    var states: [FollowState] { state.current.states }
    var lastState: FollowState? { state.current.states.last }

    func bus(received events: [Envelope], from source: String) {
        state.withLock { s in
            s.received += events.map { Received(source: source, seq: $0.header.seq, epoch: $0.header.epoch, topic: $0.topic) }
        }
    }
    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {
        state.withLock { $0.deadLetters.append(DeadLetter(frames: frames, source: source, reason: reason)) }
    }
    func bus(source: String, state newState: FollowState) { state.withLock { $0.states.append(newState) } }
    func busBacklog() -> Int { state.current.backlog }
}

/// Alpha and, once started, bravo following it. `stop()` stops both.
final class BusPair {
    let context: ZMQContext
    let source: MemorySource
    let alpha: ServiceBus
    let recorder = Recorder()
    private(set) var bravo: ServiceBus?

    init(epoch: String = "ep-a", configureAlpha: (inout BusConfig) -> Void = { _ in }) throws {
        context = try ZMQContext()
        source = MemorySource(service: "alpha", epoch: epoch)
        var config = BusConfig(service: "alpha", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*", epoch: epoch, latestSeq: 0)
        config.heartbeatInterval = .milliseconds(20)
        configureAlpha(&config)
        alpha = try ServiceBus(config: config, context: context, delegate: source, logger: quietLogger)
        source.state.withLock { $0.bus = alpha }
    }

    @discardableResult
    func startBravo(lastApplied: UInt64 = 0, epoch: String? = nil, configure: (inout BusConfig) -> Void = { _ in }) throws -> ServiceBus {
        let follow = FollowSpec(
            source: "alpha", pubEndpoint: alpha.pubEndpoint, routerEndpoint: alpha.routerEndpoint,
            lastApplied: lastApplied, epoch: epoch)
        var config = BusConfig(
            service: "bravo", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: [follow], epoch: "ep-b", latestSeq: 0)
        config.heartbeatInterval = .milliseconds(20)
        configure(&config)
        let bravo = try ServiceBus(config: config, context: context, delegate: recorder, logger: quietLogger)
        self.bravo = bravo
        return bravo
    }

    /// Commits `seqs` and publishes them on alpha's PUB.
    func publish(_ seqs: ClosedRange<UInt64>) {
        alpha.publish(source.commit(seqs))
    }

    /// Waits until bravo is live and its SUB socket is connected (it has heard a heartbeat).
    func waitLiveAndConnected(sourceLocation: SourceLocation = #_sourceLocation) async {
        await eventually("bravo live", sourceLocation: sourceLocation) { recorder.lastState == .live }
        await eventually("bravo's SUB to hear alpha", sourceLocation: sourceLocation) { (bravo?.stats.received.value ?? 0) > 0 }
    }

    func stop() {
        bravo?.stop()
        alpha.stop()
    }
}

@Suite("ServiceBus end to end")
struct ServiceBusTests {
    @Test("a late follower gets the earlier events by replay, then live ones, in order, once each")
    func replayThenLive() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        pair.publish(1...10)  // nobody listens yet: only the outbox has them
        let bravo = try pair.startBravo { $0.replayBatch = 4 }  // three replay rounds

        await eventually("the first 10 by replay") { pair.recorder.seqs.count >= 10 }
        await pair.waitLiveAndConnected()
        #expect(pair.recorder.seqs == Array(1...10))
        #expect(bravo.stats.replayed.value == 10)
        #expect(pair.source.replayRequests >= 3)

        for seq in 11...30 { pair.publish(UInt64(seq)...UInt64(seq)) }
        await eventually("all 30") { pair.recorder.seqs.count >= 30 }
        #expect(pair.recorder.seqs == Array(1...30))
        #expect(pair.recorder.states == [.replaying, .live])
        #expect(bravo.stats.gaps.value == 0)
        #expect(bravo.stats.replayed.value == 10, "11...30 came live")
        let received = pair.recorder.state.current.received
        #expect(received.allSatisfy { $0.source == "alpha" && $0.epoch == "ep-a" })
        #expect(received.first?.topic == "incident.opened.R2")
    }

    @Test("events published while the follower replays are neither lost nor repeated")
    func publishDuringReplay() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        pair.publish(1...50)
        try pair.startBravo { $0.replayBatch = 7 }
        for seq in UInt64(51)...300 {
            pair.publish(seq...seq)
            if seq % 25 == 0 { await Task.yield() }
        }
        await eventually("all 300") { pair.recorder.seqs.count >= 300 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == Array(1...300))
    }

    @Test("a sequence gap on the wire is filled by replay")
    func gapFilledByReplay() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        let bravo = try pair.startBravo()
        await pair.waitLiveAndConnected()

        pair.publish(1...5)
        await eventually("1...5 live") { pair.recorder.seqs.count >= 5 }
        #expect(bravo.stats.replayed.value == 0)

        _ = pair.source.commit(6...6)  // committed, but lost on the wire
        pair.alpha.publish(pair.source.commit(7...7))
        await eventually("6 and 7") { pair.recorder.seqs.count >= 7 }
        #expect(pair.recorder.seqs == Array(1...7))
        #expect(bravo.stats.gaps.value == 1)
        #expect(bravo.stats.replayed.value == 2)
        await eventually("live again") { pair.recorder.lastState == .live }
        #expect(pair.recorder.states == [.replaying, .live, .replaying, .live])
    }

    @Test("a heartbeat ahead of the follower triggers a replay")
    func heartbeatAhead() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        let bravo = try pair.startBravo()
        await pair.waitLiveAndConnected()
        let requestsBefore = pair.source.replayRequests

        _ = pair.source.commit(1...3)  // never published
        pair.alpha.announce(latestSeq: 3)  // the next heartbeat says seq 3
        await eventually("1...3 by replay") { pair.recorder.seqs.count >= 3 }
        #expect(pair.recorder.seqs == [1, 2, 3])
        #expect(pair.source.replayRequests > requestsBefore)
        #expect(bravo.stats.gaps.value == 0)
        #expect(bravo.stats.replayed.value == 3)
    }

    @Test("a pruned reply puts the follow state to .pruned; resume() continues after the gap")
    func prunedSource() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        _ = pair.source.commit(1...10)
        pair.source.state.withLock { $0.oldest = 6 }  // retention removed 1...5
        let bravo = try pair.startBravo()

        await eventually("state .pruned") { pair.recorder.lastState == .pruned(oldestAvailable: 6, lastApplied: 0) }
        #expect(pair.recorder.seqs.isEmpty)
        // The pruned source is not asked again and again.
        let requests = pair.source.replayRequests
        pair.publish(11...11)
        await eventually("bravo to hear 11") { bravo.stats.received.value > 0 }
        #expect(pair.recorder.seqs.isEmpty)
        #expect(pair.source.replayRequests == requests)

        bravo.resume(source: "alpha", after: 5)
        await eventually("6...11 after the operator's resume") { pair.recorder.seqs.count >= 6 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == Array(6...11))
    }

    @Test("a follower that already applied up to N asks only for what follows")
    func resumesFromLastApplied() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        _ = pair.source.commit(1...8)
        pair.source.state.withLock { $0.oldest = 4 }
        try pair.startBravo(lastApplied: 5, epoch: "ep-a")
        await eventually("6...8") { pair.recorder.seqs.count >= 3 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == [6, 7, 8])
        #expect(pair.source.state.current.requests.first?.after == 5)
    }

    @Test("a source with a new epoch is replayed from its first event")
    func newEpoch() async throws {
        let pair = try BusPair(epoch: "ep-new")
        defer { pair.stop() }
        _ = pair.source.commit(1...5)
        // Bravo applied 1...3 of an earlier store of alpha's (epoch ep-old): those are gone.
        try pair.startBravo(lastApplied: 3, epoch: "ep-old")
        await eventually("1...5 of the new epoch") { pair.recorder.seqs.count >= 5 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == Array(1...5))
        #expect(pair.recorder.state.current.received.allSatisfy { $0.epoch == "ep-new" })
    }

    @Test("rewind() replays what was handed over but not applied")
    func rewind() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        _ = pair.source.commit(1...5)
        let bravo = try pair.startBravo()
        await eventually("1...5") { pair.recorder.seqs.count >= 5 && pair.recorder.lastState == .live }
        bravo.rewind(source: "alpha", to: 2)
        await eventually("3...5 again") { pair.recorder.seqs.count >= 8 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == [1, 2, 3, 4, 5, 3, 4, 5])
    }

    @Test("malformed frames and foreign sources on the PUB reach deadLetter with a reason")
    func deadLetters() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        let bravo = try pair.startBravo()
        await pair.waitLiveAndConnected()

        // publish() sends stored bytes as they are, so a broken outbox row goes out broken.
        let junk = OutboundEvent(seq: 0, topic: bytes("incident.junk"), header: bytes("this is not JSON"), payload: bytes("{}"))
        let mismatched = OutboundEvent(seq: 0, topic: bytes("dispatch.assigned.R1"), header: outbound(1).header, payload: [])
        let foreign = outbound(1, source: "charlie", epoch: "ep-c")
        pair.alpha.publish([junk, mismatched, foreign])
        pair.publish(1...1)  // and a good one after them

        await eventually("three dead letters and the good event") {
            pair.recorder.state.current.deadLetters.count >= 3 && pair.recorder.seqs == [1]
        }
        let letters = pair.recorder.state.current.deadLetters
        try #require(letters.count == 3)
        #expect(letters[0].frames == [junk.topic, junk.header, junk.payload])
        #expect(letters[0].source == nil)
        #expect(letters[0].reason.contains("header is not a flat JSON object"))
        #expect(letters[1].reason.contains("does not start with the header type"))
        #expect(letters[2].source == "charlie")
        #expect(letters[2].frames == [foreign.topic, foreign.header, foreign.payload])  // as received, byte for byte
        #expect(letters[2].reason.contains("not followed"))
        #expect(bravo.stats.deadLetters.value == 3)
        #expect(pair.recorder.lastState == .live)
    }

    @Test("a malformed event in a replay reply is a dead letter, and the follower steps past it")
    func malformedReplayReply() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        _ = pair.source.commit(1...2)
        // A second, broken event 3 in the outbox: its header is not JSON.
        pair.source.state.withLock { $0.events.append(OutboundEvent(seq: 3, topic: bytes("incident.opened.R1"), header: bytes("nope"), payload: [])) }
        try pair.startBravo()
        await eventually("a dead letter for event 3") {
            pair.recorder.state.current.deadLetters.contains { $0.reason.contains("malformed event in replay") }
        }
        await eventually("the follower to go live past the broken event") { pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == [1, 2])
        #expect(
            pair.recorder.state.current.deadLetters.filter { $0.reason.contains("malformed event in replay") }.count == 1,
            "the broken event is dead-lettered once, not asked for again and again")
    }

    @Test("the ROUTER answers ping itself")
    func ping() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        pair.publish(1...4)
        let dealer = try Socket(pair.context, .dealer)
        try dealer.connect(pair.alpha.routerEndpoint)
        // The publish is handled on alpha's thread before the ping (execute keeps order), but the
        // ping may overtake it on the network: ask until alpha reports 4.
        var reply: [String: FlatJSON.Value] = [:]
        let deadline = ContinuousClock.now + .seconds(30)  // generous: CI runs every suite at once on two cores
        repeat {
            try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("ping")])])
            let frames = try await receive(dealer, "the ping reply")
            try #require(frames.count == 2)
            #expect(frames[0].isEmpty)
            reply = try FlatJSON.parseObject(frames[1])
        } while reply["latest"] != .integer(4) && ContinuousClock.now < deadline
        #expect(reply == ["ok": .bool(true), "service": .string("alpha"), "epoch": .string("ep-a"), "latest": .integer(4)])
        #expect(pair.source.replayRequests == 0, "ping is not handed to the delegate")
    }

    @Test("a request over maxRequestBytes is answered 413, counted, and not handed to the delegate")
    func oversizeRequest() async throws {
        let pair = try BusPair { $0.maxRequestBytes = 64 }
        defer { pair.stop() }
        let dealer = try Socket(pair.context, .dealer)
        try dealer.connect(pair.alpha.routerEndpoint)
        let request = ReplayRequest(id: .string("big"), source: "alpha", after: 0, limit: nil).encoded()
        try dealer.send(multipart: [[], request, [UInt8](repeating: 0x20, count: 100)])
        let frames = try await receive(dealer, "the 413")
        try #require(frames.count == 3 && frames[0].isEmpty)
        #expect(try ReplyHeader(decoding: frames[1]).status == 413)
        #expect(try FlatJSON.parseObject(frames[2])["error"] == .string("request-too-large"))
        #expect(pair.alpha.stats.value("rejected_requests", [("reason", "oversize")]) == 1)
        #expect(pair.alpha.stats.requests.value == 1)
        #expect(pair.source.replayRequests == 0)
    }

    @Test("a follower whose delegate is backlogged stops reading and asks for nothing until it drains")
    func backPressure() async throws {
        let pair = try BusPair()
        defer { pair.stop() }
        pair.recorder.state.withLock { $0.backlog = 1_000 }
        _ = pair.source.commit(1...3)
        let bravo = try pair.startBravo { $0.maxBacklog = 10 }
        await eventually("a back-pressure pause") { bravo.stats.pausedForBacklog.value >= 1 }
        #expect(bravo.stats.replayRequests.value == 0)
        #expect(pair.recorder.seqs.isEmpty)

        pair.recorder.state.withLock { $0.backlog = 0 }
        await eventually("1...3 once drained") { pair.recorder.seqs.count >= 3 && pair.recorder.lastState == .live }
        #expect(pair.recorder.seqs == [1, 2, 3])
    }
}
