import Bus
import BusTesting
import EventStore
import Foundation
import Logging
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing
import Wire
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Services built with `buildService` in this process, on the in-memory transport and in-memory
/// event logs: real engines, real HTTP on loopback, no child process, no socket of the bus.
@Suite("buildService, in process")
struct BuildServiceTests {
    static func config(_ service: ServiceName, _ dir: TempDir) throws -> ServiceConfig {
        var config = try ServiceConfig.defaults(service, environment: [:])
        config.httpPort = 0
        config.dataDirectory = dir.url
        config.heartbeatInterval = .milliseconds(50)
        config.tokenKeyPath = try TestIdentity.keyFile()
        return config
    }

    static func memory(_ hub: MemoryHub) -> TransportFactory {
        { setup in
            MemoryTransport(
                hub: hub, service: setup.config.instance, log: setup.log,
                follows: setup.follows.map { ($0.source, $0.lastApplied, $0.epoch) }, delegate: setup.delegate)
        }
    }

    /// Runs both services until `body` returns, then shuts them down gracefully.
    func withServices(
        _ body: (_ notes: BuiltService, _ notesPort: Int, _ tally: BuiltService, _ tallyPort: Int, _ hub: MemoryHub) async throws -> Void
    )
        async throws
    {
        let dir = try TempDir("precinct-servicekit")
        let hub = MemoryHub()
        let notes = try buildService(
            TestDefinitions.notes, config: try Self.config(.intake, dir), logger: quietLogger,
            makeLog: { try MemoryEventLog(service: "intake", migrations: NotesCore.migrate) },
            makeTransport: Self.memory(hub), signals: [])
        let tally = try buildService(
            TestDefinitions.tally, config: try Self.config(.dispatch, dir), logger: quietLogger,
            makeLog: { try MemoryEventLog(service: "dispatch", migrations: TallyCore.migrate) },
            makeTransport: Self.memory(hub), signals: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await notes.group.run() }
            group.addTask { try await tally.group.run() }
            let notesPort = try #require(await notes.httpPort.value())
            let tallyPort = try #require(await tally.httpPort.value())
            do {
                try await body(notes, notesPort, tally, tallyPort, hub)
            } catch {
                await notes.group.triggerGracefulShutdown()
                await tally.group.triggerGracefulShutdown()
                throw error
            }
            await notes.group.triggerGracefulShutdown()
            await tally.group.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    @Test("an HTTP command commits, answers its typed reply, and its event reaches the follower through the hub")
    func commandToFollower() async throws {
        try await withServices { notes, notesPort, tally, tallyPort, _ in
            for n in 1...3 {
                let (status, body) = try await HTTP.send("POST", port: notesPort, path: "/v1/notes", json: #"{"text":"note \#(n)"}"#)
                #expect(status == 201)
                #expect(try JSONDecoder().decode(NoteReceipt.self, from: body) == NoteReceipt(number: n))
            }
            await eventuallyAsync("the tally to see three notes") {
                let (_, body) = (try? await HTTP.send("GET", port: tallyPort, path: "/v1/seen")) ?? (0, Data())
                return (try? JSONDecoder().decode(Count.self, from: body))?.count == 3
            }
            #expect(tally.health.sourceStates["intake"] == .live)
            // Three notes and the three audit records of their requests (docs/security.md).
            await eventually("three notes and three audit records in the outbox") { (try? notes.log.latestSeq()) == 6 }
            await eventually("the tally to have applied all six") { (try? tally.log.inbox()["intake"]?.seq) == 6 }
        }
    }

    @Test("query parameters decode into the operation's input; errors come in the one shape, naming the field")
    func queriesAndErrors() async throws {
        try await withServices { _, notesPort, _, _, _ in
            _ = try await HTTP.send("POST", port: notesPort, path: "/v1/notes", json: #"{"text":"one"}"#)
            let (ok, okBody) = try await HTTP.send("GET", port: notesPort, path: "/v1/notes/count?minimum=1")
            #expect(ok == 200)
            #expect(try JSONDecoder().decode(Count.self, from: okBody) == Count(count: 1))

            let (notFound, notFoundBody) = try await HTTP.send("GET", port: notesPort, path: "/v1/notes/count?minimum=5")
            #expect(notFound == 404)
            let error = try JSONDecoder().decode(APIError.Body.self, from: notFoundBody).error
            #expect(error.code == "not-found" && error.field == "minimum")

            let (badType, badTypeBody) = try await HTTP.send("GET", port: notesPort, path: "/v1/notes/count?minimum=many")
            #expect(badType == 400)
            #expect(
                try JSONDecoder().decode(APIError.Body.self, from: badTypeBody).error.field == "minimum",
                "\(String(decoding: badTypeBody, as: UTF8.self))")

            let (empty, emptyBody) = try await HTTP.send("POST", port: notesPort, path: "/v1/notes", json: #"{"text":""}"#)
            #expect(empty == 400)
            #expect(
                try JSONDecoder().decode(APIError.Body.self, from: emptyBody).error
                    == .init(
                        code: "invalid-value", field: "text",
                        message: "text must not be empty"))
            let (missing, missingBody) = try await HTTP.send("POST", port: notesPort, path: "/v1/notes", json: #"{}"#)
            #expect(missing == 400)
            #expect(try JSONDecoder().decode(APIError.Body.self, from: missingBody).error.field == "text")
        }
    }

    @Test("the same operation answers over the request transport, and an unknown one says what there is")
    func overTheRouter() async throws {
        try await withServices { notes, _, _, _, hub in
            let frames = try await hub.request("intake", header: RequestHeader(op: "add", id: .string("r1")), body: bytes(#"{"text":"by router"}"#))
            let reply = try ReplyHeader(decoding: frames[0])
            #expect(reply == ReplyHeader(id: .string("r1"), status: 201))
            #expect(try JSONDecoder().decode(NoteReceipt.self, from: Data(frames[1])) == NoteReceipt(number: 1))

            let unknown = try await hub.request("intake", header: RequestHeader(op: "nope", id: .string("r2")))
            #expect(try ReplyHeader(decoding: unknown[0]).status == 404)
            let error = try JSONDecoder().decode(APIError.Body.self, from: Data(unknown[1])).error
            #expect(error.code == "unknown-op" && error.message.contains("add") && error.message.contains("count"))

            let replay = try await hub.request(
                "intake",
                header: RequestHeader(
                    decoding: ReplayRequest(
                        id: .string("p"), source: "intake",
                        after: 0, limit: 10
                    ).encoded()))
            guard case .events(let batch) = try ReplayReply(frames: replay) else {
                Issue.record("replay refused")
                return
            }
            #expect(batch.latest == 1 && batch.events.count == 1)
            #expect(try notes.log.latestSeq() == 1)
        }
    }
}

/// A tiny HTTP client for loopback tests.
enum HTTP {
    /// Sends with `token`, or by default a token holding every person's role.
    static func send(_ method: String, port: Int, path: String, json: String? = nil, token: String? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        var bearer = token ?? ""
        if token == nil { bearer = try await TestIdentity.token(Role.people) }
        if !bearer.isEmpty { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = Data(json.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
