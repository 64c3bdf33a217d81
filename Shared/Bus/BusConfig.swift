import Foundation
import CoreMetrics
import Wire

/// A source this service follows: where its PUB and ROUTER are, and where to resume.
public struct FollowSpec: Sendable, Equatable {
    public var source: String
    public var pubEndpoint: String
    public var routerEndpoint: String
    /// The last sequence already applied from this source (0: nothing yet).
    public var lastApplied: UInt64
    /// The source epoch `lastApplied` belongs to (`nil`: never heard from it).
    public var epoch: String?

    public init(source: String, pubEndpoint: String, routerEndpoint: String, lastApplied: UInt64 = 0, epoch: String? = nil) {
        self.source = source
        self.pubEndpoint = pubEndpoint
        self.routerEndpoint = routerEndpoint
        self.lastApplied = lastApplied
        self.epoch = epoch
    }
}

/// How one service sits on the bus.
public struct BusConfig: Sendable {
    /// This service's name: the `source` of everything it publishes, and the `service` dimension
    /// of the bus's metrics.
    public var service: String
    public var pubEndpoint: String
    public var routerEndpoint: String
    public var follow: [FollowSpec]
    /// This service's epoch and the last sequence in its outbox, announced by heartbeats.
    public var epoch: String
    public var latestSeq: UInt64
    public var heartbeatInterval: Duration = .milliseconds(500)
    /// Event time, as the service's engine reads it: heartbeats carry it in their header's `time`
    /// like every other event (wall-clock time unless the service passes its clock).
    public var eventTime: @Sendable () -> Date = { Date() }
    /// Events per replay reply.
    public var replayBatch: Int = 2_000
    /// A replay request unanswered this long is sent again (the source may have restarted).
    public var replayTimeout: Duration = .seconds(2)
    /// Events handed over but not yet applied above which the subscriber stops reading its SUB
    /// socket and lets the publisher's high-water mark drop: it recovers by replay instead.
    public var maxBacklog: Int = 20_000
    /// PUB: a subscriber this far behind loses messages (and replays them); bounds memory. Peers
    /// only send subscriptions here: 1 KiB holds any topic prefix, and libzmq keeps subscriptions
    /// in a trie it walks recursively, so a long one is a stack to exhaust.
    ///
    /// 10,000 messages (and as many in the subscriber's SUB): a paused follower (`maxBacklog`)
    /// recovers what it missed by replay in any case, so what libzmq holds for it past a burst is
    /// memory, not delivery. At 100,000 each way, libzmq held 64 MB of dispatch's heap in a
    /// backlog (heaptrack, 60,000 calls on the big city): about 550 bytes a message.
    public var pubOptions = SocketOptions(sendHighWaterMark: 10_000, maxMessageSize: 1 << 10)
    // No ZMTP heartbeats by default: with libzmq 4.3.4 a heartbeat arriving while a socket's input
    // is stopped by a full receive high-water mark aborts the process ("Assertion failed:
    // _input_stopped", libzmq issue #3937), which the back-pressure policy provokes on purpose.
    public var subOptions = SocketOptions(
        receiveHighWaterMark: 10_000, reconnectInterval: .milliseconds(100), reconnectIntervalMax: .seconds(2), maxMessageSize: 1 << 20)
    public var routerOptions = SocketOptions(sendHighWaterMark: 10_000, receiveHighWaterMark: 10_000, maxMessageSize: 16 << 20)
    public var dealerOptions = SocketOptions(reconnectInterval: .milliseconds(100), reconnectIntervalMax: .seconds(2), maxMessageSize: 64 << 20)
    /// A request larger than this is answered 413 and counted (libzmq itself drops a connection
    /// sending a frame over `routerOptions.maxMessageSize`).
    public var maxRequestBytes = 1 << 20
    /// CURVE on every socket, with a ZAP handler checking clients against the keyring; `nil`
    /// is plaintext (a local `make up`), which the service logs as such.
    public var security: BusSecurity?
    /// The integrator gateway, for the service that has one (liaison).
    public var gateway: GatewayConfig?
    /// Where the bus's counters go (`precinct_bus_*_total`, with `service` as a dimension): the
    /// process's factory (bootstrapped in `main`) unless a test passes its own.
    public var metrics: any MetricsFactory = MetricsSystem.factory

    public init(service: String, pubEndpoint: String, routerEndpoint: String, follow: [FollowSpec] = [], epoch: String, latestSeq: UInt64) {
        self.service = service
        self.pubEndpoint = pubEndpoint
        self.routerEndpoint = routerEndpoint
        self.follow = follow
        self.epoch = epoch
        self.latestSeq = latestSeq
    }
}

/// Where integrators connect: an XPUB socket that forwards the service's integrator-facing
/// events and admits each subscription only inside the subscriber's granted topic prefixes.
///
/// One socket for every integrator rather than one endpoint each: rights live in the keyring,
/// so adding an integrator is a keyring line, not a new port through the firewall.
public struct GatewayConfig: Sendable {
    /// Endpoint to bind.
    public var endpoint: String
    /// Topic prefixes of the committed events forwarded (the integrator-facing topics).
    public var topics: [String]
    /// Further renderings of a forwarded event (an enterprise alert as CAP XML, say).
    public var render: @Sendable (OutboundEvent) -> [OutboundEvent]
    public var options = SocketOptions(sendHighWaterMark: 10_000, maxMessageSize: 1 << 10)
    /// Operations an integrator key may call on the service's ROUTER besides `replay`, each with
    /// the grant prefix the key needs (a grant starting with it); the key's keyring name reaches
    /// the operation as its `answeredBy` field.
    public var operations: [String: String] = [:]

    public init(endpoint: String, topics: [String], render: @escaping @Sendable (OutboundEvent) -> [OutboundEvent] = { _ in [] }) {
        self.endpoint = endpoint
        self.topics = topics
        self.render = render
    }

    /// Whether a committed event with this topic goes to integrators.
    public func forwards(_ topic: [UInt8]) -> Bool { topics.contains { topic.starts(with: $0.utf8) } }
}
