import Foundation
import ServiceKit
import Testing

/// A service started with no configuration at all is never open: it makes a development
/// signing key in its data directory, says how to issue a token, and refuses anonymous requests
/// from that first start; `precinct tokens` issues tokens the service accepts.
@Suite(.serialized, .processLevel)
struct SecureByDefaultTests {
    @Test func noConfigurationMeansADevelopmentKeyAndTokensFromTheFirstStart() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        // precinct-intake as `make up` starts it: no token key anywhere (not even the environment).
        let process = Process()
        process.executableURL = Cluster.binDirectory.appendingPathComponent("precinct-intake")
        process.arguments = cluster.arguments(for: "intake")
        process.currentDirectoryURL = Cluster.packageRoot
        var environment = ProcessInfo.processInfo.environment
        environment["PRECINCT_TOKEN_KEY"] = nil
        process.environment = environment
        let log = cluster.root.appendingPathComponent("bare-intake.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let base = try await cluster.http("intake")
        let key = cluster.dataDir.appendingPathComponent("token-signing.key")
        #expect(FileManager.default.fileExists(atPath: key.path))
        let mode = (try FileManager.default.attributesOfItem(atPath: key.path)[.posixPermissions] as? NSNumber)?.intValue
        #expect(mode == 0o600, "mode \(String(mode ?? 0, radix: 8))")
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(text.contains("precinct tokens issue --key \(key.path)"), "the log says how to issue a token")

        #expect(try await HTTPClient.request("GET", "\(base)/v1/stats", token: "").status == 401)
        // Health stays open for probes.
        #expect(try await HTTPClient.request("GET", "\(base)/healthz", token: "").status == 200)
        // The test's own key is not this service's: refused.
        #expect(try await HTTPClient.request("GET", "\(base)/v1/stats").status == 401)

        // `precinct tokens issue` with the development key: accepted, within its role.
        func issue(_ role: String) throws -> String {
            let out = cluster.root.appendingPathComponent("token-\(role).out")
            let program = try Program(
                Cluster.binDirectory.appendingPathComponent("precinct"),
                ["tokens", "issue", "--key", key.path, "--subject", "it-\(role)", "--role", role, "--ttl", "10m"], output: out)
            program.process.waitUntilExit()
            guard program.process.terminationStatus == 0 else { throw ClusterError("precinct tokens issue: \(program.text)") }
            return program.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let analyst = try issue("analyst")
        #expect(try await HTTPClient.request("GET", "\(base)/v1/stats", token: analyst).status == 200)
        #expect(try await HTTPClient.request("GET", "\(base)/v1/callers", token: analyst).status == 403)
        let clerk = try issue("call-taker")
        #expect(try await HTTPClient.request("GET", "\(base)/v1/callers", token: clerk).status == 200)
        // Each issue left its record beside the key: who, in which roles, the fingerprint, never the token.
        let issueLog = TokenIssueLog.beside(key: key.path)
        let records = try issueLog.records()
        #expect(records.map(\.subject) == ["it-analyst", "it-call-taker"] && records.map(\.roles) == [["analyst"], ["call-taker"]])
        #expect(records.map(\.fingerprint) == [TokenIssueLog.fingerprint(analyst), TokenIssueLog.fingerprint(clerk)])
        #expect(records.allSatisfy { $0.tool == "precinct tokens issue" })
        let issued = try String(contentsOfFile: issueLog.path, encoding: .utf8)
        #expect(!issued.contains(analyst) && !issued.contains(clerk))
    }
}
