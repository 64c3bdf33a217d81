import GRDB

/// Read-only access to a service's SQLite state for its queries (read APIs), on reader
/// connections: a query never waits for the engine's writer, nor makes it wait. Only a Core's
/// `Store/` folder uses it; the App asks the Core's query types, never SQL.
public struct StateReader: Sendable {
    let database: any DatabaseReader

    public init(_ log: any EventLog) { database = log.database }

    /// Runs `body` in a read transaction: one consistent snapshot of the state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// The same, blocking the calling thread (tests, start-up).
    public func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try database.read(body)
    }
}
