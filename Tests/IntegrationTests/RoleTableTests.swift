import Foundation
import Testing
import Wire

/// The role table: each service's declared roles (`GET /v1/access`) are what docs/security.md
/// says, and every route, walked with a token of every role, answers 403 exactly outside them.
@Suite(.serialized, .processLevel)
struct RoleTableTests {
    struct Access: Decodable {
        struct Route: Decodable {
            var method: String
            var path: String
            var operation: String?
            var roles: [String]
        }
        struct Operation: Decodable {
            var name: String
            var roles: [String]
            var read: Bool
        }
        var routes: [Route]
        var operations: [Operation]
    }

    static let docs = Cluster.packageRoot.appendingPathComponent("docs/security.md")
    static let begin = "<!-- role-table:begin (generated: make role-table) -->"
    static let end = "<!-- role-table:end -->"

    /// The markdown table of one service's routes.
    static func table(_ service: String, _ access: Access) -> String {
        let roles = Role.people
        var lines = ["### \(service)", "", "| route | operation | " + roles.map(\.rawValue).joined(separator: " | ") + " |"]
        lines.append("|---|---|" + roles.map { _ in "---" }.joined(separator: "|") + "|")
        for route in access.routes.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) }) {
            let marks = roles.map { route.roles.contains($0.rawValue) ? "✓" : "" }
            lines.append("| `\(route.method) \(route.path)` | \(route.operation.map { "`\($0)`" } ?? "") | " + marks.joined(separator: " | ") + " |")
        }
        let busOnly = access.operations.filter { op in !access.routes.contains { $0.operation == op.name } }
        if !busOnly.isEmpty {
            lines += ["", "ROUTER only: " + busOnly.map { "`\($0.name)` (\($0.roles.joined(separator: ", ")))" }.joined(separator: "; ")]
        }
        return lines.joined(separator: "\n")
    }

    @Test func docsMatchTheCodeAndEveryRouteRefusesExactlyOutsideItsRoles() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        var sections: [String] = []
        for service in Cluster.services {
            let base = try await cluster.http(service)
            let (status, body) = try await HTTPClient.get("\(base)/v1/access")
            #expect(status == 200)
            let access = try JSONDecoder().decode(Access.self, from: body)
            sections.append(Self.table(service, access))
            for route in access.routes {
                #expect(!route.roles.isEmpty, "\(service) \(route.method) \(route.path) declares no role")
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "x" : String($0) }.joined(separator: "/")
                let url = "\(base)/\(path)"
                let body: [String: Any]? = route.method == "POST" || route.method == "PUT" ? [:] : nil
                // Anonymous: 401.
                let (anonymous, anonymousBody) = try await HTTPClient.request(route.method, url, json: body, token: "")
                #expect(anonymous == 401, "\(service) \(route.method) \(route.path) anonymous → \(anonymous)")
                #expect(String(decoding: anonymousBody, as: UTF8.self).contains(#""code":"unauthenticated""#))
                for role in Role.people {
                    // Within scope: a field unit's own unit, a liaison officer's own enterprise ("x", the path's id).
                    let token = try await TestTokens.token(
                        [role], subject: "walk-\(role.rawValue)", unit: role == .fieldUnit ? "U-none" : nil,
                        enterprises: role == .liaisonOfficer ? ["x"] : nil)
                    let (answer, answerBody) = try await HTTPClient.request(route.method, url, json: body, token: token)
                    if route.roles.contains(role.rawValue) {
                        #expect(answer != 403 && answer != 401, "\(service) \(route.method) \(route.path) as \(role) → \(answer)")
                    } else {
                        #expect(answer == 403, "\(service) \(route.method) \(route.path) as \(role) → \(answer)")
                        #expect(String(decoding: answerBody, as: UTF8.self).contains(#""code":"forbidden""#))
                    }
                    #expect(answer < 500, "\(service) \(route.method) \(route.path) as \(role) → \(answer)")
                }
            }
        }
        let generated = Self.begin + "\n\n" + sections.joined(separator: "\n\n") + "\n\n" + Self.end
        let text = try String(contentsOf: Self.docs, encoding: .utf8)
        if ProcessInfo.processInfo.environment["PRECINCT_UPDATE_ROLE_TABLE"] == "1",
            let start = text.range(of: Self.begin), let stop = text.range(of: Self.end)
        {
            try text.replacingCharacters(in: start.lowerBound..<stop.upperBound, with: generated).write(
                to: Self.docs, atomically: true, encoding: .utf8)
            return
        }
        #expect(text.contains(generated), "docs/security.md's role table differs from the code: run `make role-table`")
    }
}

/// An analyst sees figures, never a caller: every route an analyst's token may read, on every
/// service, after a call with a distinctive name and phone, carries neither.
@Suite(.serialized, .processLevel)
struct AnalystViewTests {
    @Test func noAnalystViewCarriesPersonalData() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let name = "Zyxwvu Qponm"
        let phone = "13977712345"
        let call: [String: Any] = [
            "channel": "110", "caller": ["name": name, "phone": phone],
            "location": ["lat": 36.855746, "lon": 117.723495, "address": "邹平市黛溪街道黛溪三路小区"], "categoryHint": "dispute",
            "description": "楼上漏水，与邻居发生纠纷", "callTaker": "CT01", "clientRef": "analyst-view-1",
        ]
        let clerk = try await TestTokens.token([.callTaker], subject: "clerk")
        let (status, body) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: call, token: clerk)
        #expect(status == 201, "\(String(decoding: body, as: UTF8.self))")
        // The call-taker does see it (so the check below can fail).
        let (_, calls) = try await HTTPClient.request("GET", "\(intake)/v1/calls", token: clerk)
        #expect(String(decoding: calls, as: UTF8.self).contains(phone))

        let analyst = try await TestTokens.token([.analyst], subject: "analyst")
        var read = 0
        for service in Cluster.services {
            let base = try await cluster.http(service)
            let access = try JSONDecoder().decode(
                RoleTableTests.Access.self, from: try await HTTPClient.request("GET", "\(base)/v1/access", token: analyst).body)
            for route in access.routes where route.method == "GET" && route.roles.contains(Role.analyst.rawValue) {
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "x" : String($0) }.joined(separator: "/")
                let (answer, text) = try await HTTPClient.request("GET", "\(base)/\(path)", token: analyst)
                #expect(answer != 403, "\(service) \(route.path)")
                let page = String(decoding: text, as: UTF8.self)
                #expect(!page.contains(phone) && !page.contains(name), "\(service) \(route.path) shows the caller to an analyst")
                read += 1
            }
        }
        #expect(read >= 10, "the analyst read \(read) routes")
        // Nor does any log line, of any service.
        for service in Cluster.services {
            let log = cluster.log(service)
            #expect(!log.contains(phone) && !log.contains(name), "\(service)'s log shows the caller")
        }
    }
}
