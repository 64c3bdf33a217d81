import Metrics
import Synchronization

/// `precinct_intake_calls_total{channel,outcome,reason}`: each label combination's counter is
/// made once and kept, not made again for every call.
final class CallMetrics: Sendable {
    private struct Labels: Hashable {
        var channel: String
        var outcome: String
        var reason: String
    }

    private let counters = Mutex<[Labels: Counter]>([:])

    /// Counts one call; `channel` is `unknown` when the call named none that exists.
    func count(channel: String?, outcome: String, reason: String) {
        let labels = Labels(channel: channel ?? "unknown", outcome: outcome, reason: reason)
        let counter = counters.withLock { counters in
            if let counter = counters[labels] { return counter }
            let counter = Counter(
                label: "precinct_intake_calls_total",
                dimensions: [("channel", labels.channel), ("outcome", labels.outcome), ("reason", labels.reason)])
            counters[labels] = counter
            return counter
        }
        counter.increment()
    }
}
