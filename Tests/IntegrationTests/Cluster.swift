import Foundation
import ServiceKit
import Testing
import Wire
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The four real executables as child processes, on `ipc://` endpoints in a fresh temporary
/// directory and ephemeral HTTP ports. Every process it starts, it stops.
final class Cluster: @unchecked Sendable {
    static let services = ["intake", "dispatch", "scoring", "liaison"]

    let root: URL
    let dataDir: URL
    var processes: [String: Process] = [:]
    private let lock = NSLock()
    let extraArguments: [String: [String]]
    /// The city every service is started on (`--city`).
    let city: URL

    /// Where `swift build` put the executables: beside the test bundle, or `PRECINCT_BIN_DIR`.
    static var binDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["PRECINCT_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("precinct-intake").path) { return url }
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init(extraArguments: [String: [String]] = [:], city: URL? = nil) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-it-\(UUID().uuidString.prefix(8))")
        dataDir = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        self.extraArguments = extraArguments
        self.city = city ?? Self.packageRoot.appendingPathComponent("cities/demo")
    }

    deinit {
        stopAll()
        try? FileManager.default.removeItem(at: root)
    }

    func endpoint(_ service: String, _ kind: String) -> String { "ipc://\(root.path)/\(service).\(kind)" }

    /// The arguments wiring `service` to the others.
    func arguments(for service: String) -> [String] {
        var args = [
            "--data-dir", dataDir.path, "--http-port", "0", "--city", city.path,
            "--bind-pub", endpoint(service, "pub"), "--bind-router", endpoint(service, "router"), "--heartbeat-ms", "100",
            "--bind-integrators", endpoint(service, "integrators"),
        ]
        for peer in Self.services where peer != service {
            args += ["--\(peer)-pub", endpoint(peer, "pub"), "--\(peer)-router", endpoint(peer, "router")]
        }
        return args + (extraArguments[service] ?? [])
    }

    func start(_ service: String) throws {
        try start(service, as: service, arguments: arguments(for: service))
    }

    /// Starts `precinct-<service>` under the process name `name` (an instance) with exactly `arguments`.
    func start(_ service: String, as name: String, arguments: [String]) throws {
        let binary = Self.binDirectory.appendingPathComponent("precinct-\(service)")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ClusterError("\(binary.path) is missing: run `swift build` before the tests (make test does)")
        }
        try? FileManager.default.removeItem(at: endpointsFile(name))
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = Self.packageRoot
        // Every service checks tokens with the key made for this test run (TestTokens).
        var environment = ProcessInfo.processInfo.environment
        environment["PRECINCT_TOKEN_KEY"] = try TestTokens.keyFile()
        process.environment = environment
        let log = root.appendingPathComponent("\(name).log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        lock.withLock { processes[name] = process }
    }

    func startAll() throws {
        for s in Self.services { try start(s) }
    }

    func endpointsFile(_ service: String) -> URL { dataDir.appendingPathComponent("\(service).endpoints.json") }

    /// The HTTP base URL the service wrote once it was listening.
    func http(_ service: String, timeout: Duration = .seconds(30)) async throws -> String {
        var url: String?
        try await eventually("\(service) to write its endpoints", timeout: timeout) {
            guard let data = try? Data(contentsOf: self.endpointsFile(service)),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: String]
            else { return false }
            url = object["http"]
            return url != nil
        }
        return url!
    }

    func waitReady(_ services: [String] = Cluster.services, timeout: Duration = .seconds(60)) async throws {
        for service in services {
            let base = try await http(service, timeout: timeout)
            try await eventually("\(service) to be ready", timeout: timeout) {
                (try? await HTTPClient.get("\(base)/readyz"))?.status == 200
            }
        }
    }

    /// `kill -9`: no chance to flush or say goodbye.
    func kill9(_ service: String) {
        guard let process = lock.withLock({ processes.removeValue(forKey: service) }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then wait for the exit: polled, because a graceful stop takes seconds and a blocking
    /// wait would hold one of the cooperative pool's threads (two on two cores) for all of them.
    func terminate(_ service: String, timeout: Duration = .seconds(60)) async throws -> Int32? {
        guard let process = lock.withLock({ processes.removeValue(forKey: service) }) else { return nil }
        process.terminate()
        try await process.exit(within: timeout, "\(service) to exit after SIGTERM")
        return process.terminationStatus
    }

    func stopAll() {
        let all = lock.withLock { () -> [Process] in
            let list = Array(processes.values)
            processes.removeAll()
            return list
        }
        for p in all where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in all { p.waitUntilExit() }
    }

    /// The running processes' ids, by name.
    var pids: [String: Int32] { lock.withLock { processes.filter { $0.value.isRunning }.mapValues(\.processIdentifier) } }

    func isRunning(_ name: String) -> Bool { lock.withLock { processes[name]?.isRunning ?? false } }

    func log(_ service: String) -> String {
        (try? String(contentsOf: root.appendingPathComponent("\(service).log"), encoding: .utf8)) ?? ""
    }
}

struct ClusterError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Process {
    /// Waits for the process to exit without blocking a thread; SIGKILLs it and throws after `timeout`.
    /// Tests never call `waitUntilExit()` on a process that may run long: every test in this module
    /// shares the cooperative pool, and one blocked thread of two stalls every other test's deadlines.
    func exit(within timeout: Duration, _ what: String) async throws {
        do {
            try await eventually(what, timeout: timeout) { !self.isRunning }
        } catch {
            kill(processIdentifier, SIGKILL)
            throw error
        }
        waitUntilExit()  // already exited: reaps it and settles terminationStatus at once
    }
}

/// Waits until `condition` holds, polling; fails with `what` after `timeout`. No sleep decides the outcome.
func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw ClusterError("timed out after \(timeout) waiting for \(what)")
}

enum HTTPClient {
    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = 10
        return URLSession(configuration: c)
    }()

    /// Sends with `token`, or by default a token holding every person's role; `""` sends none.
    static func request(_ method: String, _ url: String, json: Any? = nil, token: String? = nil) async throws -> (status: Int, body: Data) {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        var bearer = token ?? ""
        if token == nil { bearer = try await TestTokens.everyRole() }
        if !bearer.isEmpty { r.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let json {
            r.httpBody = try JSONSerialization.data(withJSONObject: json)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    static func get(_ url: String) async throws -> (status: Int, body: Data) { try await request("GET", url) }

    static func getObject(_ url: String) async throws -> [String: Any] {
        let (status, body) = try await get(url)
        guard status == 200, let o = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ClusterError("GET \(url) → \(status) \(String(decoding: body, as: UTF8.self))")
        }
        return o
    }
}
