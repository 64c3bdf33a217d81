import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// The process's logging and metrics. swift-log and swift-metrics may be bootstrapped once per
/// process, so only an executable's `main` calls this; libraries and tests never do.
public enum Observability {
    /// Structured lines on standard output at the configured level; metrics into a Prometheus
    /// registry, which `/metrics` exports.
    public static func bootstrap(logLevel: Logger.Level) -> PrometheusCollectorRegistry {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// The service's logger.
    public static func logger(for config: ServiceConfig) -> Logger {
        var logger = Logger(label: "precinct.\(config.instance)")
        logger.logLevel = config.logLevel
        return logger
    }
}

extension BuiltService {
    /// Runs the service until it is told to stop, then removes its endpoints file.
    public func run(config: ServiceConfig) async throws {
        defer { try? FileManager.default.removeItem(at: config.endpointsFile) }
        try await group.run()
    }
}
