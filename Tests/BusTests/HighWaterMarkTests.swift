import Bus
import Synchronization
import TestSupport
import Testing
import Wire

@Suite("High-water marks")
struct HighWaterMarkTests {
    @Test("a follower pushed past the high-water marks loses messages on the wire and recovers all of them by replay, in order")
    func slowFollowerRecoversByReplay() async throws {
        // Tiny marks on both sides, so the publisher really drops for this follower.
        let pair = try BusPair { $0.pubOptions.sendHighWaterMark = 10 }
        defer { pair.stop() }
        let bravo = try pair.startBravo {
            $0.subOptions.receiveHighWaterMark = 10
            $0.maxBacklog = 100
        }
        await pair.waitLiveAndConnected()

        // The follower's engine is "busy": it stops reading its SUB while 5,000 events go out.
        pair.recorder.state.withLock { $0.backlog = 1_000 }
        _ = await eventually(timeout: .seconds(30), "the follower to pause for its backlog") { bravo.stats.pausedForBacklog.value > 0 }
        pair.publish(1...5_000)
        pair.recorder.state.withLock { $0.backlog = 0 }

        _ = await eventually(timeout: .seconds(30), "all 5,000 events") { pair.recorder.seqs.count >= 5_000 }
        #expect(pair.recorder.seqs == Array(1...5_000), "in order, each once")
        #expect(bravo.stats.replayed.value > 0, "some came by replay")
        _ = await eventually(timeout: .seconds(30), "the follower to be live again") { pair.recorder.lastState == .live }
    }
}
