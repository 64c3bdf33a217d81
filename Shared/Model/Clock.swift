import Foundation
import Synchronization

/// The source of "now" for timers and KPIs. Everything runs on event time through one of these,
/// so a test or a demo can run a city's day in seconds and get the same figures every time.
public protocol EventClock: Sendable {
    func now() -> Date
}

/// Wall-clock time.
public struct SystemClock: EventClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Time that starts at `origin` and runs `factor` times faster than the wall clock (demos).
public struct AcceleratedClock: EventClock {
    public let origin: Date
    public let factor: Double
    private let start = Date()

    public init(origin: Date, factor: Double) {
        self.origin = origin
        self.factor = factor
    }

    public func now() -> Date { origin.addingTimeInterval(Date().timeIntervalSince(start) * factor) }
}

/// Time that moves only when told (tests).
public final class ManualClock: EventClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
