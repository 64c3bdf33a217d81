import EventStore
import Foundation
import GRDB
import Model
import ServiceKit
import Wire

// Two small services for in-process tests of ServiceKit: `notes` takes notes (a command that
// emits an event); `tally` follows it and counts them. Real engines, real SQLite (in memory),
// the in-memory transport.

struct NoteAdded: EventPayload, Hashable {
    static let type = "note.added"
    static let version = 1
    var text: String
    var at: Date
    var routingKey: String? { nil }
    var correlationId: String? { nil }
    var eventTime: Date { at }
    static var example: NoteAdded { NoteAdded(text: "hello", at: Date(timeIntervalSince1970: 1_795_334_400)) }
}

struct AddNote: Codable, Sendable { var text: String }
struct NoteReceipt: Codable, Sendable, Equatable { var number: Int }
struct CountQuery: Codable, Sendable { var minimum: Int? }
struct Count: Codable, Sendable, Equatable { var count: Int }

enum NotesAPI {
    static let add = APIOperation<AddNote, NoteReceipt>("add")
    static let count = APIOperation<CountQuery, Count>("count")
}

final class NotesCore: ServiceCore {
    typealias Command = String
    typealias Reply = Int

    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("notes") { db in try db.execute(sql: "CREATE TABLE notes (text TEXT NOT NULL)") }
    }

    func load(_ db: Database) throws {}

    func handle(_ text: String, in tx: Transaction) throws -> Int {
        try tx.run("INSERT INTO notes(text) VALUES (?)", [text])
        try tx.emit(NoteAdded(text: text, at: tx.now))
        return try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM notes") ?? 0
    }

    func apply(_ event: Envelope, in tx: Transaction) throws {}
}

final class TallyCore: ServiceCore {
    typealias Command = Never
    typealias Reply = Never

    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("tally") { db in try db.execute(sql: "CREATE TABLE seen (text TEXT NOT NULL)") }
    }

    func load(_ db: Database) throws {}
    func handle(_ command: Never, in tx: Transaction) throws -> Never {}

    func apply(_ event: Envelope, in tx: Transaction) throws {
        guard event.header.type == NoteAdded.type else { return }
        let note = try tx.decode(NoteAdded.self, from: event)
        try tx.run("INSERT INTO seen(text) VALUES (?)", [note.text])
    }
}

enum TestDefinitions {
    static var notes: ServiceDefinition<NotesCore> {
        ServiceDefinition(
            name: .intake, follows: [], makeCore: { NotesCore() },
            api: { context in
                var api = ServiceAPI()
                api.on(NotesAPI.add, allow: [.callTaker]) { input in
                    guard !input.text.isEmpty else { throw APIError.invalid("text must not be empty", field: "text") }
                    return Reply(NoteReceipt(number: try await context.engine.submit(input.text)), status: 201)
                }
                api.on(NotesAPI.count, allow: [.callTaker, .analyst]) { query in
                    let count = try await context.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notes") ?? 0 }
                    guard count >= (query.minimum ?? 0) else { throw APIError.notFound("fewer than \(query.minimum ?? 0) notes", field: "minimum") }
                    return Count(count: count)
                }
                api.post("/v1/notes", NotesAPI.add)
                api.get("/v1/notes/count", NotesAPI.count)
                return api
            })
    }

    static var tally: ServiceDefinition<TallyCore> {
        ServiceDefinition(
            name: .dispatch, follows: [.intake], makeCore: { TallyCore() },
            api: { context in
                var api = ServiceAPI()
                api.on(NotesAPI.count, allow: [.analyst]) { _ in
                    Count(count: try await context.reader.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM seen") ?? 0 })
                }
                api.get("/v1/seen", NotesAPI.count)
                return api
            })
    }
}
