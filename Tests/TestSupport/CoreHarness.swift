import EventStore
import Foundation
import GRDB
import Model
import Testing
import Wire

/// A service core on a real engine and a temporary SQLite store, with a manual clock: the same
/// transactions the service runs, without sockets.
public final class CoreHarness<Core: ServiceCore> {
    public let dir: TempDir
    public let store: Store
    public let clock: ManualClock
    public let engine: Engine<Core>

    public init(
        service: String, start: Date, config: EngineConfig = EngineConfig(),
        makeCore: @escaping @Sendable () throws -> Core
    ) throws {
        dir = try TempDir("precinct-\(service)")
        clock = ManualClock(start)
        store = try Store(path: dir.path("\(service).sqlite"), service: service, migrations: Core.migrate)
        engine = try Engine(store: store, clock: clock, config: config, logger: quietLogger, makeCore: makeCore)
    }

    deinit { engine.stop() }

    /// Hands events over, grouped by source as the bus would, and waits until they are committed.
    public func deliver(_ events: [Envelope], sourceLocation: SourceLocation = #_sourceLocation) async {
        var bySource: [(String, [Envelope])] = []
        for event in events {
            if let last = bySource.last, last.0 == event.header.source {
                bySource[bySource.count - 1].1.append(event)
            } else {
                bySource.append((event.header.source, [event]))
            }
        }
        for (source, batch) in bySource { engine.deliver(batch, from: source) }
        await eventually(timeout: .seconds(20), "events applied", sourceLocation: sourceLocation) { engine.backlog == 0 }
    }

    /// Reads the store on a reader connection.
    public func read<T>(_ body: (Database) throws -> T) throws -> T { try store.pool.read(body) }

    /// The events this core has published, decoded as `P` (others skipped).
    public func published<P: EventPayload>(_ type: P.Type) throws -> [P] {
        let decoder = JSONCodec.decoder()
        return try store.replay(after: 0, limit: 1_000_000).events.compactMap { event in
            let header = try EventHeader.decode(event.header)
            guard header.type == P.type else { return nil }
            return try decoder.decode(P.self, from: Data(event.payload))
        }
    }
}
