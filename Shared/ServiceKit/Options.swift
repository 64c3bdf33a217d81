import ArgumentParser
import Bus
import EventStore
import Foundation
import Logging
import Model
import Wire

/// The four services and their default loopback ports (README, "Ports").
public enum ServiceName: String, CaseIterable, Sendable, ExpressibleByArgument {
    case intake, dispatch, scoring, liaison

    public var basePort: Int {
        switch self {
        case .intake: 7100
        case .dispatch: 7200
        case .scoring: 7300
        case .liaison: 7400
        }
    }
    public var defaultPub: String { "tcp://127.0.0.1:\(basePort + 1)" }
    public var defaultRouter: String { "tcp://127.0.0.1:\(basePort + 2)" }
    public var defaultHTTPPort: Int { basePort + 1001 }
    var envPrefix: String { "PRECINCT_\(rawValue.uppercased())" }
}

/// Flags every service takes. Each falls back to a `PRECINCT_*` environment variable, then to
/// the loopback default, so one binary runs on a laptop, in compose, or across hosts.
public struct ServiceOptions: ParsableArguments {
    @Option(help: "PUB endpoint to bind (env PRECINCT_BIND_PUB; default tcp://127.0.0.1:<base+1>).")
    public var bindPub: String?
    @Option(help: "ROUTER endpoint to bind (env PRECINCT_BIND_ROUTER; default tcp://127.0.0.1:<base+2>).")
    public var bindRouter: String?
    @Option(help: "Ops/API HTTP host (env PRECINCT_HTTP_HOST; default 127.0.0.1).")
    public var httpHost: String?
    @Option(help: "Ops/API HTTP port, 0 for any (env PRECINCT_HTTP_PORT; default <base+1001>).")
    public var httpPort: Int?
    @Option(help: "Data directory for the SQLite file (env PRECINCT_DATA_DIR; default .data).")
    public var dataDir: String?
    @Option(help: "City folder: jurisdiction, enterprises, rules (env PRECINCT_CITY; default cities/demo).")
    public var city: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env PRECINCT_LOG_LEVEL; default info).")
    public var logLevel: String?
    @Option(help: "Heartbeat interval in milliseconds (env PRECINCT_HEARTBEAT_MS; default 500).")
    public var heartbeatMs: Int?
    @Option(help: "Outbox retention: events kept (env PRECINCT_RETENTION_EVENTS; default 1000000; 0 = no limit).")
    public var retentionEvents: Int?
    @Option(help: "Outbox retention: hours kept (env PRECINCT_RETENTION_HOURS; default 168; 0 = no limit).")
    public var retentionHours: Double?
    @Option(help: "Commit durability: process (survives kill -9) or power (fsync every commit) (env PRECINCT_DURABILITY; default process).")
    public var durability: String?
    @Option(
        help: """
            Where the SQLite write-ahead log is copied into the file: thread (a thread of its own, every second) or writer \
            (SQLite's automatic checkpoint, in the committing connection) (env PRECINCT_CHECKPOINT; default thread).
            """)
    public var checkpoint: String?
    @Option(help: "Event-time speed: 1 is real time, 60 runs an hour a minute (env PRECINCT_TIME_FACTOR; default 1).")
    public var timeFactor: Double?
    @Option(help: "Event-time origin (ISO-8601) when time-factor is not 1 (env PRECINCT_TIME_ORIGIN; default the anchor).")
    public var timeOrigin: String?
    @Option(
        help: """
            Wall-clock instant (ISO-8601) at which event time is the origin, the same for every process (env PRECINCT_TIME_ANCHOR; \
            default the data directory's clock-anchor file, written by the first service to start).
            """
    )
    public var timeAnchor: String?
    @Option(
        help: """
            Instance name: the source name on the bus and the name of its files, for running several instances of one service \
            (env PRECINCT_INSTANCE; default the service's name).
            """
    )
    public var instance: String?
    @Option(help: "On SIGTERM, answer /readyz 503 this long before the HTTP server closes (env PRECINCT_SHUTDOWN_DELAY_MS; default 0).")
    public var shutdownDelayMs: Int?
    @Option(
        help: """
            This service's CURVE key pair file, from `precinct keys` (env PRECINCT_CURVE_KEY). With --curve-keyring it turns \
            CURVE on for every socket; without both the bus is plaintext, and logged as such.
            """
    )
    public var curveKey: String?
    @Option(help: "The keyring: every service's and integrator's public key, role and grants (env PRECINCT_CURVE_KEYRING).")
    public var curveKeyring: String?
    @Option(
        help: """
            The token-signing key file (base64, from `make keys` or `precinct tokens key`) that checks bearer tokens \
            (env PRECINCT_TOKEN_KEY; default: a development key made in the data directory on first start).
            """)
    public var tokenKey: String?
    @Option(help: "Require an operator's token on /metrics too: true or false (env PRECINCT_METRICS_AUTH; default false).")
    public var metricsAuth: Bool?
    @Option(help: "PEM certificate (chain) for TLS on the HTTP port; with --tls-key (env PRECINCT_TLS_CERT).")
    public var tlsCert: String?
    @Option(help: "PEM private key for TLS on the HTTP port (env PRECINCT_TLS_KEY).")
    public var tlsKey: String?
    @Flag(
        help: """
            Allow a plaintext bus on a non-loopback address: anyone who reaches it can read every event (callers' \
            names and phones included) and send requests as a service (env PRECINCT_INSECURE=1).
            """)
    public var insecure = false
    @Option(help: "liaison only: the integrator gateway endpoint to bind (env PRECINCT_BIND_INTEGRATORS; default tcp://127.0.0.1:7403).")
    public var bindIntegrators: String?
    @Option(help: "intake's PUB endpoint to follow (env PRECINCT_INTAKE_PUB).")
    public var intakePub: String?
    @Option(help: "intake's ROUTER endpoint (env PRECINCT_INTAKE_ROUTER).")
    public var intakeRouter: String?
    @Option(help: "dispatch's PUB endpoint to follow (env PRECINCT_DISPATCH_PUB).")
    public var dispatchPub: String?
    @Option(help: "dispatch's ROUTER endpoint (env PRECINCT_DISPATCH_ROUTER).")
    public var dispatchRouter: String?
    @Option(help: "scoring's PUB endpoint to follow (env PRECINCT_SCORING_PUB).")
    public var scoringPub: String?
    @Option(help: "scoring's ROUTER endpoint (env PRECINCT_SCORING_ROUTER).")
    public var scoringRouter: String?
    @Option(help: "liaison's PUB endpoint to follow (env PRECINCT_LIAISON_PUB).")
    public var liaisonPub: String?
    @Option(help: "liaison's ROUTER endpoint (env PRECINCT_LIAISON_ROUTER).")
    public var liaisonRouter: String?

    public init() {}

    /// Flags, then environment, then defaults.
    public func resolve(_ service: ServiceName, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceConfig {
        func pick<T>(_ flag: T?, _ env: String, _ parse: (String) -> T?, _ fallback: T) throws -> T {
            try resolveSetting(flag, env: env, parse: parse, default: fallback, environment: environment)
        }
        let str: (String) -> String? = { $0 }
        var endpoints: [ServiceName: [PeerEndpoints]] = [:]
        let flags: [ServiceName: (String?, String?)] = [
            .intake: (intakePub, intakeRouter), .dispatch: (dispatchPub, dispatchRouter),
            .scoring: (scoringPub, scoringRouter), .liaison: (liaisonPub, liaisonRouter),
        ]
        for other in ServiceName.allCases {
            let (p, r) = flags[other]!
            endpoints[other] = try PeerEndpoints.parse(
                service: other,
                pub: try pick(p, "\(other.envPrefix)_PUB", str, other.defaultPub),
                router: try pick(r, "\(other.envPrefix)_ROUTER", str, other.defaultRouter))
        }
        let levelName = try pick(logLevel, "PRECINCT_LOG_LEVEL", str, "info")
        guard let level = Logger.Level(rawValue: levelName.lowercased()) else {
            throw ValidationError("log level '\(levelName)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        let durabilityName = try pick(durability, "PRECINCT_DURABILITY", str, "process")
        guard let durability = Durability(rawValue: durabilityName) else {
            throw ValidationError("durability '\(durabilityName)' is not 'process' or 'power'")
        }
        let checkpointPlace = try pick(checkpoint, "PRECINCT_CHECKPOINT", str, "thread")
        guard checkpointPlace == "thread" || checkpointPlace == "writer" else {
            throw ValidationError("checkpoint '\(checkpointPlace)' is not 'thread' or 'writer'")
        }
        let events = try pick(retentionEvents, "PRECINCT_RETENTION_EVENTS", { Int($0) }, 1_000_000)
        let hours = try pick(retentionHours, "PRECINCT_RETENTION_HOURS", { Double($0) }, 168)
        let factor = try pick(timeFactor, "PRECINCT_TIME_FACTOR", { Double($0) }, 1)
        let originText = try pick(timeOrigin, "PRECINCT_TIME_ORIGIN", str, "")
        var origin: Date?
        if !originText.isEmpty {
            guard let d = ISO8601DateFormatter().date(from: originText) else { throw ValidationError("time origin '\(originText)' is not ISO-8601") }
            origin = d
        }
        let anchorText = try pick(timeAnchor, "PRECINCT_TIME_ANCHOR", str, "")
        var anchor: Date?
        if !anchorText.isEmpty {
            guard let d = EventTime.date(anchorText) else { throw ValidationError("time anchor '\(anchorText)' is not ISO-8601") }
            anchor = d
        }
        let dataDirectory = URL(fileURLWithPath: try pick(dataDir, "PRECINCT_DATA_DIR", str, ".data"))
        // An accelerated clock needs one anchor for every process: the flag, else the shared file.
        if anchor == nil && (factor != 1 || origin != nil) { anchor = try ClockAnchor.shared(in: dataDirectory) }
        let port = try pick(httpPort, "PRECINCT_HTTP_PORT", { Int($0) }, service.defaultHTTPPort)
        guard (0...65535).contains(port) else { throw ValidationError("HTTP port \(port) is out of range") }
        let heartbeat = try pick(heartbeatMs, "PRECINCT_HEARTBEAT_MS", { Int($0) }, 500)
        let shutdownDelay = try pick(shutdownDelayMs, "PRECINCT_SHUTDOWN_DELAY_MS", { Int($0) }, 0)
        guard shutdownDelay >= 0 else { throw ValidationError("shutdown delay must be >= 0 ms") }
        guard heartbeat > 0 else { throw ValidationError("heartbeat interval must be > 0 ms") }
        let instanceName = try pick(instance, "PRECINCT_INSTANCE", str, service.rawValue)
        guard !instanceName.isEmpty, instanceName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("instance name '\(instanceName)' may hold only letters, digits, '-' and '_'")
        }
        let keyPath = try pick(curveKey, "PRECINCT_CURVE_KEY", str, "")
        let keyringPath = try pick(curveKeyring, "PRECINCT_CURVE_KEYRING", str, "")
        var security: BusSecurity?
        switch (keyPath.isEmpty, keyringPath.isEmpty) {
        case (true, true): security = nil
        case (false, false):
            do {
                security = BusSecurity(
                    keyPair: try CurveKeyPair.load(from: URL(fileURLWithPath: keyPath)),
                    keyring: try Keyring.load(from: URL(fileURLWithPath: keyringPath)))
            } catch { throw ValidationError("CURVE: \(error.message)") }
        case (true, false): throw ValidationError("CURVE: a keyring is set but no key pair (--curve-key / PRECINCT_CURVE_KEY)")
        case (false, true): throw ValidationError("CURVE: a key pair is set but no keyring (--curve-keyring / PRECINCT_CURVE_KEYRING)")
        }
        let tokenKeyPath = try pick(tokenKey, "PRECINCT_TOKEN_KEY", str, "")
        let tlsCertPath = try pick(tlsCert, "PRECINCT_TLS_CERT", str, "")
        let tlsKeyPath = try pick(tlsKey, "PRECINCT_TLS_KEY", str, "")
        guard tlsCertPath.isEmpty == tlsKeyPath.isEmpty else {
            throw ValidationError("TLS needs both a certificate (--tls-cert / PRECINCT_TLS_CERT) and a key (--tls-key / PRECINCT_TLS_KEY)")
        }
        let bools: (String) -> Bool? = { ["1": true, "true": true, "yes": true, "0": false, "false": false, "no": false][$0.lowercased()] }
        let insecureFromEnvironment = try pick(nil, "PRECINCT_INSECURE", bools, false)
        let allowInsecure = insecure || insecureFromEnvironment
        let pubEndpoint = try pick(bindPub, "PRECINCT_BIND_PUB", str, service.defaultPub)
        let routerEndpoint = try pick(bindRouter, "PRECINCT_BIND_ROUTER", str, service.defaultRouter)
        if security == nil, !allowInsecure {
            for endpoint in [pubEndpoint, routerEndpoint] where !BusExposure.isLocal(endpoint) {
                throw ValidationError(
                    """
                    the bus is plaintext (no --curve-key/--curve-keyring) and \(endpoint) is not loopback: anyone who reaches it \
                    reads every event and may ask as a service. Turn CURVE on (make keys), or pass --insecure if this network is yours alone.
                    """)
            }
        }
        return ServiceConfig(
            service: service,
            instance: instanceName,
            bindPub: pubEndpoint,
            bindRouter: routerEndpoint,
            httpHost: try pick(httpHost, "PRECINCT_HTTP_HOST", str, "127.0.0.1"),
            httpPort: port,
            dataDirectory: dataDirectory,
            cityDirectory: URL(fileURLWithPath: try pick(city, "PRECINCT_CITY", str, "cities/demo")),
            logLevel: level,
            heartbeatInterval: .milliseconds(heartbeat),
            shutdownDelay: .milliseconds(shutdownDelay),
            retention: Retention(maxEvents: events > 0 ? events : nil, maxAge: hours > 0 ? hours * 3600 : nil),
            durability: durability,
            checkpointThread: checkpointPlace == "thread",
            timeFactor: factor,
            timeOrigin: origin,
            timeAnchor: anchor,
            peers: endpoints,
            security: security,
            bindIntegrators: try pick(bindIntegrators, "PRECINCT_BIND_INTEGRATORS", str, "tcp://127.0.0.1:\(ServiceName.liaison.basePort + 3)"),
            tokenKeyPath: tokenKeyPath.isEmpty ? nil : tokenKeyPath,
            metricsNeedToken: try pick(metricsAuth, "PRECINCT_METRICS_AUTH", bools, false),
            tls: tlsCertPath.isEmpty ? nil : TLSFiles(certificate: tlsCertPath, key: tlsKeyPath),
            insecure: allowInsecure)
    }
}

/// One setting: the flag when given, else the environment variable when set and not empty, else
/// the default. A value that does not parse is an error naming the variable: never silently
/// ignored. Every service's own flags resolve through this, like the common ones.
public func resolveSetting<T>(
    _ flag: T?, env variable: String, parse: (String) -> T?, default fallback: T,
    environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> T {
    if let flag { return flag }
    if let raw = environment[variable], !raw.isEmpty {
        guard let value = parse(raw) else { throw ValidationError("environment variable \(variable)='\(raw)' is not valid") }
        return value
    }
    return fallback
}

/// An optional setting: the flag, else the environment variable, else `nil`; a value that does
/// not parse is an error naming the variable.
public func resolveSetting<T>(
    _ flag: T?, env variable: String, parse: (String) -> T?,
    environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> T? {
    if let flag { return flag }
    guard let raw = environment[variable], !raw.isEmpty else { return nil }
    guard let value = parse(raw) else { throw ValidationError("environment variable \(variable)='\(raw)' is not valid") }
    return value
}

/// Where one instance of a followed service publishes and answers.
public struct PeerEndpoints: Sendable, Equatable {
    /// The instance's source name (the service's name unless it runs as several instances).
    public var source: String
    public var pub: String
    public var router: String

    /// One endpoint (`tcp://dispatch:7201`), or one per instance, named the same way in both lists
    /// (`dispatch-north=tcp://a:7201,dispatch-south=tcp://b:7201`).
    static func parse(service: ServiceName, pub: String, router: String) throws -> [PeerEndpoints] {
        func entries(_ list: String) -> [(String, String)] {
            list.split(separator: ",").map { item in
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 ? (parts[0], parts[1]) : (service.rawValue, parts[0])
            }
        }
        let pubs = entries(pub)
        let routers = Dictionary(entries(router), uniquingKeysWith: { a, _ in a })
        return try pubs.map { name, endpoint in
            guard let r = routers[name] else {
                throw ValidationError("\(service.envPrefix)_PUB names instance '\(name)' but \(service.envPrefix)_ROUTER does not")
            }
            return PeerEndpoints(source: name, pub: endpoint, router: r)
        }
    }
}

/// A service's resolved configuration.
public struct ServiceConfig: Sendable {
    public var service: ServiceName
    /// The source name on the bus and of this instance's files (the service's name by default).
    public var instance: String
    public var bindPub: String
    public var bindRouter: String
    public var httpHost: String
    public var httpPort: Int
    public var dataDirectory: URL
    public var cityDirectory: URL
    public var logLevel: Logger.Level
    public var heartbeatInterval: Duration
    public var shutdownDelay: Duration
    public var retention: Retention
    public var durability: Durability
    /// The write-ahead log is copied by a thread of its own (`WALCheckpointer`), not by SQLite's
    /// automatic checkpoint in the committing connection.
    public var checkpointThread = true
    public var timeFactor: Double
    public var timeOrigin: Date?
    /// The wall-clock instant at which event time is `timeOrigin` (set whenever the clock is accelerated).
    public var timeAnchor: Date?
    public var peers: [ServiceName: [PeerEndpoints]]
    /// CURVE on every socket, or `nil` for plaintext.
    public var security: BusSecurity?
    /// Where the integrator gateway binds (liaison).
    public var bindIntegrators: String
    /// The token-signing key file; `nil`: the development key in the data directory.
    public var tokenKeyPath: String?
    /// Whether `/metrics` needs an operator's token (it is open by default, for scrapers).
    public var metricsNeedToken: Bool = false
    /// TLS on the HTTP port.
    public var tls: TLSFiles?
    /// A plaintext bus on a non-loopback address was allowed explicitly.
    public var insecure: Bool = false

    public var databasePath: String { dataDirectory.appendingPathComponent("\(instance).sqlite").path }
    /// Written once the service is up: the endpoints it actually bound (port 0 and `*` resolved).
    public var endpointsFile: URL { dataDirectory.appendingPathComponent("\(instance).endpoints.json") }

    /// Wall-clock time, or the accelerated clock every process with the same origin, factor and
    /// anchor reads alike.
    public func makeClock() -> any EventClock {
        guard timeFactor != 1 || timeOrigin != nil else { return SystemClock() }
        let anchor = timeAnchor ?? Date()
        return AcceleratedClock(origin: timeOrigin ?? anchor, factor: timeFactor, anchor: anchor)
    }
}

extension ServiceConfig {
    /// The configuration with no flags given: the environment's `PRECINCT_*` values, else the
    /// loopback defaults (tests pass an empty environment).
    public static func defaults(_ service: ServiceName, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServiceConfig {
        try ServiceOptions.parse([]).resolve(service, environment: environment)
    }
}

/// A PEM certificate (chain) and its private key.
public struct TLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// Whether a bus endpoint can be reached from another host.
public enum BusExposure {
    /// `ipc://`, `inproc://`, and `tcp://` on 127.0.0.0/8, `::1` or `localhost` stay on this host.
    public static func isLocal(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
