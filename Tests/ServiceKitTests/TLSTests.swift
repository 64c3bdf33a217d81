import BusTesting
import EventStore
import Foundation
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing
import Wire

/// HTTPS on the HTTP port when a certificate and key are given: a self-signed pair made here by
/// openssl, checked by curl against that certificate (a real TLS handshake, a real client).
@Suite("TLS on the HTTP port")
struct TLSTests {
    /// Runs a program to its end; its exit status and output.
    static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("with --tls-cert and --tls-key the service answers HTTPS, with tokens as over HTTP, and plain HTTP no longer")
    func httpsWithASelfSignedCertificate() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            Issue.record("openssl and curl are needed (Debian: apt-get install openssl curl)")
            return
        }
        let dir = try TempDir("precinct-tls")
        let cert = dir.url.appendingPathComponent("tls.crt").path
        let key = dir.url.appendingPathComponent("tls.key").path
        let (made, output) = try Self.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert,
            ])
        try #require(made == 0, "openssl: \(output)")
        var config = try BuildServiceTests.config(.intake, dir)
        config.tls = TLSFiles(certificate: cert, key: key)
        let hub = MemoryHub()
        let service = try buildService(
            TestDefinitions.notes, config: config, logger: quietLogger,
            makeLog: { try MemoryEventLog(service: "intake", migrations: NotesCore.migrate) },
            makeTransport: BuildServiceTests.memory(hub), signals: [])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.group.run() }
            let port = try #require(await service.httpPort.value())
            let token = try await TestIdentity.token([.analyst])
            let url = "https://127.0.0.1:\(port)/v1/notes/count"
            let (ok, body) = try Self.run(
                "/usr/bin/curl", ["-sS", "--cacert", cert, "-H", "Authorization: Bearer \(token)", "-w", "\n%{http_code}", url])
            #expect(ok == 0 && body.hasSuffix("\n200") && body.contains(#""count":0"#), "\(body)")
            let (_, anonymous) = try Self.run("/usr/bin/curl", ["-sS", "--cacert", cert, "-w", "\n%{http_code}", url])
            #expect(anonymous.hasSuffix("\n401"), "\(anonymous)")
            // Not trusted without the certificate: the handshake is real.
            let (untrusted, _) = try Self.run("/usr/bin/curl", ["-sS", url])
            #expect(untrusted != 0)
            // And plain HTTP on the same port gets no answer.
            let (plain, plainBody) = try Self.run("/usr/bin/curl", ["-sS", "-m", "5", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/healthz"])
            #expect(plain != 0 || !plainBody.hasSuffix("\n200"), "\(plainBody)")
            await service.group.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
