import Foundation
import Testing

// Nothing in the tests sleeps to synchronise: every wait polls a condition until a deadline and
// fails the test, saying what it was waiting for, when the deadline passes.

/// A wait that ran out.
public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for: \(what)" }
}

/// Polls `condition` every 2 ms until it holds or `timeout` passes; records an issue on timeout.
@discardableResult
public func eventually(
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

/// Like ``eventually(timeout:_:sourceLocation:_:)`` for an asynchronous condition.
@discardableResult
public func eventuallyAsync(
    timeout: Duration = .seconds(30), _ what: String = "condition",
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline {
            Issue.record("timed out after \(timeout) waiting for \(what)", sourceLocation: sourceLocation)
            return false
        }
        try? await Task.sleep(for: .milliseconds(2))
    }
}

/// A thread-safe box for values that delegates and loops fill in on other threads.
public final class Locked<Value: Sendable>: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var value: Value
    public init(_ value: Value) { self.value = value }
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    public var current: Value { withLock { $0 } }
}
