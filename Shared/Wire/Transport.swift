/// The contract between a service and whatever carries its messages: the ZeroMQ bus in a running
/// service (module Bus), an in-memory hub in tests (module BusTesting). Neither side needs the
/// other's module: both meet here.

/// A request that arrived on the service's ROUTER (or the in-memory transport's stand-in).
public struct BusRequest: Sendable {
    /// What the transport needs to route the reply back (ZeroMQ: identity and delimiter frames).
    public var route: [[UInt8]]
    /// The frames after the delimiter; the first is the JSON body.
    public var frames: [[UInt8]]
    /// The first frame read as a request header, once, by the bus (which needs `op` for ping).
    public var header: Result<RequestHeader, RequestError>
    /// The keyring name of the requester's key (ZAP `User-Id`); `nil` on a plaintext bus.
    public var requester: String? = nil
    /// The topic prefixes the requester may read when it is an integrator; `nil` for a service
    /// key or a plaintext bus (everything).
    public var grants: [String]? = nil

    public var body: [UInt8] { frames.first ?? [] }

    public init(
        route: [[UInt8]], frames: [[UInt8]], header: Result<RequestHeader, RequestError>,
        requester: String? = nil, grants: [String]? = nil
    ) {
        self.route = route
        self.frames = frames
        self.header = header
        self.requester = requester
        self.grants = grants
    }
}

/// Where a followed source stands.
public enum FollowState: Sendable, Equatable {
    /// Catching up by replay: not ready.
    case replaying
    /// Caught up and applying live messages.
    case live
    /// The source has pruned events this service never applied: an operator must resynchronise.
    case pruned(oldestAvailable: UInt64, lastApplied: UInt64)
}

/// What the bus hands to the service. Called on the bus thread: return quickly.
public protocol BusDelegate: Sendable {
    /// Events from `source`, gap-free and in order, each exactly once per run of the bus
    /// (a crash may repeat them on the next run: apply idempotently).
    func bus(received events: [Envelope], from source: String)
    /// A request; answer it with ``ServiceTransport/reply(_:frames:)``.
    func bus(request: BusRequest)
    /// A message that is not a valid envelope (or comes from a source not followed).
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String)
    /// A followed source changed state (readiness).
    func bus(source: String, state: FollowState)
    /// Events handed over and not applied yet (for back-pressure).
    func busBacklog() -> Int
}

/// A service's transport: publishes its committed events, answers its requests, and follows its
/// sources, handing their events to a ``BusDelegate`` gap-free and in order.
public protocol ServiceTransport: EventPublisher {
    /// Where the service publishes, answers requests and (with a gateway) serves integrators, as bound.
    var endpoints: TransportEndpoints { get }
    /// Answers a request with `frames` (the reply header and body).
    func reply(_ request: BusRequest, frames: [[UInt8]])
    /// Delivers `source`'s events after `seq` again (they were handed over but not applied).
    func rewind(source: String, to seq: UInt64)
    /// Forgets a pruned gap: resume `source` after `seq` (an operator's decision).
    func resume(source: String, after seq: UInt64)
    /// Stops: no delivery, publication or reply after it returns.
    func stop()
}

/// The endpoints a transport bound (port 0 and `*` resolved).
public struct TransportEndpoints: Sendable, Equatable {
    public var pub: String
    public var router: String
    public var integrators: String?

    public init(pub: String, router: String, integrators: String? = nil) {
        self.pub = pub
        self.router = router
        self.integrators = integrators
    }
}
