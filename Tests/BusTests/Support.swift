import Bus
import Foundation
import Logging
import Testing

// Helpers shared by the Bus tests. Nothing here sleeps to synchronise: every wait polls a
// condition until a deadline and fails the test (with what it was waiting for) when it passes.

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for: \(what)" }
}

/// Polls `condition` every 2 ms until it holds or `timeout` passes; records an issue on timeout.
@discardableResult
func eventually(
    timeout: Duration = .seconds(30), _ what: String = "condition",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return true }
        if ContinuousClock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting for \(what)", sourceLocation: sourceLocation)
            return false
        }
        try? await Task.sleep(for: .milliseconds(2))
    }
}

/// Receives one whole message without blocking a thread of the cooperative pool: polls with
/// `dontWait` every millisecond until a message arrives or `timeout` passes.
func receive(_ socket: Socket, timeout: Duration = .seconds(30), _ what: String = "a message") async throws -> [[UInt8]] {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let frames = try socket.receiveMultipart(dontWait: true) { return frames }
        if ContinuousClock.now >= deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(1))
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

let quietLogger = Logger(label: "bus-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// A thread-safe box for values that delegates and loops fill in on other threads.
final class Locked<Value: Sendable>: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// The Linux thread ids of this process and each one's name (`/proc/self/task/<tid>/comm`).
func processThreads() -> [Int: String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    var out: [Int: String] = [:]
    for task in tasks {
        guard let tid = Int(task) else { continue }
        let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
        out[tid] = comm.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return out
}
