import Foundation
import Logging
import Synchronization
import Wire

/// One service's place on the bus: it binds a PUB (its own events, plus heartbeats) and a ROUTER
/// (requests, replay), and follows other services through one SUB and a DEALER per source,
/// replaying from their outboxes on start-up, on a gap and when a heartbeat is ahead.
///
/// A façade: every socket lives on one ``SocketThread``, and each call here is handed to it.
public final class ServiceBus: ServiceTransport {
    private let thread: SocketThread<ServiceBusLoop>
    public let pubEndpoint: String
    public let routerEndpoint: String
    /// The integrator gateway's bound endpoint, when there is one.
    public let gatewayEndpoint: String?
    public let stats: BusStats
    public var endpoints: TransportEndpoints { TransportEndpoints(pub: pubEndpoint, router: routerEndpoint, integrators: gatewayEndpoint) }

    /// Binds and connects every socket on a new thread, and returns once they are bound.
    public init(config: BusConfig, context: ZMQContext, delegate: any BusDelegate, logger: Logger) throws {
        let stats = BusStats(service: config.service, factory: config.metrics)
        self.stats = stats
        let endpoints = Mutex<(String, String, String?)>(("", "", nil))
        thread = try SocketThread(name: "bus-\(config.service)") {
            let loop = try ServiceBusLoop(config: config, context: context, delegate: delegate, logger: logger, stats: stats)
            endpoints.withLock { $0 = (loop.publisher.endpoint, loop.router.endpoint, loop.gateway?.endpoint) }
            return loop
        }
        (pubEndpoint, routerEndpoint, gatewayEndpoint) = endpoints.withLock { $0 }
    }

    /// Publishes committed events, in the order given (which must be sequence order).
    public func publish(_ events: [OutboundEvent]) {
        guard !events.isEmpty else { return }
        thread.execute { $0.publish(events) }
    }

    /// Answers a ROUTER request.
    public func reply(_ request: BusRequest, frames: [[UInt8]]) {
        thread.execute { $0.router.reply(route: request.route, frames: frames) }
    }

    /// Forgets a pruned gap: resume `source` after `seq` (an operator's decision, logged).
    public func resume(source: String, after seq: UInt64) {
        thread.execute { $0.following.resume(source: source, after: seq) }
    }

    /// Replays `source` again after `seq`: the events handed over since were not applied
    /// (the transaction that held them failed).
    public func rewind(source: String, to seq: UInt64) {
        thread.execute { $0.following.rewind(source: source, to: seq) }
    }

    /// Announces a new latest sequence without publishing (after a restart, say).
    public func announce(latestSeq: UInt64) {
        thread.execute { $0.publisher.announce(latestSeq: latestSeq) }
    }

    public func stop() { thread.stop() }
}

/// The bus's parts on their thread: builds them in the order security needs, polls their
/// sockets and routes each readable one to its owner. It decides nothing itself.
final class ServiceBusLoop: SocketLoop {
    let zap: ZAPHandler?
    let publisher: Publisher
    let router: RequestRouter
    let gateway: IntegratorGateway?
    let following: FollowerDriver
    let monitors: [SocketMonitor]
    private let stats: BusStats
    private let logger: Logger
    /// Every input but the SUB, in poll order, with who reads it.
    private let polled: [(socket: Socket, reader: Reader)]
    private enum Reader {
        case router
        case dealer(Int)
        case zap
        case monitor(Int)
        case gateway
    }

    init(config: BusConfig, context: ZMQContext, delegate: any BusDelegate, logger: Logger, stats: BusStats) throws {
        self.stats = stats
        self.logger = logger
        // The ZAP handler first: a CURVE server bound without one admits anybody (libzmq 4.3.4).
        zap = try config.security.map { try ZAPHandler(context: context, security: $0, stats: stats, logger: logger) }
        let monitorID = UUID().uuidString
        publisher = try Publisher(config: config, context: context, monitorID: monitorID, stats: stats, logger: logger)
        router = try RequestRouter(config: config, context: context, monitorID: monitorID, delegate: delegate, stats: stats, logger: logger)
        gateway = try config.gateway.map {
            try IntegratorGateway(config: $0, security: config.security, context: context, monitorID: monitorID, stats: stats, logger: logger)
        }
        following = try FollowerDriver(config: config, context: context, delegate: delegate, stats: stats, logger: logger)
        monitors = [publisher.monitor, router.monitor] + (gateway.map { [$0.monitor] } ?? [])
        var polled: [(Socket, Reader)] = [(router.socket, .router)]
        polled += following.dealers.enumerated().map { ($0.element, .dealer($0.offset)) }
        if let zap { polled.append((zap.socket, .zap)) }
        polled += monitors.enumerated().map { ($0.element.socket, .monitor($0.offset)) }
        if let gateway { polled.append((gateway.socket, .gateway)) }
        self.polled = polled
        logBound(config)
        following.start()
    }

    private func logBound(_ config: BusConfig) {
        logger.info(
            "bus bound",
            metadata: [
                "pub": "\(publisher.endpoint)", "router": "\(router.endpoint)", "integrators": "\(gateway?.endpoint ?? "-")",
                "follows": "\(config.follow.map(\.source))",
            ])
        guard let security = config.security else {
            logger.warning(
                "bus is PLAINTEXT: no CURVE keys configured (--curve-key, --curve-keyring); anyone who reaches these endpoints can read and send")
            if gateway != nil {
                logger.warning("integrator gateway is PLAINTEXT: without keys there are no grants, so every subscriber reads every integrator topic")
            }
            return
        }
        logger.info("bus is CURVE-encrypted; clients are checked against the keyring", metadata: ["keys": "\(security.keyring.entries.count)"])
    }

    func publish(_ events: [OutboundEvent]) {
        publisher.publish(events)
        gateway?.forward(events)
    }

    // MARK: SocketLoop

    /// The router, the dealers, ZAP, the monitors, the gateway, then the SUB unless paused.
    var inputs: [Socket] {
        var list = polled.map(\.socket)
        if let sub = following.activeSub { list.append(sub) }
        return list
    }

    func readable(_ index: Int) {
        guard index < polled.count else {
            following.readSub()
            return
        }
        switch polled[index].reader {
        case .router: router.read(latestSeq: publisher.latestSeq)
        case .dealer(let i): following.readReplay(i)
        case .zap: zap?.answerPending()
        case .monitor(let i): monitors[i].count(into: stats, logger: logger)
        case .gateway: gateway?.readSubscriptions()
        }
    }

    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let nextHeartbeat = publisher.tick(now: now)
        // Replay and back-pressure move on the follower's own schedule: come back soon.
        return following.tick(now: now) ? min(nextHeartbeat, now + .milliseconds(5)) : nextHeartbeat
    }

    func shutdown() {
        publisher.close()
        router.close()
        gateway?.close()
        for monitor in monitors { monitor.socket.close() }
        zap?.socket.close()
        following.close()
    }
}
