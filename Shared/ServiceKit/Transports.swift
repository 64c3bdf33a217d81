import Bus
import EventStore
import Logging
import Model
import Wire

/// What a transport is built from: who the service is, where its log stands, whom it follows,
/// and where it hands what arrives.
public struct TransportSetup: Sendable {
    public var config: ServiceConfig
    /// The service's event log: its epoch and latest sequence (announced in heartbeats), and
    /// what an in-memory transport replays from.
    public var log: any EventLog
    /// Each followed source (every instance of every followed service), with the position the
    /// inbox says it was applied to.
    public var follows: [FollowSpec]
    public var gateway: GatewayConfig?
    public var delegate: any BusDelegate
    public var logger: Logger
    /// Event time (the engine's clock), which heartbeats carry.
    public var clock: any EventClock = SystemClock()
}

/// Builds a service's transport; ``zeroMQ`` in a running service, an in-memory one in tests.
public typealias TransportFactory = @Sendable (TransportSetup) throws -> any ServiceTransport

extension ServiceConfig {
    /// The ZeroMQ bus: PUB and ROUTER bound where the configuration says, a SUB and a DEALER per
    /// followed source, CURVE when keys are configured.
    public static let zeroMQ: TransportFactory = { setup in
        let config = setup.config
        var bus = BusConfig(
            service: config.instance, pubEndpoint: config.bindPub, routerEndpoint: config.bindRouter,
            follow: setup.follows, epoch: setup.log.epoch, latestSeq: try setup.log.latestSeq())
        bus.heartbeatInterval = config.heartbeatInterval
        bus.eventTime = { [clock = setup.clock] in clock.now() }
        bus.security = config.security
        bus.gateway = setup.gateway
        return try ServiceBus(config: bus, context: try ZMQContext(), delegate: setup.delegate, logger: setup.logger)
    }

    /// Every instance of every followed service, as a source of its own (own sequence, own inbox row).
    func followSpecs(of services: [ServiceName], inbox: [String: InboxPosition]) -> [FollowSpec] {
        services.flatMap { peer in
            (peers[peer] ?? []).map { endpoints in
                let position = inbox[endpoints.source]
                return FollowSpec(
                    source: endpoints.source, pubEndpoint: endpoints.pub, routerEndpoint: endpoints.router,
                    lastApplied: position?.seq ?? 0, epoch: position?.epoch)
            }
        }
    }
}

/// The engine's way onto the transport.
struct TransportOutput: EngineTransport {
    let transport: any ServiceTransport
    func publish(_ events: [OutboundEvent]) { transport.publish(events) }
    func rewind(source: String, to seq: UInt64) { transport.rewind(source: source, to: seq) }
}
