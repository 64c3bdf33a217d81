import Bus
import EventStore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Model
import NIOSSL
import Prometheus
import ServiceLifecycle
import UnixSignals
import Wire

/// A service, built and not yet running: run its ``group`` (a swift-service-lifecycle
/// `ServiceGroup`) until SIGTERM or SIGINT, or until the group is shut down (tests).
public struct BuiltService: Sendable {
    public let group: ServiceGroup
    /// The endpoints the transport bound (before HTTP starts).
    public let endpoints: TransportEndpoints
    public let health: Health
    /// The event log, for tests that look inside.
    public let log: any EventLog
    /// Answered once the HTTP server listens: its port (port 0 resolved).
    public let httpPort: HTTPPortPromise
}

/// The HTTP port, once the server listens.
public final class HTTPPortPromise: Sendable {
    private let stream: AsyncStream<Int>
    private let continuation: AsyncStream<Int>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1)) }

    func fulfil(_ port: Int) { continuation.yield(port) }

    /// Waits until the server listens.
    public func value() async -> Int? {
        for await port in stream { return port }
        return nil
    }
}

/// Builds a service from its definition and configuration: event log, engine, transport, HTTP
/// routes and the shutdown order, as one `ServiceGroup`. Bootstraps nothing (logging and
/// metrics are the process's, set up once in `main`), so tests build several in one process.
///
/// - Parameters:
///   - metrics: the registry `/metrics` exports (the one `main` bootstrapped swift-metrics with).
///   - makeLog: the event log; by default the SQLite file under the data directory.
///   - makeTransport: the transport; by default ZeroMQ (`ServiceConfig.zeroMQ`).
///   - clock: event time; by default the configuration's (wall clock, or accelerated). Tests pass a
///     `ManualClock` and move it, so nothing is paced on the wall clock.
///   - signals: the signals that start a graceful shutdown (none in tests).
public func buildService<Core: ServiceCore>(
    _ definition: ServiceDefinition<Core>, config: ServiceConfig, logger: Logger,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    makeLog: (() throws -> any EventLog)? = nil,
    makeTransport: TransportFactory = ServiceConfig.zeroMQ,
    clock: (any EventClock)? = nil,
    signals: [UnixSignal] = [.sigterm, .sigint]
) throws -> BuiltService {
    let log: any EventLog =
        try makeLog?()
        ?? Store(
            path: config.databasePath, service: config.instance, durability: config.durability,
            checkpoints: config.checkpointThread ? CheckpointSettings() : nil
        ) {
            Core.migrate(&$0)
        }
    var engineConfig = EngineConfig()
    engineConfig.retention = config.retention
    engineConfig.tickInterval = definition.tickInterval
    let clock = clock ?? config.makeClock()
    let engine = try Engine(
        store: log, clock: clock, config: engineConfig, logger: logger, start: false,
        makeCore: definition.makeCore)
    let inbox = try log.inbox()
    let optionalFollows = config.followSpecs(of: definition.optionalFollows, inbox: inbox)
    let health = Health(optionalSources: Set(optionalFollows.map(\.source)))
    let gateway = definition.gateway?(config)
    let dispatcher = RequestDispatcher(engine: engine, log: log, health: health, logger: logger, gateway: gateway, security: config.security)
    let transport = try makeTransport(
        TransportSetup(
            config: config, log: log, follows: config.followSpecs(of: definition.follows, inbox: inbox) + optionalFollows,
            gateway: gateway, delegate: dispatcher, logger: logger, clock: clock))
    engine.attach(TransportOutput(transport: transport))
    health.markBusUp()
    let context = ServiceContext(config: config, engine: engine, store: log, transport: transport, logger: logger, health: health)
    var api = definition.api(context)
    api.addAuditRoute(log: log)
    api.addOpenAPIRoute(service: config.service)
    api.addAccessRoute()
    let audit = AuditTrail(engine: engine, service: config.instance)
    dispatcher.connect(transport: transport, api: api, audit: audit)

    let gate = HTTPGate(authority: TokenAuthority(key: try tokenKey(config, logger: logger)), audit: audit)
    let router = Router(context: APIRequestContext.self)
    OpsRoutes.add(to: router, context: context, registry: metrics, gate: gate)
    api.addRoutes(to: router, gate: gate)
    let port = HTTPPortPromise()
    let endpoints = transport.endpoints
    let app = Application(
        router: router,
        server: try httpServer(config),
        configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "precinct-\(config.instance)"),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? config.httpPort
            EndpointsFile.write(config: config, httpPort: bound, endpoints: endpoints, epoch: log.epoch, logger: logger)
            port.fulfil(bound)
        },
        logger: logger)
    // Shut down in reverse: readiness goes false first (and stays false for the shutdown
    // delay), then HTTP closes, then requests drain, then the engine commits and the bus closes.
    let group = ServiceGroup(
        configuration: .init(
            services: [
                .init(service: EngineService(engine: engine, transport: transport, health: health, logger: logger)),
                .init(service: RequestService(dispatcher: dispatcher)),
                .init(service: app),
                .init(service: ReadinessGate(health: health, delay: config.shutdownDelay, logger: logger)),
            ],
            gracefulShutdownSignals: signals,
            logger: logger))
    return BuiltService(group: group, endpoints: endpoints, health: health, log: log, httpPort: port)
}

/// The key that checks bearer tokens: the operator's, or the development key (made on first
/// start, so a service is never open).
func tokenKey(_ config: ServiceConfig, logger: Logger) throws -> TokenKey {
    if let path = config.tokenKeyPath { return try TokenKey.load(from: path) }
    let (key, path) = try TokenKey.development(in: config.dataDirectory, logger: logger)
    logger.notice(
        """
        HTTP needs bearer tokens; with no --token-key this service checks them with the development key at \(path). \
        Issue one with: precinct tokens issue --key \(path) --subject <you> --role <role> (roles: \
        \(Role.people.map(\.rawValue).joined(separator: ", ")))
        """)
    return key
}

/// Plain HTTP/1.1, or TLS when a certificate and key are configured.
func httpServer(_ config: ServiceConfig) throws -> HTTPServerBuilder {
    guard let tls = config.tls else { return .http1() }
    let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
    let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
    return try .tls(.http1(), tlsConfiguration: TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
}

/// `<data>/<instance>.endpoints.json`: what the service bound, for scripts and tests.
enum EndpointsFile {
    static func write(config: ServiceConfig, httpPort: Int, endpoints: TransportEndpoints, epoch: String, logger: Logger) {
        var info = [
            "http": "\(config.tls == nil ? "http" : "https")://\(config.httpHost):\(httpPort)", "pub": endpoints.pub, "router": endpoints.router,
            "epoch": epoch,
        ]
        if let integrators = endpoints.integrators { info["integrators"] = integrators }
        if let data = try? JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]) {
            try? data.write(to: config.endpointsFile, options: .atomic)
        }
        logger.info(
            "ready to serve", metadata: ["http": "\(info["http"]!)", "pub": "\(endpoints.pub)", "router": "\(endpoints.router)", "epoch": "\(epoch)"])
    }
}
