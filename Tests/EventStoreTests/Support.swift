import EventStore
import Foundation
import GRDB
import Logging
import Model
import TestSupport
import Testing
import Wire

// A tiny service core for the engine tests: one counter row, and a table of the events applied.

/// `counter.added.<key>`: the counter went up by `amount`.
struct Added: EventPayload, Hashable {
    static let type = "counter.added"
    static let version = 1
    var amount: Int
    var total: Int
    var at: Date
    var routingKey: String? { "k" }
    var correlationId: String? { "counter-1" }
    var eventTime: Date { at }
    static var example: Added { Added(amount: 2, total: 5, at: Date(timeIntervalSince1970: 1_795_334_400)) }
}

/// Emitted (and rolled back) by `apply` before it refuses an event.
struct Noted: EventPayload, Hashable {
    static let type = "counter.noted"
    static let version = 1
    var at: Date
    var routingKey: String? { nil }
    var correlationId: String? { nil }
    var eventTime: Date { at }
    static var example: Noted { Noted(at: Date(timeIntervalSince1970: 1_795_334_400)) }
}

struct Refused: Error, CustomStringConvertible {
    var description: String
}

final class CounterCore: ServiceCore {
    enum Command: Sendable {
        /// Adds n and emits one `counter.added`.
        case add(Int)
        /// Adds n, emits, then throws: nothing of it may remain.
        case addThenFail(Int)
        /// Reads the total; emits nothing.
        case total
        /// The total as the core remembers it in memory (rebuilt by `load`).
        case remembered
        /// From now on, records every SQL statement the engine's connection runs.
        case trace(StatementLog)
    }
    typealias Reply = Int

    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("counter-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL);
                    INSERT INTO counter (id, total) VALUES (1, 0);
                    CREATE TABLE applied (source TEXT NOT NULL, epoch TEXT NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL);
                    """)
        }
    }

    /// What the stored total was after this core's last successful write, kept in memory as
    /// dispatch keeps its fleet: right only if the engine reloads it after a rollback.
    private var remembered = 0

    func load(_ db: Database) throws {
        remembered = try Int.fetchOne(db, sql: "SELECT total FROM counter")!
    }

    private func write(_ n: Int, in tx: Transaction) throws -> Int {
        try tx.db.execute(sql: "UPDATE counter SET total = total + ?", arguments: [n])
        let total = try Int.fetchOne(tx.db, sql: "SELECT total FROM counter")!
        try tx.emit(Added(amount: n, total: total, at: tx.now))
        return total
    }

    private func add(_ n: Int, in tx: Transaction) throws -> Int {
        let total = try write(n, in: tx)
        remembered += n
        return total
    }

    func handle(_ command: Command, in tx: Transaction) throws -> Int {
        switch command {
        case .add(let n):
            return try add(n, in: tx)
        case .addThenFail(let n):
            _ = try write(n, in: tx)
            throw Refused(description: "command refused after emitting")
        case .total:
            return try Int.fetchOne(tx.db, sql: "SELECT total FROM counter")!
        case .remembered:
            return remembered
        case .trace(let log):
            tx.db.trace(options: .statement) { log.record("\($0)") }
            return 0
        }
    }

    /// Records the event; a negative amount is refused after it already wrote and emitted.
    func apply(_ event: Envelope, in tx: Transaction) throws {
        let added = try tx.decode(Added.self, from: event)
        try tx.db.execute(
            sql: "INSERT INTO applied (source, epoch, seq, amount) VALUES (?, ?, ?, ?)",
            arguments: [event.header.source, event.header.epoch, Int64(event.header.seq), added.amount])
        if added.amount < 0 {
            try tx.emit(Noted(at: tx.now))
            throw Refused(description: "negative amount \(added.amount) refused")
        }
    }
}

/// The SQL statements a connection ran, as its trace saw them.
final class StatementLog: Sendable {
    private let statements = Locked<[String]>([])
    func record(_ sql: String) { statements.withLock { $0.append(sql) } }
    /// The statements so far, and a fresh start.
    func take() -> [String] {
        statements.withLock { all in
            defer { all = [] }
            return all
        }
    }
}

let t0 = EventTime.date("2026-11-22T08:00:00.000Z")!

extension TempDir {
    var dbPath: String { path("counter.sqlite") }
}

/// The two implementations of the event log: every log-level test runs against both.
enum LogKind: String, CaseIterable, Sendable {
    case sqlite, memory
}

func openLog(_ kind: LogKind, _ dir: TempDir) throws -> any EventLog {
    switch kind {
    case .sqlite: try openStore(dir.dbPath)
    case .memory: try MemoryEventLog(service: "counter", migrations: CounterCore.migrate)
    }
}

func openStore(_ path: String) throws -> Store {
    try Store(path: path, service: "counter", migrations: CounterCore.migrate)
}

func startEngine(_ store: any EventLog, configure: (inout EngineConfig) -> Void = { _ in }) throws -> Engine<CounterCore> {
    var config = EngineConfig()
    configure(&config)
    return try Engine(store: store, clock: ManualClock(t0), config: config, logger: quietLogger) { CounterCore() }
}

/// An inbound `counter.added` event from another service.
func inbound(_ seq: UInt64, amount: Int = 1, source: String = "upstream", epoch: String = "e1", version: Int = 1) -> Envelope {
    let header = EventHeader(
        type: Added.type, version: version, source: source, epoch: epoch, seq: seq,
        time: EventTime.string(t0), correlationId: "counter-1")
    let payload = try! JSONCodec.encoder().encode(Added(amount: amount, total: 0, at: t0))
    return Envelope(topic: "counter.added.k", header: header, payload: Array(payload))
}

extension Engine where Core == CounterCore {
    /// Waits until everything handed over before this call has committed: the engine works in
    /// order, so a command submitted now is answered only after the earlier work is committed.
    func drain() async throws { _ = try await submit(.total) }
}

/// The outbox as (seq, header) pairs.
func outbox(_ store: any EventLog, after: UInt64 = 0) throws -> [(seq: UInt64, header: EventHeader, topic: String, payload: [UInt8])] {
    try store.replay(after: after, limit: 10_000).events.map {
        ($0.seq, try EventHeader.decode($0.header), String(decoding: $0.topic, as: UTF8.self), $0.payload)
    }
}

func applied(_ store: any EventLog) throws -> [(source: String, epoch: String, seq: Int64, amount: Int)] {
    try store.database.read { db in
        try Row.fetchAll(db, sql: "SELECT source, epoch, seq, amount FROM applied ORDER BY rowid").map {
            ($0["source"], $0["epoch"], $0["seq"], $0["amount"])
        }
    }
}

func deadLetters(_ store: any EventLog) throws -> [(source: String?, reason: String)] {
    try store.deadLetters().map { ($0.source, $0.reason) }
}

func total(_ store: any EventLog) throws -> Int {
    try store.database.read { db in try Int.fetchOne(db, sql: "SELECT total FROM counter")! }
}
