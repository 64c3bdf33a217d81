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
    @Option(help: "dispatch PUB (env PRECINCT_DISPATCH_PUB).") var dispatchPub: String?
    @Option(help: "dispatch ROUTER (env PRECINCT_DISPATCH_ROUTER).") var dispatchRouter: String?
    @Option(help: "dispatch HTTP base URL (env PRECINCT_DISPATCH_URL).") var dispatchURL: String?
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
        let follower = ConsoleFollower(model: ReadModel(jurisdiction: jurisdiction, rules: rules))
        // From the start of every source's log: the console keeps no state of its own, so a
        // restart replays what it needs.
        let busConfig = BusConfig(
            service: "console", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
            follow: Peers.services.map {
                FollowSpec(source: $0, pubEndpoint: peers.endpoint($0, "pub"), routerEndpoint: peers.endpoint($0, "router"))
            },
            epoch: "console-\(UUID().uuidString.prefix(8))", latestSeq: 0)
        let context = try ZMQContext()
        let bus = try ServiceBus(config: busConfig, context: context, delegate: follower, logger: logger)
        defer { bus.stop() }

        let client = ServiceClient(baseURL: { peers.endpoint($0, "http") }, token: bearer)
        let router = Router()
        ConsoleRoutes.add(
            to: router, follower: follower, client: client,
            settings: .init(webDirectory: web, cityDirectory: cityURL, timeZone: zone, rules: rules, services: Peers.services), registry: registry)
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
}

/// Where each service is: the flag, else its endpoints file, else the environment, else loopback.
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

    func endpoint(_ service: String, _ key: String) -> String {
        let index = ["pub": 0, "router": 1, "http": 2][key] ?? 0
        if let flag = given[service]?[index] ?? nil { return flag }
        if let dir = endpointsDir,
            let data = try? Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("\(service).endpoints.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String], let value = object[key]
        {
            return value
        }
        if let variable = Self.variables[service]?[index], let value = environment[variable], !value.isEmpty { return value }
        let base = ServiceName(rawValue: service)?.basePort ?? 7000
        return key == "http" ? "http://127.0.0.1:\(base + 1001)" : "tcp://127.0.0.1:\(base + (key == "pub" ? 1 : 2))"
    }
}
