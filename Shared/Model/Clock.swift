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

/// Time that runs `factor` times faster than the wall clock (demos): `origin` at the wall-clock
/// instant `anchor`. A function of these three alone, so every process given the same ones reads
/// the same time, whenever it started (`--time-anchor`, README "Configuration").
public struct AcceleratedClock: EventClock {
    public let origin: Date
    public let factor: Double
    /// The wall-clock instant at which event time is `origin`.
    public let anchor: Date

    /// `anchor` defaults to now: a clock of this process alone.
    public init(origin: Date, factor: Double, anchor: Date = Date()) {
        self.origin = origin
        self.factor = factor
        self.anchor = anchor
    }

    public func now() -> Date { Self.eventTime(wall: Date(), origin: origin, factor: factor, anchor: anchor) }

    /// Event time at wall-clock time `wall`.
    public static func eventTime(wall: Date, origin: Date, factor: Double, anchor: Date) -> Date {
        origin.addingTimeInterval(wall.timeIntervalSince(anchor) * factor)
    }
}

/// Time that moves only when told (tests).
public final class ManualClock: EventClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
