import Metrics

/// `precinct_bus_rejected_requests_total{service, reason}` for the refusals decided above the
/// transport (malformed header, unknown operation, forbidden to an integrator key); the
/// transport itself counts `oversize`. Handles are made once.
struct RejectionCounter: Sendable {
    private let counters: [String: Counter]

    init(service: String) {
        var counters: [String: Counter] = [:]
        for reason in ["malformed", "unknown_op", "forbidden"] {
            counters[reason] = Counter(label: "precinct_bus_rejected_requests_total", dimensions: [("service", service), ("reason", reason)])
        }
        self.counters = counters
    }

    func count(_ reason: String) { counters[reason]?.increment() }
}
