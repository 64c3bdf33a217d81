import Bus
import BusTesting
import EventStore
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import IntakeCore
import Logging
import Model
import ServiceKit
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import Wire
@testable import precinct_intake

/// Every log line intake writes, at trace level, while it takes calls (readable, unreadable,
/// invalid), is asked for the caller and refuses a forged request: none carries a caller's name
/// or phone.
@Suite("personal data: never in logs")
struct NoPersonalDataInLogsTests {
    /// Keeps every line, message and metadata, as text.
    final class Capture: LogHandler, @unchecked Sendable {
        let lines = Mutex<[String]>([])
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt
        ) {
            let all = self.metadata.merging(metadata ?? [:]) { $1 }
            lines.withLock { $0.append("\(level) \(message) \(all)") }
        }
    }

    static let city = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("cities/demo")

    @Test func noCallerInAnyLogLine() async throws {
        let capture = Capture()
        let logger = Logger(label: "intake", factory: { _ in capture })
        let dir = try TempDir("precinct-logs")
        var config = try ServiceConfig.defaults(.intake, environment: [:])
        config.httpPort = 0
        config.dataDirectory = dir.url
        config.cityDirectory = Self.city
        let hub = MemoryHub()
        let intake = try buildService(
            IntakeService.definition(
                jurisdiction: try Jurisdiction.load(from: Self.city), addresses: try AddressBook.load(from: Self.city),
                rules: try IntakeRules.load(from: Self.city)),
            config: config, logger: logger, makeLog: { try MemoryEventLog(service: "intake", migrations: IntakeCore.migrate) },
            makeTransport: { setup in
                MemoryTransport(
                    hub: hub, service: setup.config.instance, log: setup.log,
                    follows: setup.follows.map { ($0.source, $0.lastApplied, $0.epoch) }, delegate: setup.delegate)
            }, signals: [])
        let phone = "13987654321"
        let name = "陈保密"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await intake.group.run() }
            defer { group.cancelAll() }
            let port = try #require(await intake.httpPort.value())
            let key = try TokenKey.load(from: dir.url.appendingPathComponent(TokenKey.developmentFileName).path)
            let token = try await TokenAuthority(key: key).issue(subject: "ct-1", roles: [.callTaker, .supervisor], lifetime: 600)
            func send(_ method: String, _ path: String, _ body: String? = nil, token: String = token) async throws -> Int {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                request.httpMethod = method
                if !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
                request.httpBody = body.map { Data($0.utf8) }
                let (_, response) = try await URLSession.shared.data(for: request)
                return (response as? HTTPURLResponse)?.statusCode ?? 0
            }
            let caller = #""caller":{"name":"\#(name)","phone":"\#(phone)"}"#
            let valid = try await send(
                "POST", "/v1/calls", #"{"channel":"110",\#(caller),"location":{"lat":36.855746,"lon":117.723495},"categoryHint":"dispute","description":"邻里纠纷"}"#)
            #expect((200...202).contains(valid))
            #expect(try await send("POST", "/v1/calls", #"{"channel":"999",\#(caller)}"#) == 422)
            #expect(try await send("POST", "/v1/calls", #"{"channel":"110",\#(caller),"#) == 400)
            #expect(try await send("GET", "/v1/callers/\(phone)") == 200)
            #expect(try await send("GET", "/v1/calls?caller=\(phone)") == 200)
            #expect(try await send("GET", "/v1/callers/\(phone)", token: "forged.\(phone).token") == 401)
            await intake.group.triggerGracefulShutdown()
            try await group.next()
        }
        let lines = capture.lines.withLock { $0 }
        #expect(!lines.isEmpty, "the service logged (start, stop): the capture works")
        for line in lines {
            #expect(!line.contains(phone) && !line.contains(name), "a log line carries personal data: \(line)")
        }
    }
}
