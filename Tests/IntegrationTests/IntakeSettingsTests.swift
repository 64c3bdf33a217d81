import Foundation
import Testing

/// intake's own flags resolve like the common ones: flag, then environment, then default, and a
/// value that does not parse stops the service naming the variable (it used to be dropped).
@Suite(.serialized, .processLevel)
struct IntakeSettingsTests {
    /// Runs `precinct-intake` with `environment` added, expecting it to refuse to start.
    func refusal(_ environment: [String: String], arguments extra: [String] = []) async throws -> (status: Int32, output: String) {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let process = Process()
        process.executableURL = Cluster.binDirectory.appendingPathComponent("precinct-intake")
        process.arguments = cluster.arguments(for: "intake") + extra
        process.currentDirectoryURL = Cluster.packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try await eventually("precinct-intake to exit", timeout: .seconds(30)) { !process.isRunning }
        if process.isRunning { process.terminate() }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    @Test("a merge window that is not a number is an error naming PRECINCT_MERGE_WINDOW_MINUTES")
    func badNumber() async throws {
        let (status, output) = try await refusal(["PRECINCT_MERGE_WINDOW_MINUTES": "half an hour"])
        #expect(status != 0, "\(output)")
        #expect(output.contains("PRECINCT_MERGE_WINDOW_MINUTES"), "\(output)")
    }

    @Test("a radius that is not positive is an error naming its variable")
    func notPositive() async throws {
        let (status, output) = try await refusal(["PRECINCT_CALLER_RADIUS_METERS": "-5"])
        #expect(status != 0, "\(output)")
        #expect(output.contains("PRECINCT_CALLER_RADIUS_METERS"), "\(output)")
    }
}
