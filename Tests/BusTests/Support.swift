import Bus
import Foundation
import Logging
import TestSupport
import Testing

// Socket helpers of the Bus tests (the rest is in TestSupport).

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
