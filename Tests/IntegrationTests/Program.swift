import Foundation

/// A program the test runs to completion, its standard output in a file.
final class Program: @unchecked Sendable {
    let process = Process()
    let output: URL

    init(_ executable: URL, _ arguments: [String], output: URL) throws {
        self.output = output
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = Cluster.packageRoot
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    /// The JSON lines printed so far.
    var lines: [[String: Any]] { text.split(separator: "\n").compactMap { json(Data($0.utf8)) }.filter { !$0.isEmpty } }

    func waitExit(_ what: String, timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await eventually(what, timeout: timeout) { !self.process.isRunning }
        return process.terminationStatus
    }

    /// SIGKILL: the test runner's ignored SIGTERM is inherited by what it starts, and these are
    /// clients with nothing to flush.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Runs a program to its end with its output in a file (a pipe would need a blocking read), and
/// returns its exit status and output.
func runToEnd(_ executable: URL, _ arguments: [String], timeout: Duration) async throws -> (status: Int32, output: String) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-run-\(UUID().uuidString.prefix(8)).out")
    defer { try? FileManager.default.removeItem(at: output) }
    let program = try Program(executable, arguments, output: output)
    try await program.process.exit(within: timeout, "\(executable.lastPathComponent) \(arguments.first ?? "") to finish")
    return (program.process.terminationStatus, program.text)
}
