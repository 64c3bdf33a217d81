import CoreMetrics
import Synchronization

/// One bus counter: its swift-metrics handle, created once, and a mirror of its value that
/// ``BusStats/snapshot()`` and the tests read (swift-metrics counters cannot be read back).
public final class BusCounter: Sendable {
    /// The name inside `precinct_bus_<name>_total`.
    public let name: String
    /// The labels besides `service`.
    public let labels: [(String, String)]
    private let handle: Counter
    private let mirror = Atomic<Int>(0)

    init(name: String, labels: [(String, String)], service: String, factory: any MetricsFactory) {
        self.name = name
        self.labels = labels
        handle = Counter(label: "precinct_bus_\(name)_total", dimensions: [("service", service)] + labels, factory: factory)
    }

    public func increment(by amount: Int = 1) {
        guard amount > 0 else { return }
        handle.increment(by: amount)
        mirror.add(amount, ordering: .relaxed)
    }

    /// What this process counted so far.
    public var value: Int { mirror.load(ordering: .relaxed) }
}

/// The bus's counters, every one created up front (Hummingbird's `MetricsMiddleware` way: no
/// lookup or allocation per increment) with the service as a dimension.
public final class BusStats: Sendable {
    public let published: BusCounter
    public let received: BusCounter
    public let replayed: BusCounter
    public let replayRequests: BusCounter
    public let gaps: BusCounter
    public let duplicates: BusCounter
    /// Exported as `rejected_frames`: frames that reached the dead letters.
    public let deadLetters: BusCounter
    public let requests: BusCounter
    public let pausedForBacklog: BusCounter
    /// Security and bad-input counters, by ``key(_:_:)``.
    private let labelled: [String: BusCounter]
    /// Every counter in export order.
    private let all: [BusCounter]

    /// The labelled counters, every combination listed so that each is created up front.
    static let labelledKeys: [(name: String, labels: [(String, String)])] = {
        var keys: [(String, [(String, String)])] = []
        for reason in AuthRefusal.allCases { keys.append(("auth_denied", [("reason", reason.rawValue)])) }
        keys.append(("auth_accepted", []))
        for socket in ["pub", "router", "integrators"] {
            for event in SocketMonitor.Event.allCases where event != .disconnected {
                keys.append(("handshake_failures", [("socket", socket), ("reason", event.rawValue)]))
            }
            keys.append(("disconnects", [("socket", socket)]))
        }
        for reason in RequestRejection.allCases { keys.append(("rejected_requests", [("reason", reason.rawValue)])) }
        keys.append(("subscriptions_accepted", []))
        for reason in ["not_granted", "malformed"] { keys.append(("subscriptions_refused", [("reason", reason)])) }
        return keys
    }()

    /// - Parameters:
    ///   - service: the `service` dimension of every counter.
    ///   - factory: where the counters go (``BusConfig/metrics``).
    public init(service: String = "", factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        func make(_ name: String, _ labels: [(String, String)] = []) -> BusCounter {
            BusCounter(name: name, labels: labels, service: service, factory: factory)
        }
        published = make("published")
        received = make("received")
        replayed = make("replayed_events")
        replayRequests = make("replay_requests")
        gaps = make("gaps")
        duplicates = make("duplicates")
        deadLetters = make("rejected_frames")
        requests = make("requests")
        pausedForBacklog = make("backpressure_pauses")
        let labelledCounters = BusStats.labelledKeys.map { make($0.name, $0.labels) }
        labelled = Dictionary(uniqueKeysWithValues: labelledCounters.map { (BusStats.key($0.name, $0.labels), $0) })
        all = [published, received, replayed, replayRequests, gaps, duplicates, deadLetters, requests, pausedForBacklog] + labelledCounters
    }

    static func key(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "|")
    }

    /// The labelled counter `name{labels}` (one of ``labelledKeys``; `nil` for any other).
    public func counter(_ name: String, _ labels: [(String, String)] = []) -> BusCounter? {
        labelled[BusStats.key(name, labels)]
    }

    /// Counts a request refused (`precinct_bus_rejected_requests_total{reason}`).
    public func rejected(_ reason: RequestRejection) {
        count("rejected_requests", [("reason", reason.rawValue)])
    }

    /// Adds one to a labelled counter (one of ``labelledKeys``; any other is not a bus counter
    /// and is ignored, as a Prometheus family cannot grow labels after its first export).
    public func count(_ name: String, _ labels: [(String, String)] = []) {
        counter(name, labels)?.increment()
    }

    /// The current value of a labelled counter.
    public func value(_ name: String, _ labels: [(String, String)] = []) -> Int {
        counter(name, labels)?.value ?? 0
    }

    /// Every counter by its metric name and labels (exported as `precinct_bus_<name>_total`).
    public func snapshot() -> [(name: String, labels: [(String, String)], value: Int)] {
        all.map { ($0.name, $0.labels, $0.value) }
    }
}

/// Why a ROUTER request was refused: the `reason` label of `precinct_bus_rejected_requests_total`.
public enum RequestRejection: String, Sendable, CaseIterable {
    /// The header is not a flat JSON object with an `op`.
    case malformed
    case unknownOp = "unknown_op"
    /// Over ``BusConfig/maxRequestBytes`` (counted by the bus itself).
    case oversize
    /// The requester's key may not perform the operation.
    case forbidden
}
