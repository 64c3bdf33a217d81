import EventStore
import Foundation
import GRDB
import TestSupport
import Testing
import Wire

/// A request's record (its audit event) commits in the same transaction as the request's write.
@Suite("write companion: the record commits with the write")
struct WriteCompanionTests {
    struct Broken: Error {}

    static func types(_ store: Store) throws -> [String] {
        try store.replay(after: 0, limit: 1000).events.map { try EventHeader.decode($0.header).type }
    }

    @Test("the first command that writes carries the record; a read does not; both commit in one transaction, in order")
    func commitsWithTheWrite() async throws {
        let dir = try TempDir()
        let store = try openStore(dir.dbPath)
        let engine = try startEngine(store)
        defer { engine.stop() }
        let companion = WriteCompanion { tx in _ = try tx.emit(Noted(at: tx.now)) }
        try await WriteCompanion.$current.withValue(companion) {
            _ = try await engine.submit(.total)
            #expect(!companion.committed, "a read writes nothing: the record waits")
            _ = try await engine.submit(.add(2))
            #expect(companion.committed)
            _ = try await engine.submit(.add(3))
        }
        #expect(try Self.types(store) == [Added.type, Noted.type, Added.type], "the record right after its write, once")
    }

    @Test("a record that cannot be written rolls the write back; a write the core refuses leaves the record to the caller")
    func neitherWithoutTheOther() async throws {
        let dir = try TempDir()
        let store = try openStore(dir.dbPath)
        let engine = try startEngine(store)
        defer { engine.stop() }
        let failing = WriteCompanion { _ in throw Broken() }
        await #expect(throws: Broken.self) {
            try await WriteCompanion.$current.withValue(failing) { _ = try await engine.submit(.add(5)) }
        }
        #expect(!failing.committed)
        #expect(try await engine.submit(.total) == 0, "the write went with its record")
        #expect(try Self.types(store).isEmpty)

        let companion = WriteCompanion { tx in _ = try tx.emit(Noted(at: tx.now)) }
        await #expect(throws: Refused.self) {
            try await WriteCompanion.$current.withValue(companion) { _ = try await engine.submit(.addThenFail(1)) }
        }
        #expect(!companion.committed)
        let types = try Self.types(store)
        #expect(types.isEmpty, "rolled back: no write, no record")
    }
}
