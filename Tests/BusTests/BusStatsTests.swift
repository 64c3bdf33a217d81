import Bus
import Testing

@Suite("BusStats")
struct BusStatsTests {
    @Test("snapshot lists every counter by its exported name and labels, created up front")
    func snapshotShape() {
        let stats = BusStats(service: "alpha")
        let names = Set(stats.snapshot().map(\.name))
        #expect(
            names == [
                "published", "received", "replayed_events", "replay_requests", "gaps", "duplicates", "rejected_frames", "requests",
                "backpressure_pauses", "auth_denied", "auth_accepted", "handshake_failures", "disconnects", "rejected_requests",
                "subscriptions_accepted", "subscriptions_refused",
            ])
        #expect(stats.snapshot().allSatisfy { $0.value == 0 })
        #expect(stats.snapshot().contains { $0.name == "handshake_failures" && $0.labels.map(\.0) == ["socket", "reason"] })
        #expect(!stats.snapshot().contains { $0.labels.contains { $0.0 == "service" } }, "the exporter adds service itself")
    }

    @Test("counts reach the snapshot; an unknown labelled counter is ignored")
    func counting() {
        let stats = BusStats(service: "alpha")
        stats.published.increment(by: 3)
        stats.count("rejected_requests", [("reason", "oversize")])
        stats.count("rejected_requests", [("reason", "no_such_reason")])
        #expect(stats.published.value == 3)
        #expect(stats.value("rejected_requests", [("reason", "oversize")]) == 1)
        #expect(stats.value("rejected_requests", [("reason", "no_such_reason")]) == 0)
        let row = stats.snapshot().first { $0.name == "rejected_requests" && $0.labels.first?.1 == "oversize" }
        #expect(row?.value == 1)
    }
}
