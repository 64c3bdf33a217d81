import Foundation
import GRDB
import Logging
import Wire

/// How long the outbox keeps published events for replay. `nil` fields do not limit.
public struct Retention: Sendable, Equatable {
    public var maxEvents: Int?
    public var maxAge: TimeInterval?

    public init(maxEvents: Int? = 1_000_000, maxAge: TimeInterval? = 7 * 86_400) {
        self.maxEvents = maxEvents
        self.maxAge = maxAge
    }
}

/// How hard a commit is pushed to disk.
public enum Durability: String, Sendable, CaseIterable {
    /// WAL with `synchronous=NORMAL`: a committed transaction survives the crash or `kill -9` of
    /// the process at any moment; a power cut may lose the last commits.
    case process
    /// WAL with `synchronous=FULL`: every commit is fsynced, surviving a power cut too.
    case power
}

/// One service's SQLite file: its outbox (events it published, with their bytes), its inbox
/// (the last sequence applied per followed source), its dead letters, and the core's own tables.
public final class Store: Sendable {
    public let pool: DatabasePool
    public let service: String
    /// A new epoch is drawn whenever the file is created anew, so followers notice a reset.
    public let epoch: String
    public let path: String

    /// Opens (or creates) the store and runs every migration.
    public init(path: String, service: String, durability: Durability = .process, migrations: (inout DatabaseMigrator) -> Void) throws {
        self.path = path
        self.service = service
        var config = Configuration()
        config.label = "store-\(service)"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .power ? "FULL" : "NORMAL")")
        }
        config.busyMode = .timeout(10)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("eventstore-v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE outbox (seq INTEGER PRIMARY KEY, topic BLOB NOT NULL, header BLOB NOT NULL, payload BLOB NOT NULL, at REAL NOT NULL);
                CREATE INDEX outbox_at ON outbox(at);
                CREATE TABLE inbox (source TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
                CREATE TABLE deadletters (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, source TEXT, reason TEXT NOT NULL, frames TEXT NOT NULL);
                """)
            let epoch = String(UUID().uuidString.prefix(8)).lowercased()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('epoch', ?), ('last_seq', '0')", arguments: [epoch])
        }
        migrations(&migrator)
        try migrator.migrate(pool)
        epoch = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'epoch'") } ?? "unknown"
    }

    /// The last sequence this service committed to its outbox.
    public func latestSeq() throws -> UInt64 {
        try pool.read { db in try Self.latestSeq(db) }
    }

    static func latestSeq(_ db: Database) throws -> UInt64 {
        UInt64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'last_seq'") ?? "0") ?? 0
    }

    /// Last applied sequence and epoch per followed source.
    public func inbox() throws -> [String: InboxPosition] {
        try pool.read { db in
            var out: [String: InboxPosition] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, epoch, seq FROM inbox") {
                out[row["source"]] = InboxPosition(epoch: row["epoch"], seq: UInt64(row["seq"] as Int64))
            }
            return out
        }
    }

    /// Events after `after`, at most `limit`, as stored bytes. Throws ``ReplayError/pruned`` when
    /// retention already removed an event the caller has not seen.
    public func replay(after: UInt64, limit: Int) throws -> ReplayBatch {
        try pool.read { db in try Self.replay(db, after: after, limit: limit) }
    }

    static func replay(_ db: Database, after: UInt64, limit: Int) throws -> ReplayBatch {
        let latest = try latestSeq(db)
        let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox").map(UInt64.init) ?? latest + 1
        if after + 1 < oldest && after < latest {
            throw ReplayError.pruned(oldestAvailable: oldest, requestedAfter: after)
        }
        var events: [OutboundEvent] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, topic, header, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [Int64(after), limit])
        while let row = try rows.next() {
            let topic: Data = row[1], header: Data = row[2], payload: Data = row[3]
            events.append(OutboundEvent(seq: UInt64(row[0] as Int64), topic: Array(topic), header: Array(header), payload: Array(payload)))
        }
        return ReplayBatch(events: events, latest: latest, oldest: oldest)
    }

    public func deadLetterCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadletters") ?? 0 }
    }
}

public struct InboxPosition: Sendable, Equatable {
    public var epoch: String
    public var seq: UInt64

    public init(epoch: String, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

public struct ReplayBatch: Sendable {
    public var events: [OutboundEvent]
    public var latest: UInt64
    public var oldest: UInt64
}

public enum ReplayError: Error, Equatable, CustomStringConvertible {
    case pruned(oldestAvailable: UInt64, requestedAfter: UInt64)

    public var description: String {
        switch self {
        case .pruned(let oldest, let after):
            "events after \(after) were pruned by retention; the oldest still available is \(oldest)"
        }
    }
}
