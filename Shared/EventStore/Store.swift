import Foundation
import GRDB
import Logging
import Wire

/// How hard a commit is pushed to disk.
public enum Durability: String, Sendable, CaseIterable {
    /// WAL with `synchronous=NORMAL`: a committed transaction survives the crash or `kill -9` of
    /// the process at any moment; a power cut may lose the last commits.
    case process
    /// WAL with `synchronous=FULL`: every commit is fsynced, surviving a power cut too.
    case power
}

/// One service's SQLite file: the ``EventLog`` a running service uses (outbox, inbox, dead
/// letters) and the core's own tables, in one database so they commit together.
public final class Store: EventLog {
    public let pool: DatabasePool
    public let service: String
    public let epoch: String
    public let path: String

    public var database: any DatabaseWriter { pool }
    /// Copies the write-ahead log into the file beside the engine's commits (nil: SQLite's own
    /// automatic checkpoint, in the committing connection).
    let checkpointer: WALCheckpointer?

    /// Opens (or creates) the store and runs every migration. `checkpoints` moves most of the
    /// log's checkpointing off the writer (``WALCheckpointer``); nil leaves it to SQLite's
    /// automatic checkpoint in the committing connection.
    public init(
        path: String, service: String, durability: Durability = .process, checkpoints: CheckpointSettings? = CheckpointSettings(),
        migrations: (inout DatabaseMigrator) -> Void
    ) throws {
        self.path = path
        self.service = service
        var config = Configuration()
        config.label = "store-\(service)"
        let writerPages = checkpoints?.writerPages
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .power ? "FULL" : "NORMAL")")
            if let writerPages { try db.execute(sql: "PRAGMA wal_autocheckpoint = \(writerPages)") }
        }
        config.busyMode = .timeout(10)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        Self.registerLogTables(&migrator)
        migrations(&migrator)
        try migrator.migrate(pool)
        epoch = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'epoch'") } ?? "unknown"
        checkpointer = try checkpoints.map {
            try WALCheckpointer(path: path, label: "store-\(service)", settings: $0, logger: Logger(label: "precinct.store"))
        }
    }

    /// How many of the store's own checkpoints copied the whole log so far (nil: it leaves
    /// checkpoints to SQLite).
    public var checkpointsCompleted: Int? { checkpointer?.completed }

    static func registerLogTables(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("eventstore-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE outbox (seq INTEGER PRIMARY KEY, topic BLOB NOT NULL, header BLOB NOT NULL, payload BLOB NOT NULL, at REAL NOT NULL);
                    CREATE INDEX outbox_at ON outbox(at);
                    CREATE TABLE inbox (source TEXT PRIMARY KEY, epoch TEXT NOT NULL, seq INTEGER NOT NULL);
                    CREATE TABLE deadletters (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, source TEXT, reason TEXT NOT NULL,
                        frames TEXT NOT NULL);
                    """)
            let epoch = String(UUID().uuidString.prefix(8)).lowercased()
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('epoch', ?), ('last_seq', '0')", arguments: [epoch])
        }
        // The audit trail outlives the outbox's retention; what the outbox still holds is copied.
        migrator.registerMigration("eventstore-v2-audit-trail") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_trail (seq INTEGER PRIMARY KEY, at REAL NOT NULL, topic BLOB NOT NULL, header BLOB NOT NULL,
                        payload BLOB NOT NULL);
                    INSERT INTO audit_trail(seq, at, topic, header, payload)
                        SELECT seq, at, topic, header, payload FROM outbox WHERE substr(topic, 1, ?) = ?;
                    """, arguments: [AuditTrailTopic.prefix.count, Data(AuditTrailTopic.prefix)])
        }
    }

    public func latestSeq() throws -> UInt64 {
        try pool.read { db in try Self.latestSeq(db) }
    }

    static func latestSeq(_ db: Database) throws -> UInt64 {
        UInt64(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'last_seq'") ?? "0") ?? 0
    }

    public func inbox() throws -> [String: InboxPosition] {
        try pool.read { db in
            var out: [String: InboxPosition] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, epoch, seq FROM inbox") {
                out[row["source"]] = InboxPosition(epoch: row["epoch"], seq: UInt64(row["seq"] as Int64))
            }
            return out
        }
    }

    public func replay(after: UInt64, limit: Int) throws -> ReplayBatch {
        try pool.read { db in try Self.replay(db, after: after, limit: limit) }
    }

    /// On a reader connection, so the writer never waits for it.
    public func replayAsync(after: UInt64, limit: Int) async throws -> ReplayBatch {
        try await pool.read { db in try Self.replay(db, after: after, limit: limit) }
    }

    static func replay(_ db: Database, after: UInt64, limit: Int) throws -> ReplayBatch {
        let latest = try latestSeq(db)
        let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM outbox").map(UInt64.init) ?? latest + 1
        if after + 1 < oldest && after < latest {
            throw ReplayError.pruned(oldestAvailable: oldest, requestedAfter: after)
        }
        var events: [OutboundEvent] = []
        let rows = try Row.fetchCursor(
            db, sql: "SELECT seq, topic, header, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
            arguments: [Int64(after), limit])
        while let row = try rows.next() {
            let topic: Data = row[1]
            let header: Data = row[2]
            let payload: Data = row[3]
            events.append(OutboundEvent(seq: UInt64(row[0] as Int64), topic: Array(topic), header: Array(header), payload: Array(payload)))
        }
        return ReplayBatch(events: events, latest: latest, oldest: oldest)
    }

    public func deadLetters() throws -> [DeadLetterRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT at, source, reason, frames FROM deadletters ORDER BY id").map { row in
                let frames = (try? JSONDecoder().decode([String].self, from: Data((row["frames"] as String).utf8))) ?? []
                return DeadLetterRecord(at: Date(timeIntervalSince1970: row["at"]), source: row["source"], reason: row["reason"], frames: frames)
            }
        }
    }

    public func auditTrail(before seq: UInt64?, limit: Int) throws -> [OutboundEvent] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, topic, header, payload FROM audit_trail WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                arguments: [seq.map { Int64($0) } ?? Int64.max, max(0, limit)]
            ).map { row in
                let topic: Data = row[1]
                let header: Data = row[2]
                let payload: Data = row[3]
                return OutboundEvent(seq: UInt64(row[0] as Int64), topic: Array(topic), header: Array(header), payload: Array(payload))
            }
        }
    }

    public func writer(_ db: Database) -> any EventLogWriter { SQLiteLogWriter(db: db) }
}

/// The SQL of the event log's writes, in the engine's transaction.
struct SQLiteLogWriter: EventLogWriter {
    let db: Database

    func append(_ event: OutboundEvent, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO outbox(seq, topic, header, payload, at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [Int64(event.seq), Data(event.topic), Data(event.header), Data(event.payload), at.timeIntervalSince1970])
        if AuditTrailTopic.holds(event) {
            try db.cachedStatement(sql: "INSERT INTO audit_trail(seq, at, topic, header, payload) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [Int64(event.seq), at.timeIntervalSince1970, Data(event.topic), Data(event.header), Data(event.payload)])
        }
    }

    func setPosition(_ position: InboxPosition, of source: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO inbox(source, epoch, seq) VALUES (?, ?, ?)
                ON CONFLICT(source) DO UPDATE SET epoch = excluded.epoch, seq = excluded.seq
                """
        ).execute(arguments: [source, position.epoch, Int64(position.seq)])
    }

    func setLatest(_ seq: UInt64) throws {
        try db.cachedStatement(sql: "UPDATE meta SET value = ? WHERE key = 'last_seq'").execute(arguments: [String(seq)])
    }

    func recordDeadLetter(_ letter: DeadLetterRecord) throws {
        let frames = String(decoding: try JSONEncoder().encode(letter.frames), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO deadletters(at, source, reason, frames) VALUES (?, ?, ?, ?)",
            arguments: [letter.at.timeIntervalSince1970, letter.source, letter.reason, frames])
    }

    func prune(latest: UInt64, retention: Retention, now: Date) throws {
        if let maxEvents = retention.maxEvents, latest > UInt64(maxEvents) {
            try db.execute(sql: "DELETE FROM outbox WHERE seq <= ?", arguments: [Int64(latest) - Int64(maxEvents)])
        }
        if let maxAge = retention.maxAge {
            try db.execute(sql: "DELETE FROM outbox WHERE at < ?", arguments: [now.timeIntervalSince1970 - maxAge])
        }
    }
}
