import ArgumentParser
import Foundation

/// `precinct demo`: sends the demo city's calls to intake and prints each receipt.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send the demo calls (cities/demo/demo-calls.json) to intake over HTTP.")

    @Option(help: "Calls file.") var calls = "cities/demo/demo-calls.json"
    @Option(help: "Pause between calls, in seconds.") var interval: Double = 0.5
    @OptionGroup var peers: PeerOptions

    func run() async throws {
        try await peers.authenticate()
        let data = try Data(contentsOf: URL(fileURLWithPath: calls))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["calls"] as? [[String: Any]] else {
            throw ValidationError("\(calls) has no \"calls\" array")
        }
        for (index, var call) in list.enumerated() {
            call["receivedAt"] = ISO8601DateFormatter().string(from: Date())
            let body = try JSONSerialization.data(withJSONObject: call)
            let (status, reply) = try await HTTP.request("POST", "\(peers.intake)/v1/calls", body: body)
            print("call \(index + 1): HTTP \(status) \(String(decoding: reply, as: UTF8.self))")
            try await Task.sleep(for: .seconds(interval))
        }
    }
}

/// `precinct healthcheck URL`: exit 0 when the service answers ready (container health checks).
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Exit 0 if URL/readyz answers 200, 1 otherwise.")

    @Argument(help: "Service base URL, e.g. http://127.0.0.1:8101")
    var url: String = ProcessInfo.processInfo.environment["PRECINCT_HEALTH_URL"] ?? "http://127.0.0.1:8101"

    func run() async throws {
        do {
            let (status, body) = try await HTTP.request("GET", "\(url)/readyz")
            print(String(decoding: body, as: UTF8.self))
            if status != 200 { throw ExitCode(1) }
        } catch let exit as ExitCode { throw exit } catch {
            print("not reachable: \(error)")
            throw ExitCode(1)
        }
    }
}
