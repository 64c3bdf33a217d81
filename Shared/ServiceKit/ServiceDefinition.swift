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
    /// Services followed without being needed for readiness: the service does its own work while
    /// one of them is away or catching up (intake and scoring follow liaison's hand-offs so; dispatch its zero-disturbance sites, whose holds time out without it).
    public var optionalFollows: [ServiceName] = []
    public var makeCore: @Sendable () throws -> Core
    /// The service's typed operations and the HTTP routes onto them.
    public var api: @Sendable (ServiceContext<Core>) -> ServiceAPI
    /// The integrator gateway, for the service that runs one.
    public var gateway: (@Sendable (ServiceConfig) -> GatewayConfig)?
    /// How often the engine runs the core's time-driven work (`ServiceCore.tick`), wall clock.
    public var tickInterval: Duration = .milliseconds(250)

    public init(
        name: ServiceName, follows: [ServiceName], makeCore: @escaping @Sendable () throws -> Core,
        api: @escaping @Sendable (ServiceContext<Core>) -> ServiceAPI,
        gateway: (@Sendable (ServiceConfig) -> GatewayConfig)? = nil, optionalFollows: [ServiceName] = []
    ) {
        self.name = name
        self.follows = follows
        self.makeCore = makeCore
        self.api = api
        self.gateway = gateway
        self.optionalFollows = optionalFollows
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
