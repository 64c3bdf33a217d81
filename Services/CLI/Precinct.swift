import ArgumentParser
import Foundation

@main
struct Precinct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct",
        abstract: "Operator and integrator tool for a Precinct set: watch topics, send demo calls, load-test, check health.",
        subcommands: [
            Tail.self, Demo.self, Load.self, Chaos.self, BenchBus.self, BenchCodec.self, HealthCheck.self, Keys.self, Tokens.self, Catalogue.self,
        ])
}

/// The four services' PUB endpoints, from flags or `PRECINCT_<SERVICE>_PUB`.
struct PeerOptions: ParsableArguments {
    @Option(help: "intake PUB (env PRECINCT_INTAKE_PUB).") var intakePub: String?
    @Option(help: "dispatch PUB (env PRECINCT_DISPATCH_PUB).") var dispatchPub: String?
    @Option(help: "scoring PUB (env PRECINCT_SCORING_PUB).") var scoringPub: String?
    @Option(help: "liaison PUB (env PRECINCT_LIAISON_PUB).") var liaisonPub: String?
    @Option(help: "intake ROUTER (env PRECINCT_INTAKE_ROUTER).") var intakeRouter: String?
    @Option(help: "dispatch ROUTER (env PRECINCT_DISPATCH_ROUTER).") var dispatchRouter: String?
    @Option(help: "liaison ROUTER (env PRECINCT_LIAISON_ROUTER).") var liaisonRouter: String?
    @Option(help: "intake HTTP base URL (env PRECINCT_INTAKE_URL).") var intakeURL: String?
    @Option(help: "dispatch HTTP base URL (env PRECINCT_DISPATCH_URL).") var dispatchURL: String?
    @Option(help: "scoring HTTP base URL (env PRECINCT_SCORING_URL).") var scoringURL: String?
    @Option(help: "liaison HTTP base URL (env PRECINCT_LIAISON_URL).") var liaisonURL: String?
    @Option(help: "Bearer token for the HTTP APIs (env PRECINCT_TOKEN).") var token: String?
    @Option(help: "Token-signing key to mint the tool's own token with (env PRECINCT_TOKEN_KEY).") var tokenKey: String?
    @Option(
        help: """
            Read every endpoint from the <service>.endpoints.json files the services write in this data directory \
            (re-read on each use, so restarted services are found).
            """)
    var endpointsDir: String?

    static func env(_ name: String) -> String? { ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// An endpoint from `<endpointsDir>/<service>.endpoints.json` (`http`, `pub`, `router`).
    func written(_ service: String, _ key: String) -> String? {
        guard let dir = endpointsDir,
            let data = try? Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent("\(service).endpoints.json")),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
        else { return nil }
        return object[key]
    }

    var pubs: [String] {
        [
            intakePub ?? written("intake", "pub") ?? Self.env("PRECINCT_INTAKE_PUB") ?? "tcp://127.0.0.1:7101",
            dispatchPub ?? written("dispatch", "pub") ?? Self.env("PRECINCT_DISPATCH_PUB") ?? "tcp://127.0.0.1:7201",
            scoringPub ?? written("scoring", "pub") ?? Self.env("PRECINCT_SCORING_PUB") ?? "tcp://127.0.0.1:7301",
            liaisonPub ?? written("liaison", "pub") ?? Self.env("PRECINCT_LIAISON_PUB") ?? "tcp://127.0.0.1:7401",
        ]
    }
    var intakeRouterEndpoint: String { intakeRouter ?? written("intake", "router") ?? Self.env("PRECINCT_INTAKE_ROUTER") ?? "tcp://127.0.0.1:7102" }
    var liaisonRouterEndpoint: String {
        liaisonRouter ?? written("liaison", "router") ?? Self.env("PRECINCT_LIAISON_ROUTER") ?? "tcp://127.0.0.1:7402"
    }
    var dispatchRouterEndpoint: String {
        dispatchRouter ?? written("dispatch", "router") ?? Self.env("PRECINCT_DISPATCH_ROUTER") ?? "tcp://127.0.0.1:7202"
    }
    var intakePubEndpoint: String { pubs[0] }
    var dispatchPubEndpoint: String { pubs[1] }
    var liaisonPubEndpoint: String { pubs[3] }
    var intake: String { intakeURL ?? written("intake", "http") ?? Self.env("PRECINCT_INTAKE_URL") ?? "http://127.0.0.1:8101" }
    var dispatch: String { dispatchURL ?? written("dispatch", "http") ?? Self.env("PRECINCT_DISPATCH_URL") ?? "http://127.0.0.1:8201" }
    var scoring: String { scoringURL ?? written("scoring", "http") ?? Self.env("PRECINCT_SCORING_URL") ?? "http://127.0.0.1:8301" }
    var liaison: String { liaisonURL ?? written("liaison", "http") ?? Self.env("PRECINCT_LIAISON_URL") ?? "http://127.0.0.1:8401" }
}
