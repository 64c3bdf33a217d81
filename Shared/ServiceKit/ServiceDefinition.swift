import Bus
import EventStore
import Hummingbird
import Logging
import Wire

/// Everything that makes one service: its core, the services it follows, and its API. The
/// executable's `main` builds one and hands it to ``buildService(_:config:logger:metrics:makeLog:makeTransport:)``.
public struct ServiceDefinition<Core: ServiceCore>: Sendable {
    public var name: ServiceName
    public var follows: [ServiceName]
    public var makeCore: @Sendable () throws -> Core
    /// The service's typed operations and the HTTP routes onto them.
    public var api: @Sendable (ServiceContext<Core>) -> ServiceAPI
    /// The integrator gateway, for the service that runs one.
    public var gateway: (@Sendable (ServiceConfig) -> GatewayConfig)?
    /// Followed services whose catch-up does not gate readiness: the service works without them
    /// (dispatch's zero-disturbance holds time out when liaison is away).
    public var readinessIgnores: [ServiceName] = []

    public init(
        name: ServiceName, follows: [ServiceName], makeCore: @escaping @Sendable () throws -> Core,
        api: @escaping @Sendable (ServiceContext<Core>) -> ServiceAPI,
        gateway: (@Sendable (ServiceConfig) -> GatewayConfig)? = nil, readinessIgnores: [ServiceName] = []
    ) {
        self.name = name
        self.follows = follows
        self.makeCore = makeCore
        self.api = api
        self.gateway = gateway
        self.readinessIgnores = readinessIgnores
    }
}

/// What an operation handler may use.
public struct ServiceContext<Core: ServiceCore>: Sendable {
    public let config: ServiceConfig
    public let engine: Engine<Core>
    /// The event log and the database of the core's tables.
    public let store: any EventLog
    public let transport: any ServiceTransport
    public let logger: Logger
    public let health: Health

    /// Read access to the service's state, for the Core's query types.
    public var reader: StateReader { StateReader(store) }
}
