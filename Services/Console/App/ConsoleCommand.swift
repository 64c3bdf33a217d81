import ArgumentParser
import Bus
import Foundation
import Hummingbird
import Logging
import Model
import ServiceKit
import ServiceLifecycle
import UnixSignals
import Wire

@main
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-console",
        abstract: "The command centre's console: follows every service and serves the live board, map and dispatcher actions to a browser.")

    @Option(help: "HTTP host to bind (env PRECINCT_CONSOLE_HOST; default 127.0.0.1).") var httpHost: String?
    @Option(help: "HTTP port (0: any free port) (env PRECINCT_CONSOLE_PORT; default 8501).") var httpPort: Int?
    @Option(help: "City folder (env PRECINCT_CITY; default cities/demo).") var city: String?
    @Option(help: "The web app's folder (env PRECINCT_CONSOLE_WEB; default Services/Console/Web).") var webDir: String?
    @Option(help: "Dispatch rules the set runs with, for the timers (env PRECINCT_DISPATCH_RULES; default <city>/dispatch-rules.json).")
    var dispatchRules: String?
    @Option(help: "The city's time zone for clocks on the page (env PRECINCT_TIME_ZONE; default Asia/Shanghai).") var timeZone: String?
    @Option(help: "Bearer token sent on every call to a service (env PRECINCT_CONSOLE_TOKEN).") var token: String?
    @Option(help: "Write console.endpoints.json here (env PRECINCT_DATA_DIR).") var dataDir: String?
    @Option(help: "Read the services' <service>.endpoints.json from this folder (env PRECINCT_ENDPOINTS_DIR).") var endpointsDir: String?
    @Option(help: "Log level (env PRECINCT_LOG_LEVEL; default info).") var logLevel: String?
    @Option(help: "intake PUB (env PRECINCT_INTAKE_PUB).") var intakePub: String?
    @Option(help: "intake ROUTER (env PRECINCT_INTAKE_ROUTER).") var intakeRouter: String?
    @Option(help: "intake HTTP base URL (env PRECINCT_INTAKE_URL).") var intakeURL: String?
    @Option(help: "dispatch PUB, or one per instance: dispatch-north=tcp://…,dispatch-south=tcp://… (env PRECINCT_DISPATCH_PUB).")
    var dispatchPub: String?
    @Option(help: "dispatch ROUTER, named per instance like --dispatch-pub (env PRECINCT_DISPATCH_ROUTER).") var dispatchRouter: String?
    @Option(help: "dispatch HTTP base URL, named per instance like --dispatch-pub (env PRECINCT_DISPATCH_URL).") var dispatchURL: String?
    @Option(
        help: """
            The regions of a dispatch instance, as its --regions: dispatch-north=R1,R2,R3 (repeat per instance, or separate them \
            with ';'; env PRECINCT_CONSOLE_DISPATCH_REGIONS). An action goes to the instance serving the incident's region; \
            an instance not listed serves every region.
            """)
    var dispatchRegions: [String] = []
    @Option(help: "This console's CURVE key pair file, from `precinct keys` (env PRECINCT_CURVE_KEY); with --curve-keyring, CURVE on every socket.")
    var curveKey: String?
    @Option(help: "The keyring: every service's public key (env PRECINCT_CURVE_KEYRING); it must list this console's key (role operator).")
    var curveKeyring: String?
    @Option(help: "Event-time speed, as the services run (env PRECINCT_TIME_FACTOR; default 1).") var timeFactor: Double?
    @Option(help: "Event-time origin (ISO-8601), as the services run (env PRECINCT_TIME_ORIGIN).") var timeOrigin: String?
    @Option(
        help: "Wall-clock instant (ISO-8601) at which event time is the origin (env PRECINCT_TIME_ANCHOR; default <data-dir>/clock-anchor).")
    var timeAnchor: String?
    @Option(help: "scoring PUB (env PRECINCT_SCORING_PUB).") var scoringPub: String?
    @Option(help: "scoring ROUTER (env PRECINCT_SCORING_ROUTER).") var scoringRouter: String?
    @Option(help: "scoring HTTP base URL (env PRECINCT_SCORING_URL).") var scoringURL: String?
    @Option(help: "liaison PUB (env PRECINCT_LIAISON_PUB).") var liaisonPub: String?
    @Option(help: "liaison ROUTER (env PRECINCT_LIAISON_ROUTER).") var liaisonRouter: String?
    @Option(help: "liaison HTTP base URL (env PRECINCT_LIAISON_URL).") var liaisonURL: String?

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let host = try resolveSetting(httpHost, env: "PRECINCT_CONSOLE_HOST", parse: { $0 }, default: "127.0.0.1")
        let port = try resolveSetting(httpPort, env: "PRECINCT_CONSOLE_PORT", parse: { Int($0) }, default: 8501)
        let cityURL = URL(fileURLWithPath: try resolveSetting(city, env: "PRECINCT_CITY", parse: { $0 }, default: "cities/demo"))
        let web = URL(fileURLWithPath: try resolveSetting(webDir, env: "PRECINCT_CONSOLE_WEB", parse: { $0 }, default: "Services/Console/Web"))
        guard FileManager.default.fileExists(atPath: web.appendingPathComponent("index.html").path) else {
            throw ValidationError("--web-dir \(web.path) has no index.html (the console's web app)")
        }
        let rulesURL =
            try resolveSetting(dispatchRules, env: "PRECINCT_DISPATCH_RULES", parse: { $0 }).map { URL(fileURLWithPath: $0) }
            ?? cityURL.appendingPathComponent("dispatch-rules.json")
        let zone = try resolveSetting(
            timeZone, env: "PRECINCT_TIME_ZONE", parse: { TimeZone(identifier: $0) == nil ? nil : $0 }, default: "Asia/Shanghai")
        let bearer = try resolveSetting(token, env: "PRECINCT_CONSOLE_TOKEN", parse: { $0 })
        let data = try resolveSetting(dataDir, env: "PRECINCT_DATA_DIR", parse: { $0 })
        let peers = Peers(
            endpointsDir: try resolveSetting(endpointsDir, env: "PRECINCT_ENDPOINTS_DIR", parse: { $0 }),
            given: [
                "intake": [intakePub, intakeRouter, intakeURL], "dispatch": [dispatchPub, dispatchRouter, dispatchURL],
                "scoring": [scoringPub, scoringRouter, scoringURL], "liaison": [liaisonPub, liaisonRouter, liaisonURL],
            ], environment: env)
        let levelName = try resolveSetting(
            logLevel, env: "PRECINCT_LOG_LEVEL", parse: { Logger.Level(rawValue: $0) == nil ? nil : $0 }, default: "info")
        let level = Logger.Level(rawValue: levelName) ?? .info
        let registry = Observability.bootstrap(logLevel: level)
        let logger = {
            var logger = Logger(label: "precinct.console")
            logger.logLevel = level
            return logger
        }()

        let jurisdiction = try Jurisdiction.load(from: cityURL)
        let rules = TimerRules.load(rulesURL)
        let clock = try ConsoleClock.resolve(
            factor: try resolveSetting(timeFactor, env: "PRECINCT_TIME_FACTOR", parse: { Double($0) }, default: 1),
            origin: try Self.instant(try resolveSetting(timeOrigin, env: "PRECINCT_TIME_ORIGIN", parse: { $0 }), "time origin"),
            anchor: try Self.instant(try resolveSetting(timeAnchor, env: "PRECINCT_TIME_ANCHOR", parse: { $0 }), "time anchor"), dataDirectory: data)
        let security = try Self.security(
            key: try resolveSetting(curveKey, env: "PRECINCT_CURVE_KEY", parse: { $0 }),
            keyring: try resolveSetting(curveKeyring, env: "PRECINCT_CURVE_KEYRING", parse: { $0 }))
        let regionSettings = dispatchRegions + (env["PRECINCT_CONSOLE_DISPATCH_REGIONS"].map { [$0] } ?? [])
        let routing: DispatchRouting
        do {
            routing = try DispatchRouting.parse(names: peers.instances("dispatch"), regions: regionSettings)
        } catch let refusal as DispatchRouting.Refusal {
            throw ValidationError("--\(refusal.field): \(refusal.message)")
        }
        let follower = ConsoleFollower(model: ReadModel(jurisdiction: jurisdiction, rules: rules), clock: clock)
        // From the start of every source's log: the console keeps no state of its own, so a
        // restart replays what it needs.
        var busConfig = BusConfig(
            service: "console", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: Peers.services.flatMap { service in
                peers.instances(service).map {
                    FollowSpec(
                        source: $0, pubEndpoint: peers.endpoint(service, instance: $0, "pub"),
                        routerEndpoint: peers.endpoint(service, instance: $0, "router"))
                }
            },
            epoch: "console-\(UUID().uuidString.prefix(8))", latestSeq: 0)
        busConfig.security = security
        busConfig.eventTime = { clock.now() }
        let context = try ZMQContext()
        let bus = try ServiceBus(config: busConfig, context: context, delegate: follower, logger: logger)
        defer { bus.stop() }

        // A dispatch instance's name reaches the client as the "service" it calls.
        let dispatchInstances = Set(peers.instances("dispatch"))
        let client = ServiceClient(
            baseURL: { dispatchInstances.contains($0) ? peers.endpoint("dispatch", instance: $0, "http") : peers.endpoint($0, "http") }, token: bearer
        )
        let router = Router()
        ConsoleRoutes.add(
            to: router, follower: follower, client: client,
            settings: .init(
                webDirectory: web, cityDirectory: cityURL, timeZone: zone, rules: rules,
                services: Peers.services.flatMap { peers.instances($0) }, routing: routing, jurisdiction: jurisdiction, clock: clock),
            registry: registry)
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "precinct-console"),
            onServerRunning: { channel in
                let url = "http://\(host):\(channel.localAddress?.port ?? port)"
                if let data {
                    let file = URL(fileURLWithPath: data).appendingPathComponent("console.endpoints.json")
                    try? JSONSerialization.data(withJSONObject: ["http": url]).write(to: file, options: .atomic)
                }
                logger.info("console ready", metadata: ["http": "\(url)"])
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// An ISO-8601 instant, or an error naming the setting.
    static func instant(_ text: String?, _ what: String) throws -> Date? {
        guard let text else { return nil }
        guard let date = EventTime.date(text) else { throw ValidationError("\(what) '\(text)' is not ISO-8601") }
        return date
    }

    /// CURVE as the services take it: both files or neither (plaintext, logged by the bus).
    static func security(key: String?, keyring: String?) throws -> BusSecurity? {
        switch (key, keyring) {
        case (nil, nil): return nil
        case (let key?, let keyring?):
            do {
                return BusSecurity(
                    keyPair: try CurveKeyPair.load(from: URL(fileURLWithPath: key)), keyring: try Keyring.load(from: URL(fileURLWithPath: keyring)))
            } catch { throw ValidationError("CURVE: \(error.message)") }
        case (nil, _): throw ValidationError("CURVE: a keyring is set but no key pair (--curve-key / PRECINCT_CURVE_KEY)")
        case (_, nil): throw ValidationError("CURVE: a key pair is set but no keyring (--curve-keyring / PRECINCT_CURVE_KEYRING)")
        }
    }
}

/// Where each service is: the flag, else its endpoints file, else the environment, else loopback.
/// dispatch may run as several instances: its PUB setting then names them
/// (`dispatch-north=tcp://a:7201,dispatch-south=tcp://b:7201`, like the services' own flags), and
/// its ROUTER and URL settings name them the same way (or each instance's endpoints file has them).
struct Peers: Sendable {
    static let services = ["intake", "dispatch", "scoring", "liaison"]
    /// Each service's PUB, ROUTER and HTTP variables, spelled out (deploy checks read them from here).
    static let variables = [
        "intake": ["PRECINCT_INTAKE_PUB", "PRECINCT_INTAKE_ROUTER", "PRECINCT_INTAKE_URL"],
        "dispatch": ["PRECINCT_DISPATCH_PUB", "PRECINCT_DISPATCH_ROUTER", "PRECINCT_DISPATCH_URL"],
        "scoring": ["PRECINCT_SCORING_PUB", "PRECINCT_SCORING_ROUTER", "PRECINCT_SCORING_URL"],
        "liaison": ["PRECINCT_LIAISON_PUB", "PRECINCT_LIAISON_ROUTER", "PRECINCT_LIAISON_URL"],
    ]
    let endpointsDir: String?
    let given: [String: [String?]]
    let environment: [String: String]

    private static func index(_ key: String) -> Int { ["pub": 0, "router": 1, "http": 2][key] ?? 0 }

    /// `name=endpoint,…` as a dictionary; a bare endpoint is the service's own (one instance).
    static func list(_ text: String, service: String) -> [(name: String, endpoint: String)] {
        text.split(separator: ",").map { item in
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            // `tcp://` and `http://` hold no '=', so a bare endpoint never splits.
            return parts.count == 2 ? (parts[0], parts[1]) : (service, parts[0])
        }
    }

    private func setting(_ service: String, _ key: String) -> [(name: String, endpoint: String)] {
        let i = Self.index(key)
        var out: [(String, String)] = []
        if let flag = given[service]?[i] ?? nil { out += Self.list(flag, service: service) }
        if let variable = Self.variables[service]?[i], let value = environment[variable], !value.isEmpty {
            out += Self.list(value, service: service).filter { entry in !out.contains { $0.0 == entry.name } }
        }
        return out
    }

    /// The service's instances, by their source names: those its PUB setting names, else the service's name.
    func instances(_ service: String) -> [String] {
        let named = setting(service, "pub").map(\.name)
        return named.isEmpty ? [service] : named
    }

    /// One endpoint (`pub`, `router`, `http`) of one instance of `service`.
    func endpoint(_ service: String, instance: String? = nil, _ key: String) -> String {
        let name = instance ?? service
        let entries = setting(service, key)
        // The flag wins over the endpoints file, the file over the environment (as before).
        let i = Self.index(key)
        if let flag = given[service]?[i] ?? nil, let hit = Self.list(flag, service: service).first(where: { $0.name == name }) { return hit.endpoint }
        if let dir = endpointsDir,
            let data = try? Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("\(name).endpoints.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String], let value = object[key]
        {
            return value
        }
        if let hit = entries.first(where: { $0.name == name }) { return hit.endpoint }
        let base = ServiceName(rawValue: service)?.basePort ?? 7000
        return key == "http" ? "http://127.0.0.1:\(base + 1001)" : "tcp://127.0.0.1:\(base + (key == "pub" ? 1 : 2))"
    }
}
