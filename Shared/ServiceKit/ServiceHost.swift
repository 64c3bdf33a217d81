import Bus
import EventStore
import Foundation
import Hummingbird
import Logging
import Metrics
import Model
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals
import Wire

/// What a service plugs into the host: its core, the sources it follows, its operations and routes.
public struct ServiceDefinition<Core: ServiceCore>: Sendable {
    public var name: ServiceName
    public var follows: [ServiceName]
    public var makeCore: @Sendable () throws -> Core
    /// Operations by name, reachable over the ROUTER (`{"op": name}` + body) and wired to HTTP
    /// routes by `routes`.
    public var operations: @Sendable (ServiceContext<Core>) -> Operations
    /// The service's HTTP API beyond the ops endpoints.
    public var routes: @Sendable (Router<BasicRequestContext>, ServiceContext<Core>, Operations) -> Void
    /// The integrator gateway, for the service that runs one.
    public var gateway: (@Sendable (ServiceConfig) -> GatewayConfig)?
    /// The service's typed operations and the HTTP routes onto them.
    public var api: @Sendable (ServiceContext<Core>) -> ServiceAPI

    public init(name: ServiceName, follows: [ServiceName], makeCore: @escaping @Sendable () throws -> Core,
                api: @escaping @Sendable (ServiceContext<Core>) -> ServiceAPI,
                gateway: (@Sendable (ServiceConfig) -> GatewayConfig)? = nil) {
        self.init(name: name, follows: follows, makeCore: makeCore, gateway: gateway)
        self.api = api
    }

    public init(name: ServiceName, follows: [ServiceName], makeCore: @escaping @Sendable () throws -> Core,
                operations: @escaping @Sendable (ServiceContext<Core>) -> Operations = { _ in Operations() },
                routes: @escaping @Sendable (Router<BasicRequestContext>, ServiceContext<Core>, Operations) -> Void = { _, _, _ in },
                gateway: (@Sendable (ServiceConfig) -> GatewayConfig)? = nil) {
        self.api = { _ in ServiceAPI() }
        self.gateway = gateway
        self.name = name
        self.follows = follows
        self.makeCore = makeCore
        self.operations = operations
        self.routes = routes
    }
}

/// Everything a handler may need.
public struct ServiceContext<Core: ServiceCore>: Sendable {
    public let config: ServiceConfig
    public let engine: Engine<Core>
    public let store: Store
    /// Read access to the service's state, for the Core's query types.
    public var reader: StateReader { StateReader(store) }
    public let bus: ServiceBus
    public let logger: Logger
    public let health: Health
}

/// Readiness: the store is open, the bus is bound, every followed source has caught up, and the
/// service is not shutting down.
public final class Health: Sendable {
    private let sources = Mutex<[String: FollowState]>([:])
    private let shuttingDown = Atomic<Bool>(false)
    private let busUp = Atomic<Bool>(false)

    public init() {}

    func set(_ source: String, _ state: FollowState) { sources.withLock { $0[source] = state } }
    func markBusUp() { busUp.store(true, ordering: .releasing) }
    func markShuttingDown() { shuttingDown.store(true, ordering: .releasing) }

    public var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    /// `nil` when ready, otherwise why not.
    public func notReadyReason(engineRunning: Bool) -> String? {
        if shuttingDown.load(ordering: .acquiring) { return "shutting down" }
        if !engineRunning { return "database not open" }
        if !busUp.load(ordering: .acquiring) { return "bus not bound" }
        let states = sources.withLock { $0 }
        for (source, state) in states.sorted(by: { $0.key < $1.key }) {
            switch state {
            case .live: continue
            case .replaying: return "catching up with \(source)"
            case .pruned(let oldest, let last):
                return "\(source) pruned events this service never applied (last applied \(last), oldest available \(oldest)): resynchronise it (README, 'Resynchronising')"
            }
        }
        return nil
    }

    public var sourceStates: [String: FollowState] { sources.withLock { $0 } }
}

/// Starts a service: store, engine, bus, ops HTTP server; runs until SIGTERM or SIGINT, then
/// drains in reverse order (readiness goes false first).
public enum ServiceHost {
    public static func run<Core: ServiceCore>(_ definition: ServiceDefinition<Core>, config: ServiceConfig) async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = config.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = {
            var logger = Logger(label: "precinct.\(config.instance)")
            logger.logLevel = config.logLevel
            return logger
        }()

        let store = try Store(path: config.databasePath, service: config.instance, durability: config.durability) { Core.migrate(&$0) }
        var engineConfig = EngineConfig()
        engineConfig.retention = config.retention
        let engine = try Engine(store: store, clock: config.makeClock(), config: engineConfig, logger: logger, makeCore: definition.makeCore)
        let health = Health()
        let inbox = try store.inbox()
        // Every instance of every followed service is a source of its own (own sequence, own inbox row).
        let follows = definition.follows.flatMap { peer in
            (config.peers[peer] ?? []).map { endpoints -> FollowSpec in
                let position = inbox[endpoints.source]
                return FollowSpec(source: endpoints.source, pubEndpoint: endpoints.pub, routerEndpoint: endpoints.router,
                                  lastApplied: position?.seq ?? 0, epoch: position?.epoch)
            }
        }
        var busConfig = BusConfig(service: config.instance, pubEndpoint: config.bindPub, routerEndpoint: config.bindRouter,
                                  follow: follows, epoch: store.epoch, latestSeq: try store.latestSeq())
        busConfig.heartbeatInterval = config.heartbeatInterval
        busConfig.security = config.security
        busConfig.gateway = definition.gateway?(config)
        let bridge = BusBridge(engine: engine, store: store, health: health, logger: logger, gateway: busConfig.gateway)
        let context = try ZMQContext()
        let bus = try ServiceBus(config: busConfig, context: context, delegate: bridge, logger: logger)
        engine.attach(BusOutput(bus: bus))
        health.markBusUp()
        let serviceContext = ServiceContext(config: config, engine: engine, store: store, bus: bus, logger: logger, health: health)
        let operations = definition.operations(serviceContext)
        let api = definition.api(serviceContext)
        bridge.connect(bus: bus, operations: operations, api: api)

        let router = Router()
        OpsRoutes.add(to: router, context: serviceContext, registry: registry)
        definition.routes(router, serviceContext, operations)
        api.addRoutes(to: router)
        let endpointsFile = config.endpointsFile
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "precinct-\(config.instance)"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.httpPort
                var info: [String: String] = ["http": "http://\(config.httpHost):\(port)", "pub": bus.pubEndpoint, "router": bus.routerEndpoint, "epoch": store.epoch]
                if let gateway = bus.gatewayEndpoint { info["integrators"] = gateway }
                if let data = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) {
                    try? data.write(to: endpointsFile, options: .atomic)
                }
                logger.info("ready to serve", metadata: ["http": "\(info["http"]!)", "pub": "\(bus.pubEndpoint)", "router": "\(bus.routerEndpoint)", "epoch": "\(store.epoch)"])
            },
            logger: logger)
        let core = CoreService(engine: engine, bus: bus, health: health, logger: logger)
        // Shut down in reverse: readiness goes false first (and stays false for the shutdown
        // delay, so a load balancer stops sending), then HTTP closes, then the engine drains.
        let gate = ReadinessGate(health: health, delay: config.shutdownDelay, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: core),
                .init(service: app),
                .init(service: gate),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(at: endpointsFile)
        _ = context  // the context outlives every socket
    }
}

/// Owns the engine and the bus for the service group: on shutdown readiness goes false, the
/// engine commits what it holds and publishes it, then the sockets close.
struct CoreService: Service {
    let engine: any StoppableEngine
    let bus: ServiceBus
    let health: Health
    let logger: Logger

    init<Core: ServiceCore>(engine: Engine<Core>, bus: ServiceBus, health: Health, logger: Logger) {
        self.engine = engine
        self.bus = bus
        self.health = health
        self.logger = logger
    }

    func run() async throws {
        try? await gracefulShutdown()
        health.markShuttingDown()
        logger.info("draining")
        engine.stop()
        bus.stop()
        logger.info("stopped")
    }
}

/// The first to hear of a shutdown: readiness answers 503 from then on.
struct ReadinessGate: Service {
    let health: Health
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        health.markShuttingDown()
        logger.info("not ready: shutting down", metadata: ["delay": "\(delay)"])
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}

protocol StoppableEngine: Sendable { func stop() }
extension Engine: StoppableEngine {}

/// Connects the bus to the engine and the operations.
final class BusBridge<Core: ServiceCore>: BusDelegate {
    let engine: Engine<Core>
    let store: Store
    let health: Health
    let logger: Logger
    /// The service's integrator gateway: what an integrator's replay is filtered through.
    let gateway: GatewayConfig?
    private let wiring = Mutex<(ServiceBus, Operations, ServiceAPI)?>(nil)

    init(engine: Engine<Core>, store: Store, health: Health, logger: Logger, gateway: GatewayConfig?) {
        self.gateway = gateway
        self.engine = engine
        self.store = store
        self.health = health
        self.logger = logger
    }

    func connect(bus: ServiceBus, operations: Operations, api: ServiceAPI) { wiring.withLock { $0 = (bus, operations, api) } }

    func bus(received events: [Envelope], from source: String) { engine.deliver(events, from: source) }

    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {
        engine.deadLetter(frames: frames, source: source, reason: reason)
    }

    func bus(source: String, state: FollowState) { health.set(source, state) }

    func busBacklog() -> Int { engine.backlog }

    /// Requests are `[{"op": name, "id": …}, body?]`; replies `[{"id": …, "ok": …, "status": …}, body]`.
    func bus(request: BusRequest) {
        guard let (bus, operations, api) = wiring.withLock({ $0 }) else { return }
        let header: RequestHeader
        do { header = try request.header.get() } catch {
            bus.stats.count("rejected_requests", [("reason", "malformed")])
            let reply = APIResponse.error(400, code: "bad-request", message: error.message, field: error.field)
            bus.reply(request, frames: [ReplyHeader(id: .null, status: 400).encoded(), reply.body])
            return
        }
        let op = header.op
        if let grants = request.grants {
            // An integrator key: its replay of what the gateway sent it, and nothing else.
            guard op == ReplayRequest.op, let gateway else {
                bus.stats.count("rejected_requests", [("reason", "forbidden")])
                logger.warning("request refused: an integrator key may only replay", metadata: ["requester": "\(request.requester ?? "?")", "op": "\(op)"])
                let reply = APIResponse.error(403, code: "forbidden", message: "an integrator key may only ask for 'replay' here", field: "op")
                bus.reply(request, frames: [ReplyHeader(id: header.id, status: 403).encoded(), reply.body])
                return
            }
            answerReplay(request, header: header, bus: bus, view: { events in
                events.filter { gateway.forwards($0.topic) }
                    .flatMap { [$0] + gateway.render($0) }
                    .filter { event in grants.contains { event.topic.starts(with: $0.utf8) } }
            })
            return
        }
        if op == ReplayRequest.op {
            answerReplay(request, header: header, bus: bus, view: nil)
            return
        }
        let body = request.frames.count > 1 ? request.frames[1] : []
        if api.entries[op] != nil {
            Task {
                let reply = await api.call(op, json: body)!
                bus.reply(request, frames: [ReplyHeader(id: header.id, status: reply.status).encoded(), reply.body])
            }
            return
        }
        guard let handler = operations[op] else {
            bus.stats.count("rejected_requests", [("reason", "unknown_op")])
            let reply = APIResponse.error(404, code: "unknown-op", message: "unknown op '\(op)'; this service answers: \((["replay", "ping"] + (operations.handlers.keys.sorted() + api.operationNames).sorted()).joined(separator: ", "))", field: "op")
            bus.reply(request, frames: [ReplyHeader(id: header.id, status: 404).encoded(), reply.body])
            return
        }
        Task {
            let response = await handler(body)
            bus.reply(request, frames: [ReplyHeader(id: header.id, status: response.status).encoded(), response.body])
        }
    }

    private func answerReplay(_ request: BusRequest, header: RequestHeader, bus: ServiceBus,
                              view: (@Sendable ([OutboundEvent]) -> [OutboundEvent])?) {
        let replay: ReplayRequest
        do { replay = try ReplayRequest(header) } catch {
            bus.reply(request, frames: ReplayReply.refused(.init(id: header.id, code: "bad-request", message: error.message)).frames)
            return
        }
        let store = self.store
        Task { bus.reply(request, frames: await store.answer(replay, view: view).frames) }
    }
}

/// The engine's way onto the bus.
struct BusOutput: EngineTransport {
    let bus: ServiceBus
    func publish(_ events: [OutboundEvent]) { bus.publish(events) }
    func rewind(source: String, to seq: UInt64) { bus.rewind(source: source, to: seq) }
}
