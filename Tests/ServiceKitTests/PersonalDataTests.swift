import Foundation
import Model
import ServiceKit
import Testing
import Wire

/// Personal data in read answers: masked by the one policy for the roles that do not need it.
@Suite("personal data: masked by role")
struct PersonalDataTests {
    struct Record: Codable, Sendable {
        var callId: String
        var caller: Caller?
        var description: String
    }
    struct Page: Codable, Sendable {
        var calls: [Record]
        var phone: String
        var contacts: [Enterprise.Contact]
    }
    static let read = APIOperation<NoBody, Page>("read")
    static let page = Page(
        calls: [Record(callId: "C1", caller: Caller(name: "王丽", phone: "13800002046"), description: "a fight")], phone: "13800002046",
        contacts: [Enterprise.Contact(name: "程涛", role: "安保主管", phone: "13800001001")])

    static var api: ServiceAPI {
        var api = ServiceAPI()
        api.on(read, allow: Set(Role.people)) { _ in page }
        api.get("/v1/read", read)
        return api
    }

    static func answer(as role: Role) async throws -> (text: String, page: Page) {
        let reply = try #require(await api.call(read.name, json: [], as: Principal(subject: "p", roles: [role])))
        #expect(reply.status == 200)
        return (String(decoding: reply.body, as: UTF8.self), try JSONDecoder().decode(Page.self, from: Data(reply.body)))
    }

    @Test("call-takers, dispatchers and supervisors see callers in clear; every other role sees them masked")
    func callers() async throws {
        for role in Role.people {
            let (text, page) = try await Self.answer(as: role)
            let clear = [.callTaker, .dispatcher, .supervisor].contains(role)
            #expect(text.contains("13800002046") == clear, "\(role): \(text)")
            #expect(text.contains("王丽") == clear, "\(role)")
            #expect(page.calls[0].description == "a fight", "what is not personal stays")
            if !clear {
                #expect(page.calls[0].caller == Caller(name: "王**", phone: "138******46"), "\(role)")
                #expect(page.phone == "138******46")
            }
        }
    }

    @Test("enterprise contacts: clear for liaison officers, dispatchers and supervisors only")
    func contacts() async throws {
        for role in Role.people {
            let (text, page) = try await Self.answer(as: role)
            let clear = [.liaisonOfficer, .dispatcher, .supervisor].contains(role)
            #expect(text.contains("13800001001") == clear, "\(role)")
            #expect(text.contains("程涛") == clear, "\(role)")
            #expect(page.contacts[0].role == "安保主管")
        }
    }

    @Test("a peer service (and in-process callers) see everything")
    func service() async throws {
        let reply = try #require(await Self.api.call(Self.read.name, json: []))
        #expect(String(decoding: reply.body, as: UTF8.self).contains("13800002046"))
    }
}

/// Who acts is the principal: an operation's actor field is the token's subject.
@Suite("identity: the actor is the token's subject")
struct ActorFieldTests {
    struct Override: Codable, Sendable {
        var id: String
        var dispatcher: String
    }
    static let ack = APIOperation<Override, Override>("ack")

    static var api: ServiceAPI {
        var api = ServiceAPI()
        api.on(ack, allow: [.dispatcher]) { $0 }
        api.actor(ack, field: "dispatcher")
        return api
    }

    static func send(_ json: String, as principal: Principal) async throws -> (status: Int, body: String) {
        let reply = try #require(await api.call(ack.name, json: Array(json.utf8), as: principal))
        return (reply.status, String(decoding: reply.body, as: UTF8.self))
    }

    @Test("a body naming no one is the subject's; naming the subject passes; naming someone else is refused with 403")
    func actor() async throws {
        let d07 = Principal(subject: "D07", roles: [.dispatcher])
        let unnamed = try await Self.send(#"{"id":"E1"}"#, as: d07)
        #expect(unnamed.status == 200 && unnamed.body.contains(#""dispatcher":"D07""#), "\(unnamed)")
        let same = try await Self.send(#"{"id":"E1","dispatcher":"D07"}"#, as: d07)
        #expect(same.status == 200 && same.body.contains(#""dispatcher":"D07""#))
        let other = try await Self.send(#"{"id":"E1","dispatcher":"D01"}"#, as: d07)
        #expect(other.status == 403 && other.body.contains(#""field":"dispatcher""#) && other.body.contains("D07"), "\(other)")
        // A peer service relays the name it was given.
        let relayed = try await Self.send(#"{"id":"E1","dispatcher":"D01"}"#, as: .system)
        #expect(relayed.status == 200 && relayed.body.contains(#""dispatcher":"D01""#))
    }
}

/// Issuing a token leaves its record first.
@Suite("identity: the token issue log")
struct TokenIssueLogTests {
    @Test("an issued token is recorded (claims, fingerprint, never the token) before it is handed out; no record, no token")
    func recorded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-issue-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = TokenIssueLog.beside(key: dir.appendingPathComponent("token-signing.key").path)
        let authority = TokenAuthority(key: TokenKey.generate())
        let now = Date()
        let claims = TokenClaims(subject: "ct-okafor", roles: [.callTaker], issuedAt: now, expires: now + 600)
        let token = try await authority.issue(claims, recordingIn: log, tool: "test")
        let records = try log.records()
        #expect(records.count == 1)
        #expect(records.first?.subject == "ct-okafor" && records.first?.roles == ["call-taker"])
        #expect(records.first?.fingerprint == TokenIssueLog.fingerprint(token) && records.first?.fingerprint.count == 16)
        let text = try String(contentsOfFile: log.path, encoding: .utf8)
        #expect(!text.contains(token))
        let mode = try FileManager.default.attributesOfItem(atPath: log.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A log that cannot be written: no token.
        let nowhere = TokenIssueLog(path: dir.appendingPathComponent("missing/dir/token-audit.jsonl").path)
        await #expect(throws: KeyFileError.self) { _ = try await authority.issue(claims, recordingIn: nowhere, tool: "test") }
    }
}
