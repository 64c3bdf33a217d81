import EventStore
import Logging

/// The whole life of a service process, for an executable's `main`: bootstrap logging and
/// metrics (once per process), build the service, run it until SIGTERM or SIGINT.
public enum ServiceMain {
    public static func run<Core: ServiceCore>(_ definition: ServiceDefinition<Core>, config: ServiceConfig) async throws {
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let service = try buildService(definition, config: config, logger: Observability.logger(for: config), metrics: metrics)
        try await service.run(config: config)
    }
}

/// The name the services' `main`s used before ``ServiceMain``.
public typealias ServiceHost = ServiceMain
