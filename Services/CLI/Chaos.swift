import ArgumentParser
import Foundation
import Model

/// `precinct chaos`: starts a set of its own (ipc endpoints in a temporary directory), puts it
/// under `precinct load`, and `kill -9`s services at random moments — one at a time and two at
/// once — restarting each at once. Exits with the load's verdict: 0 when nothing was lost or
/// applied twice.
struct Chaos: AsyncParsableCommand {
    /// Unbuffered, so the kills interleave with the load's own output in a pipe.
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    static let configuration = CommandConfiguration(abstract: "kill -9 services at random under load, then verify nothing was lost or duplicated.")

    @Option(help: "Directory holding precinct-intake, -dispatch, -scoring, -liaison (default: beside this binary).") var binDir: String?
    @Option(help: "Calls to send.") var calls = 3_000
    @Option(help: "Calls per second (0: as fast as possible).") var rate: Double = 500
    @Option(help: "Load clients.") var clients = 2
    @Option(help: "Smallest pause between kills, seconds.") var minPause = 0.3
    @Option(help: "Largest pause between kills, seconds.") var maxPause = 1.5
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "City folder.") var city = "cities/demo"
    @Option(help: "Seconds the run may take in all before it is declared failed.") var deadline: Double = 600
    @Flag(help: "Keep the temporary directory (logs, databases).") var keep = false

    func run() async throws {
        let besideThisBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let bin = URL(fileURLWithPath: binDir ?? besideThisBinary)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-chaos-\(UUID().uuidString.prefix(6))")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let cityPath = URL(fileURLWithPath: city).standardizedFileURL.path
        let set = ChildSet(bin: bin, root: root, data: data, city: cityPath)
        defer {
            set.stopAll()
            if !keep { try? FileManager.default.removeItem(at: root) } else { say("kept \(root.path)") }
        }
        for s in ChildSet.services { try set.start(s) }
        try await set.waitReady(timeout: 60)

        let load = Process()
        load.executableURL = bin.appendingPathComponent("precinct")
        load.arguments = [
            "load", "--calls", "\(calls)", "--rate", "\(rate)", "--clients", "\(clients)", "--endpoints-dir", data.path,
            "--city", cityPath, "--settle-timeout", "180", "--retry-after", "2",
        ]
        try load.run()
        say("chaos: load started (\(calls) calls at \(rate == 0 ? "max" : String(rate))/s); killing services at random")

        var generator = SplitMix64(seed: seed)
        var kills: [String: Int] = [:]
        var rounds = 0
        let started = Date()
        while load.isRunning {
            let pause = minPause + (maxPause - minPause) * generator.unit()
            try await Task.sleep(for: .seconds(pause))
            guard load.isRunning, Date().timeIntervalSince(started) < deadline else { break }
            // Kill only while calls are still flowing; afterwards let the set settle for verification.
            if rounds > 0, Date().timeIntervalSince(started) > Double(calls) / max(rate, 1) + 5 { continue }
            rounds += 1
            var victims = [ChildSet.services[Int(generator.next() % 4)]]
            if rounds % 3 == 0 {
                let second = ChildSet.services.filter { $0 != victims[0] }[Int(generator.next() % 3)]
                victims.append(second)
            }
            for v in victims {
                set.kill9(v)
                kills[v, default: 0] += 1
            }
            say("chaos: kill -9 \(victims.joined(separator: " + "))")
            for v in victims { try set.start(v) }
        }
        if load.isRunning {
            load.terminate()
            say("chaos: deadline passed; load stopped")
        }
        load.waitUntilExit()
        let perService = kills.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        say("chaos: \(kills.values.reduce(0, +)) kills (\(perService)), load exited with \(load.terminationStatus)")
        if load.terminationStatus != 0 { throw ExitCode(load.terminationStatus) }
    }
}

/// The four services as child processes of this one.
final class ChildSet: @unchecked Sendable {
    static let services = ["intake", "dispatch", "scoring", "liaison"]
    let bin: URL
    let root: URL
    let data: URL
    let city: String
    var processes: [String: Process] = [:]

    init(bin: URL, root: URL, data: URL, city: String) {
        self.bin = bin
        self.root = root
        self.data = data
        self.city = city
    }

    func endpoint(_ service: String, _ kind: String) -> String { "ipc://\(root.path)/\(service).\(kind)" }

    func start(_ service: String) throws {
        var args = [
            "--data-dir", data.path, "--http-port", "0", "--city", city, "--log-level", "warning", "--heartbeat-ms", "200",
            "--bind-pub", endpoint(service, "pub"), "--bind-router", endpoint(service, "router"),
            "--bind-integrators", endpoint(service, "integrators"),
        ]
        for peer in Self.services where peer != service {
            args += ["--\(peer)-pub", endpoint(peer, "pub"), "--\(peer)-router", endpoint(peer, "router")]
        }
        let p = Process()
        p.executableURL = bin.appendingPathComponent("precinct-\(service)")
        p.arguments = args
        let logURL = root.appendingPathComponent("\(service).log")
        if !FileManager.default.fileExists(atPath: logURL.path) { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        processes[service] = p
    }

    func kill9(_ service: String) {
        guard let p = processes.removeValue(forKey: service) else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // A killed service leaves its endpoints file behind; the restarted one writes a new one.
        try? FileManager.default.removeItem(at: data.appendingPathComponent("\(service).endpoints.json"))
    }

    func waitReady(timeout: Double) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        for s in Self.services {
            while true {
                if let data = try? Data(contentsOf: data.appendingPathComponent("\(s).endpoints.json")),
                    let o = try? JSONSerialization.jsonObject(with: data) as? [String: String], let http = o["http"],
                    let (status, _) = try? await HTTP.request("GET", "\(http)/readyz"), status == 200
                {
                    break
                }
                guard Date() < deadline else { throw ValidationError("\(s) did not become ready; see \(root.path)/\(s).log") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func stopAll() {
        for (_, p) in processes where p.isRunning { p.terminate() }
        for (_, p) in processes { p.waitUntilExit() }
        processes.removeAll()
    }
}
