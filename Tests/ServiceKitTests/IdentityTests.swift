import Bus
import EventStore
import Foundation
import Model
import ServiceKit
import TestSupport
import Testing
import Wire

/// Who may do what, over real HTTP on loopback and through the operation table the ROUTER uses.
@Suite("identity: tokens, roles, audit")
struct IdentityTests {
    static func error(_ body: Data) throws -> APIError.Detail {
        try JSONDecoder().decode(APIError.Body.self, from: body).error
    }

    @Test("missing, malformed, forged, tampered, wrong-key and expired tokens are refused with 401 in the one error shape")
    func badTokensRefused() async throws {
        try await BuildServiceTests().withServices { _, port, _, _, _ in
            let path = "/v1/notes/count"
            let other = TokenAuthority(key: TokenKey.generate())
            let wrongKey = try await other.issue(subject: "mallory", roles: [.analyst], lifetime: 600)
            let expired = try await TestIdentity.authority.issue(subject: "old", roles: [.analyst], lifetime: 60, now: Date() - 3600)
            // A valid token whose payload is swapped for one claiming more roles: the signature no longer matches.
            let valid = try await TestIdentity.token([.analyst])
            let parts = valid.split(separator: ".").map(String.init)
            let claims = #"{"sub":"tester","roles":["supervisor"],"iat":1,"exp":9999999999}"#
            let forgedPayload = Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            let tampered = [parts[0], forgedPayload, parts[2]].joined(separator: ".")
            let unsigned = [parts[0], forgedPayload, ""].joined(separator: ".")
            for (name, token) in [
                ("none", ""), ("garbage", "not-a-jwt"), ("wrong key", wrongKey), ("expired", expired), ("tampered", tampered),
                ("unsigned", unsigned),
            ] {
                let (status, body) = try await HTTP.send("GET", port: port, path: path, token: token)
                #expect(status == 401, "\(name): \(status)")
                let detail = try Self.error(body)
                #expect(detail.code == "unauthenticated", "\(name)")
                if name == "expired" { #expect(detail.message.contains("expired")) }
            }
            // And the right key, in time, in the role: allowed.
            let (ok, _) = try await HTTP.send("GET", port: port, path: path, token: valid)
            #expect(ok == 200)
        }
    }

    @Test("each route answers only its roles: 403 in the one error shape outside them; health and metrics stay open")
    func rolesOverHTTP() async throws {
        try await BuildServiceTests().withServices { _, port, _, tallyPort, _ in
            for role in Role.people {
                let token = try await TestIdentity.token([role], subject: "as-\(role.rawValue)")
                let (count, countBody) = try await HTTP.send("GET", port: port, path: "/v1/notes/count", token: token)
                let (add, addBody) = try await HTTP.send("POST", port: port, path: "/v1/notes", json: #"{"text":"x"}"#, token: token)
                let (seen, _) = try await HTTP.send("GET", port: tallyPort, path: "/v1/seen", token: token)
                #expect(count == ([.callTaker, .analyst].contains(role) ? 200 : 403), "\(role) count")
                #expect(add == (role == .callTaker ? 201 : 403), "\(role) add")
                #expect(seen == (role == .analyst ? 200 : 403), "\(role) seen")
                if count == 403 { #expect(try Self.error(countBody).code == "forbidden") }
                if add == 403 { #expect(try Self.error(addBody).message.contains("call-taker")) }
                let (resume, resumeBody) = try await HTTP.send("POST", port: port, path: "/admin/resume/nowhere", token: token)
                #expect(resume == ([.operator, .supervisor].contains(role) ? 404 : 403), "\(role) resume")
                _ = try Self.error(resumeBody)
            }
            for open in ["/healthz", "/readyz", "/metrics"] {
                let (status, _) = try await HTTP.send("GET", port: port, path: open, token: "")
                #expect(status == 200 || (open == "/readyz" && status == 503), "\(open) \(status)")
            }
        }
    }

    @Test("every write leaves an audit event, allowed or refused, that supervisors can query")
    func auditTrail() async throws {
        try await BuildServiceTests().withServices { notes, port, _, _, _ in
            let clerk = try await TestIdentity.token([.callTaker], subject: "clerk-7")
            let analyst = try await TestIdentity.token([.analyst], subject: "ana")
            let supervisor = try await TestIdentity.token([.supervisor], subject: "sgt")
            #expect(try await HTTP.send("POST", port: port, path: "/v1/notes", json: #"{"text":"a"}"#, token: clerk).0 == 201)
            #expect(try await HTTP.send("POST", port: port, path: "/v1/notes", json: #"{"text":"b"}"#, token: analyst).0 == 403)
            #expect(try await HTTP.send("POST", port: port, path: "/v1/notes", json: #"{"text":"c"}"#, token: "").0 == 401)
            // A read leaves none.
            #expect(try await HTTP.send("GET", port: port, path: "/v1/notes/count", token: analyst).0 == 200)

            var records: [AuditRecorded] = []
            try await eventuallyAsync(timeout: .seconds(20), "three audit records") {
                let (status, body) = try await HTTP.send("GET", port: port, path: "/v1/audit?action=notes", token: supervisor)
                guard status == 200 else { return false }
                records = try APIEncoding.decoder.decode(AuditListProbe.self, from: body).records
                return records.count == 3
            }
            // Newest first.
            #expect(records.map(\.principal) == ["anonymous", "ana", "clerk-7"])
            #expect(records.map(\.outcome) == [.refused, .refused, .allowed])
            // The allowed write's record committed with the note, in its transaction: status 200, "done"
            // (the answer's 201 is chosen after the commit). Right after the note in the outbox.
            #expect(records.map(\.status) == [401, 403, 200])
            let topics = try notes.log.replay(after: 0, limit: 1000).events.map { String(decoding: $0.topic, as: UTF8.self) }
            let added = try #require(topics.firstIndex { $0.hasPrefix("note.added") })
            #expect(topics.count > added + 1 && topics[added + 1] == "audit.intake", "\(topics)")
            #expect(records.allSatisfy { $0.action == "POST /v1/notes" && $0.service == "intake" && $0.client?.hasPrefix("127.0.0.1") == true })
            #expect(records[2].roles == ["call-taker"])
            // On the bus too: audit.intake events in the outbox.
            let batch = try notes.log.replay(after: 0, limit: 1000)
            #expect(batch.events.filter { $0.topic == Array("audit.intake".utf8) }.count >= 3)
            // Only supervisors read it.
            #expect(try await HTTP.send("GET", port: port, path: "/v1/audit", token: analyst).0 == 403)
        }
    }

    @Test("the ROUTER's path runs an operation only for the roles it declares; a service key runs all")
    func rolesOverTheOperationTable() async throws {
        var api = ServiceAPI()
        api.on(NotesAPI.count, allow: [.analyst]) { _ in Count(count: Principal.current.subject.count) }
        for role in Role.allCases {
            let reply = try #require(await api.call("count", json: [], as: Principal(subject: "key-\(role.rawValue)", roles: [role])))
            #expect(reply.status == ([.analyst, .service].contains(role) ? 200 : 403), "\(role)")
        }
        // An unknown key has no role.
        #expect(await api.call("count", json: [], as: Principal(subject: "nobody", roles: []))?.status == 403)
    }

    @Test("a plaintext bus on a non-loopback address is refused unless --insecure")
    func plaintextOffLoopback() throws {
        #expect(throws: (any Error).self) { try ServiceConfig.defaults(.intake, environment: ["PRECINCT_BIND_PUB": "tcp://0.0.0.0:7101"]) }
        #expect(throws: (any Error).self) { try ServiceConfig.defaults(.intake, environment: ["PRECINCT_BIND_ROUTER": "tcp://*:7102"]) }
        let allowed = try ServiceConfig.defaults(.intake, environment: ["PRECINCT_BIND_PUB": "tcp://0.0.0.0:7101", "PRECINCT_INSECURE": "1"])
        #expect(allowed.insecure)
        _ = try ServiceConfig.defaults(.intake, environment: ["PRECINCT_BIND_PUB": "tcp://127.0.0.1:7101", "PRECINCT_BIND_ROUTER": "ipc:///tmp/x"])
        #expect(BusExposure.isLocal("tcp://localhost:1") && BusExposure.isLocal("tcp://[::1]:1") && !BusExposure.isLocal("tcp://10.0.0.1:1"))
    }
}

/// The answer of `GET /v1/audit`, as a client decodes it.
struct AuditListProbe: Decodable {
    var records: [AuditRecorded]
}
