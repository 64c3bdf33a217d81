import ArgumentParser
import Foundation
import ServiceKit
import Wire

/// `precinct tokens`: bearer tokens for the services' HTTP APIs, and the key that signs them.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issue bearer tokens for the HTTP APIs, and make the key that signs them (docs/security.md).",
        subcommands: [Issue.self, Key.self])

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a signed token (JWT, HS256) for a subject in one or more roles.")

        @Option(help: "The token-signing key file (env PRECINCT_TOKEN_KEY; a service's development key is <data>/token-signing.key).")
        var key: String?
        @Option(help: "Who the token is for (kept in the audit trail).") var subject: String
        @Option(
            name: .customLong("role"),
            help: ArgumentHelp("A role (repeatable): \(Role.people.map(\.rawValue).joined(separator: ", ")).", valueName: "role"))
        var roles: [String]
        @Option(help: "field-unit: the unit it reports for.") var unit: String?
        @Option(name: .customLong("enterprise"), help: "liaison-officer: an enterprise it works on (repeatable; none: all).")
        var enterprises: [String] = []
        @Option(help: "Lifetime: 90s, 30m, 8h or 7d.") var ttl = "8h"
        @Option(
            help: """
                The append-only log of issued tokens (env PRECINCT_TOKEN_AUDIT; default token-audit.jsonl beside the key). \
                The record is written before the token is printed.
                """)
        var auditLog: String?

        func validate() throws {
            for role in roles where Role(rawValue: role) == nil || role == Role.service.rawValue {
                throw ValidationError("role '\(role)' is not one of \(Role.people.map(\.rawValue).joined(separator: ", "))")
            }
            guard !roles.isEmpty else { throw ValidationError("give at least one --role") }
            guard Self.seconds(ttl) != nil else { throw ValidationError("--ttl '\(ttl)' is not a lifetime like 90s, 30m, 8h or 7d") }
            if roles.contains(Role.fieldUnit.rawValue), unit == nil, roles.count == 1 {
                throw ValidationError("a field-unit token needs --unit: a field unit reports for its own unit only")
            }
        }

        func run() async throws {
            guard let path = key ?? ProcessInfo.processInfo.environment["PRECINCT_TOKEN_KEY"] else {
                throw ValidationError("give --key (or PRECINCT_TOKEN_KEY): the token-signing key the services check tokens with")
            }
            let authority = TokenAuthority(key: try TokenKey.load(from: path))
            let log = (auditLog ?? ProcessInfo.processInfo.environment["PRECINCT_TOKEN_AUDIT"]).map(TokenIssueLog.init(path:))
                ?? TokenIssueLog.beside(key: path)
            let now = Date()
            let claims = TokenClaims(
                subject: subject, roles: roles.compactMap(Role.init(rawValue:)), unit: unit, enterprises: enterprises.isEmpty ? nil : enterprises,
                issuedAt: now, expires: now + Self.seconds(ttl)!)
            print(try await authority.issue(claims, recordingIn: log, tool: "precinct tokens issue"))
        }

        static func seconds(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
            switch unit {
            case "s": return value
            case "m": return value * 60
            case "h": return value * 3600
            case "d": return value * 86_400
            default: return nil
            }
        }
    }

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a new token-signing key (256 random bits, base64, mode 0600).")

        @Option(help: "The file to write; refuses to replace one.") var out: String

        func run() throws {
            try TokenKey.generate().write(to: out)
            print("wrote \(out)")
        }
    }
}

extension PeerOptions {
    /// Sets the bearer token the CLI's HTTP requests carry: `--token`/`PRECINCT_TOKEN`, else one
    /// minted from `--token-key`/`PRECINCT_TOKEN_KEY` or the development key in `--endpoints-dir`,
    /// for the tool's own work (calls, field reports, stats).
    func authenticate() async throws {
        if let token = token ?? Self.env("PRECINCT_TOKEN") {
            HTTP.setToken(token)
            return
        }
        var path = tokenKey ?? Self.env("PRECINCT_TOKEN_KEY")
        if path == nil, let dir = endpointsDir {
            let development = URL(fileURLWithPath: dir).appendingPathComponent(TokenKey.developmentFileName).path
            if FileManager.default.fileExists(atPath: development) { path = development }
        }
        guard let path else { return }
        let authority = TokenAuthority(key: try TokenKey.load(from: path))
        let now = Date()
        let claims = TokenClaims(
            subject: "precinct-cli", roles: [.callTaker, .dispatcher, .supervisor, .analyst, .operator, .liaisonOfficer], issuedAt: now,
            expires: now + 12 * 3600)
        let log = Self.env("PRECINCT_TOKEN_AUDIT").map(TokenIssueLog.init(path:)) ?? TokenIssueLog.beside(key: path)
        HTTP.setToken(try await authority.issue(claims, recordingIn: log, tool: "precinct (its own requests)"))
    }
}
