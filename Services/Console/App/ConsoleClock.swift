import ArgumentParser
import Foundation
import Model
import ServiceKit
import Wire

/// The set's event clock, as the console reads it: the services' timers fall due on event time
/// (`--time-factor`, `--time-origin`, `--time-anchor` or the data directory's `clock-anchor`;
/// `ServiceConfig.makeClock`), so the console counts down on the same clock, never on the
/// browser's wall clock. The page is told event time now and the factor, and runs its own copy
/// from there on its monotonic clock (js/clock.js).
struct ConsoleClock: Sendable {
    let clock: any EventClock
    /// Event seconds per wall-clock second.
    let factor: Double

    /// The same clock the services make from the same settings: wall-clock time unless the clock
    /// is accelerated or moved, then one anchor for every process (the flag, else the shared file).
    static func resolve(factor: Double, origin: Date?, anchor: Date?, dataDirectory: String?) throws -> ConsoleClock {
        guard factor > 0 else { throw ValidationError("--time-factor must be > 0") }
        guard factor != 1 || origin != nil else { return ConsoleClock(clock: SystemClock(), factor: 1) }
        var shared = anchor
        if shared == nil {
            guard let dataDirectory else {
                throw ValidationError(
                    "an accelerated clock needs the set's anchor: --time-anchor, or --data-dir where the services' clock-anchor file is")
            }
            shared = try ClockAnchor.shared(in: URL(fileURLWithPath: dataDirectory))
        }
        let wallAnchor = shared ?? Date()
        return ConsoleClock(clock: AcceleratedClock(origin: origin ?? wallAnchor, factor: factor, anchor: wallAnchor), factor: factor)
    }

    func now() -> Date { clock.now() }

    /// What the page needs to run its copy: `{"now": <event time, ms since 1970>, "factor"}`.
    var json: [String: Any] { ["now": (now().timeIntervalSince1970 * 1000).rounded(), "factor": factor] }
}
