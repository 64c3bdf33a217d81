import Bus
import Logging
import Testing
import Wire

// The follower's replay state machine, without sockets or clocks: each test feeds inputs and
// checks the position and the actions that come out.

private let t0 = ContinuousClock.now

private func envelope(_ seq: UInt64, epoch: String = "ep-a") -> Envelope {
    // Built from the same bytes a source publishes.
    try! Envelope(frames: outbound(seq, epoch: epoch).frames)
}

private func follower(lastApplied: UInt64 = 0, epoch: String? = "ep-a") -> SourceFollower {
    SourceFollower(
        spec: FollowSpec(source: "alpha", pubEndpoint: "", routerEndpoint: "", lastApplied: lastApplied, epoch: epoch),
        requester: "bravo", replayBatch: 100, replayTimeout: .seconds(2))
}

private func delivered(_ actions: [FollowerAction]) -> [UInt64] {
    actions.flatMap { action -> [UInt64] in
        if case .deliver(let events) = action { events.map(\.header.seq) } else { [] }
    }
}

private func requests(_ actions: [FollowerAction]) -> [ReplayRequest] {
    actions.compactMap { if case .sendReplay(let request) = $0 { request } else { nil } }
}

private func states(_ actions: [FollowerAction]) -> [FollowState] {
    actions.compactMap { if case .stateChanged(let state) = $0 { state } else { nil } }
}

private func deadLetters(_ actions: [FollowerAction]) -> [String] {
    actions.compactMap { if case .deadLetter(_, let reason) = $0 { reason } else { nil } }
}

/// The request the next tick sends (failing the test when there is none).
private func ask(_ f: inout SourceFollower, at now: ContinuousClock.Instant = t0) -> ReplayRequest? {
    let sent = requests(f.tick(now: now, mayRequest: true))
    #expect(sent.count == 1, "one replay request")
    return sent.first
}

/// A reply to `request` with the events after it up to `through`, the source's latest being `latest`.
private func reply(to request: ReplayRequest, through: UInt64, latest: UInt64? = nil, epoch: String = "ep-a") -> ReplayReply {
    let events = through > request.after ? (request.after + 1...through).map { outbound($0, epoch: epoch) } : []
    return .events(.init(id: request.id, source: "alpha", epoch: epoch, latest: latest ?? through, oldest: 1, through: through, events: events))
}

/// A follower that has replayed up to `seq` and is live.
private func live(at seq: UInt64) -> SourceFollower {
    var f = follower()
    let request = ask(&f)!
    _ = f.replayReceived(reply(to: request, through: seq))
    #expect(f.state == .live)
    return f
}

@Suite("SourceFollower: the replay state machine")
struct SourceFollowerTests {
    @Test("starts replaying after the last applied sequence, and goes live once caught up")
    func startsWithReplay() throws {
        var f = follower(lastApplied: 4)
        #expect(f.state == .replaying)
        #expect(f.tick(now: t0, mayRequest: false).isEmpty, "no request while the backlog forbids it")
        let request = try #require(ask(&f))
        #expect(request == ReplayRequest(id: .string("bravo-alpha-1"), source: "alpha", after: 4, limit: 100))
        #expect(f.tick(now: t0 + .milliseconds(10), mayRequest: true).isEmpty, "one request at a time")
        let actions = f.replayReceived(reply(to: request, through: 9))
        #expect(delivered(actions) == [5, 6, 7, 8, 9])
        #expect(actions.contains(.count(.replayedEvents, 5)))
        #expect(states(actions) == [.live])
        #expect(f.delivered == 9 && f.pending == nil && !f.isBusy)
    }

    @Test("a reply short of the latest asks for the next page")
    func pages() throws {
        var f = follower()
        let first = try #require(ask(&f))
        let actions = f.replayReceived(reply(to: first, through: 3, latest: 6))
        #expect(delivered(actions) == [1, 2, 3] && states(actions).isEmpty && f.state == .replaying)
        let second = try #require(ask(&f))
        #expect(second.after == 3 && second.id != first.id)
        #expect(states(f.replayReceived(reply(to: second, through: 6))) == [.live])
    }

    @Test("live events in order are delivered; duplicates are counted and ignored")
    func inOrderAndDuplicates() {
        var f = live(at: 2)
        #expect(delivered(f.receive(envelope(3))) == [3])
        #expect(delivered(f.receive(envelope(4))) == [4])
        let again = f.receive(envelope(3))
        #expect(again == [.count(.duplicates, 1)])
        #expect(f.delivered == 4 && f.state == .live)
    }

    @Test("a gap counts, switches to replaying and asks from the last delivered")
    func gapReplays() throws {
        var f = live(at: 2)
        let actions = f.receive(envelope(5))
        #expect(delivered(actions).isEmpty)
        #expect(actions.contains(.count(.gaps, 1)))
        #expect(states(actions) == [.replaying])
        #expect(f.receive(envelope(6)).isEmpty, "while replaying, the replay brings it")
        let request = try #require(ask(&f))
        #expect(request.after == 2)
        let caughtUp = f.replayReceived(reply(to: request, through: 5))
        #expect(delivered(caughtUp) == [3, 4, 5])
        #expect(f.state == .replaying && f.needsReplay, "6 was seen live: the replay goes on to it")
        let next = try #require(ask(&f))
        #expect(states(f.replayReceived(reply(to: next, through: 6))) == [.live])
    }

    @Test("a heartbeat ahead starts a replay; one level with the position does not")
    func heartbeatAhead() throws {
        var f = live(at: 3)
        #expect(f.heartbeat(epoch: "ep-a", latestSeq: 3).isEmpty)
        let actions = f.heartbeat(epoch: "ep-a", latestSeq: 5)
        #expect(states(actions) == [.replaying])
        #expect(try #require(ask(&f)).after == 3)
    }

    @Test("a new epoch replays from 0, whether seen live, in a heartbeat or in a reply")
    func newEpoch() throws {
        var f = live(at: 7)
        let actions = f.receive(envelope(8, epoch: "ep-b"))
        #expect(states(actions) == [.replaying])
        #expect(f.epoch == "ep-b" && f.delivered == 0)
        #expect(try #require(ask(&f)).after == 0)

        var g = live(at: 7)
        _ = g.heartbeat(epoch: "ep-b", latestSeq: 2)
        #expect(g.delivered == 0 && g.state == .replaying)

        var h = follower(lastApplied: 7)
        let request = try #require(ask(&h))
        let answer = h.replayReceived(reply(to: request, through: 9, epoch: "ep-b"))
        #expect(delivered(answer).isEmpty && h.delivered == 0 && h.epoch == "ep-b")
        #expect(try #require(ask(&h)).after == 0)
    }

    @Test("a first epoch heard is adopted without a replay")
    func firstEpoch() throws {
        var f = follower(epoch: nil)
        let request = try #require(ask(&f))
        #expect(delivered(f.replayReceived(reply(to: request, through: 2))) == [1, 2])
        #expect(f.epoch == "ep-a" && f.state == .live)
    }

    @Test("a pruned reply puts the source in .pruned until an operator resumes it")
    func prunedThenResume() throws {
        var f = follower(lastApplied: 2)
        let request = try #require(ask(&f))
        let actions = f.replayReceived(.refused(.init(id: request.id, code: "pruned", message: "pruned", oldest: 10)))
        #expect(states(actions) == [.pruned(oldestAvailable: 10, lastApplied: 2)])
        #expect(!f.isBusy && f.tick(now: t0 + .seconds(10), mayRequest: true).isEmpty)
        #expect(f.heartbeat(epoch: "ep-a", latestSeq: 20).isEmpty, "nothing but resume leaves .pruned")
        #expect(states(f.resume(after: 9)) == [.replaying])
        #expect(try #require(ask(&f)).after == 9)
    }

    @Test("any other refusal asks again")
    func otherRefusal() throws {
        var f = follower()
        let request = try #require(ask(&f))
        let actions = f.replayReceived(.refused(.init(id: request.id, code: "internal", message: "disk")))
        #expect(states(actions).isEmpty && f.needsReplay)
        #expect(ask(&f) != nil)
    }

    @Test("an unreadable event in a replay is dead-lettered and stepped past")
    func unreadableEventSkipped() throws {
        var f = follower()
        let request = try #require(ask(&f))
        var events = (1...3).map { outbound($0) }
        events[1].header = Array("not a header".utf8)
        let batch = ReplayReply.Batch(id: request.id, source: "alpha", epoch: "ep-a", latest: 3, oldest: 1, through: 3, events: events)
        let actions = f.replayReceived(.events(batch))
        #expect(deadLetters(actions) == ["malformed event in replay (taken as seq 2)"])
        #expect(delivered(actions) == [1, 3])
        #expect(f.delivered == 3 && f.state == .live)
    }

    @Test("a reply to an earlier request, or to none, is ignored")
    func staleReply() throws {
        var f = follower()
        let first = try #require(ask(&f))
        _ = f.tick(now: t0 + .seconds(3), mayRequest: true)  // timed out and asked again
        #expect(f.replayReceived(reply(to: first, through: 5)).isEmpty)
        #expect(f.delivered == 0 && f.pending != nil)
        var g = live(at: 1)
        #expect(g.replayReceived(reply(to: first, through: 5)).isEmpty)
    }

    @Test("an unanswered request is sent again after the timeout, with a new id")
    func timeout() throws {
        var f = follower()
        let first = try #require(ask(&f))
        #expect(f.tick(now: t0 + .seconds(1), mayRequest: true).isEmpty)
        let actions = f.tick(now: t0 + .seconds(3), mayRequest: true)
        #expect(actions.contains { if case .log(.warning, _, _) = $0 { true } else { false } })
        let second = try #require(requests(actions).first)
        #expect(second.after == first.after && second.id != first.id)
    }

    @Test("a source slower than the timeout is waited for twice as long each time, and its answer is taken")
    func slowSource() throws {
        var f = follower()
        _ = try #require(ask(&f))
        // Unanswered after 2 s: asked again, and the second request is waited for 4 s.
        let second = try #require(requests(f.tick(now: t0 + .seconds(2.5), mayRequest: true)).first)
        #expect(requests(f.tick(now: t0 + .seconds(5.5), mayRequest: true)).isEmpty, "3 s after the second request: still waiting")
        #expect(delivered(f.replayReceived(reply(to: second, through: 5))) == [1, 2, 3, 4, 5])
        // An answer resets the wait: the next request is re-sent after 2 s again.
        _ = f.tick(now: t0 + .seconds(6), mayRequest: true)
        _ = f.receive(envelope(7))  // a gap: replay
        let third = try #require(ask(&f, at: t0 + .seconds(7)))
        #expect(third.after == 5)
        #expect(requests(f.tick(now: t0 + .seconds(9.5), mayRequest: true)).count == 1)
        // The wait doubles up to 16 × the timeout, and stays there.
        var waits: [Duration] = []
        for _ in 0..<6 {
            waits.append(f.currentTimeout)
            _ = f.tick(now: t0 + .seconds(10_000 * (waits.count + 1)), mayRequest: true)
        }
        #expect(waits == [.seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(32), .seconds(32)])
    }

    @Test("a request the driver could not send is due again")
    func notSent() throws {
        var f = follower()
        _ = try #require(ask(&f))
        f.replayNotSent()
        #expect(f.needsReplay && f.pending == nil)
        #expect(ask(&f) != nil)
    }

    @Test("rewind replays what was handed over but not applied; a rewind ahead is ignored")
    func rewind() throws {
        var f = live(at: 6)
        #expect(f.rewind(to: 6).isEmpty && f.rewind(to: 9).isEmpty)
        #expect(states(f.rewind(to: 3)) == [.replaying])
        #expect(f.delivered == 3)
        let request = try #require(ask(&f))
        #expect(request.after == 3)
        #expect(delivered(f.replayReceived(reply(to: request, through: 6))) == [4, 5, 6])
    }
}
