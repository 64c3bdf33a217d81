import EventStore
import Foundation
import GRDB
import TestSupport
import Testing

/// The store copies its write-ahead log into the database file beside the writer, and the log
/// stays bounded even when writes never pause (`WALCheckpointer`).
@Suite("Store: checkpoints beside the writer")
struct WALCheckpointTests {
    /// A store with one table of blobs; `pages` of about 4 KiB each written in transactions of 10.
    static func write(pages: Int, to store: Store) throws {
        let blob = Data(repeating: 0x5A, count: 4_000)
        for start in stride(from: 0, to: pages, by: 10) {
            try store.pool.write { db in
                for _ in start..<min(pages, start + 10) { try db.execute(sql: "INSERT INTO blobs(body) VALUES (?)", arguments: [blob]) }
            }
        }
    }

    static func open(_ dir: TempDir, _ settings: CheckpointSettings?) throws -> Store {
        try Store(path: dir.path("blobs.sqlite"), service: "blobs", checkpoints: settings) { migrator in
            migrator.registerMigration("blobs") { try $0.execute(sql: "CREATE TABLE blobs(id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        }
    }

    static func bytes(_ dir: TempDir, _ file: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: dir.path(file))[.size] as? Int) ?? 0
    }

    @Test("the checkpointer copies the log while the writer, whose own checkpoint is far off, never does")
    func copiesBesideTheWriter() async throws {
        let dir = try TempDir()
        let store = try Self.open(dir, CheckpointSettings(writerPages: 1_000_000, intervalMilliseconds: 10))
        #expect(try await store.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 1_000_000)
        try Self.write(pages: 500, to: store)
        // Until a checkpoint copies them, the pages are in the log only: the file itself grows
        // to hold the 500 blobs only by the checkpointer's doing.
        await eventually(timeout: .seconds(20), "a checkpoint that copied the whole log, the 500 blobs in the database file") {
            (store.checkpointsCompleted ?? 0) > 0 && Self.bytes(dir, "blobs.sqlite") >= 500 * 4_000
        }
    }

    @Test("with writes back to back the log stays near the writer's checkpoint, far below what was written")
    func logStaysBounded() async throws {
        let dir = try TempDir()
        let store = try Self.open(dir, CheckpointSettings(writerPages: 200, intervalMilliseconds: 10))
        try Self.write(pages: 3_000, to: store)
        // 3,000 pages went through the log; it was started again each time it was copied whole
        // when a write began, so it holds a few times the writer's 200 pages at most.
        let log = Self.bytes(dir, "blobs.sqlite-wal")
        #expect(log > 0 && log <= 4 * 200 * 4_096, "log of \(log) bytes")
        #expect(try await store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM blobs") } == 3_000)
    }

    @Test("without the checkpointer SQLite checkpoints in the writer, as before")
    func sqliteDefault() throws {
        let dir = try TempDir()
        let store = try Self.open(dir, nil)
        #expect(store.checkpointsCompleted == nil)
        #expect(try store.pool.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 1_000)
    }
}
