import Foundation

/// 到警承诺: the one definition of the arrival promise, used by dispatch (its `arrival` timer) and
/// scoring (its arrival awards), so both judge the same incident the same way.
///
/// An incident must have a unit on scene within the promise of its grid — the fewest minutes of
/// any response point covering the grid — counted from its first dispatch; a grid no response
/// point covers (or an unlocated incident) gets `fallbackMinutes`. The breach charges every unit
/// still on the incident and not yet arrived at the deadline.
public enum ArrivalPromise {
    /// The promise where no response point covers the grid: 15 minutes.
    public static let defaultFallbackMinutes: Double = 15

    /// The promise, in seconds, of an incident in `gridId`.
    public static func seconds(grid gridId: String?, in jurisdiction: Jurisdiction?, fallbackMinutes: Double = defaultFallbackMinutes) -> Double {
        minutes(grid: gridId, in: jurisdiction, fallbackMinutes: fallbackMinutes) * 60
    }

    /// The promise, in minutes, of an incident in `gridId`.
    public static func minutes(grid gridId: String?, in jurisdiction: Jurisdiction?, fallbackMinutes: Double = defaultFallbackMinutes) -> Double {
        guard let gridId, let minutes = jurisdiction?.responseMinutes(grid: gridId) else { return fallbackMinutes }
        return Double(minutes)
    }

    /// When the promise falls due: `seconds` after the first dispatch.
    public static func deadline(firstDispatch: Date, seconds: Double) -> Date { firstDispatch.addingTimeInterval(seconds) }

    /// Whether an arrival at `arrivedAt` kept the promise of an incident first dispatched at `firstDispatch`.
    public static func kept(arrivedAt: Date, firstDispatch: Date, seconds: Double) -> Bool {
        arrivedAt.timeIntervalSince(firstDispatch) <= seconds
    }
}
