import Foundation
import Model

/// A service-level timer's life (docs/dispatch.md, "Service-level timers").
public enum TimerState: String, Codable, Sendable, CaseIterable {
    case pending, warned, met, breached, cancelled

    /// Still running: it can still warn, be met or breach.
    public var isRunning: Bool { self == .pending || self == .warned }
}

/// When a timer started, when it warns and when it is due, on event time.
public struct SLADeadline: Sendable, Hashable {
    public var startedAt: Date
    public var dueAt: Date
    /// `nil`: this timer publishes no warning.
    public var warnAt: Date?

    /// `seconds` from `start`, warning `warnBefore` seconds ahead (0: no warning).
    public init(from start: Date, seconds: Double, warnBefore: Double) {
        startedAt = start
        dueAt = start.addingTimeInterval(seconds)
        warnAt = warnBefore > 0 ? dueAt.addingTimeInterval(-warnBefore) : nil
    }

    /// A configured timer from `start`.
    public init(_ timer: DispatchRules.Timer, from start: Date) {
        self.init(from: start, seconds: timer.seconds, warnBefore: timer.warnBefore)
    }

    /// 到警: the N-minute promise of the response points covering the grid (`promiseMinutes`),
    /// else the rules' fallback; the warning comes at most half the promise ahead.
    public static func arrival(from start: Date, promiseMinutes: Int?, rules: DispatchRules.Arrival) -> SLADeadline {
        let minutes = promiseMinutes.map(Double.init) ?? rules.fallbackMinutes
        return SLADeadline(from: start, seconds: minutes * 60, warnBefore: min(rules.warnBefore, minutes * 30))
    }

    /// 到警 by the one arrival promise (`Model.ArrivalPromise`) of an incident in `grid`.
    public static func arrival(from start: Date, grid: String?, jurisdiction: Jurisdiction, rules: DispatchRules.Arrival) -> SLADeadline {
        let minutes = ArrivalPromise.minutes(grid: grid, in: jurisdiction, fallbackMinutes: rules.fallbackMinutes)
        return SLADeadline(from: start, seconds: minutes * 60, warnBefore: min(rules.warnBefore, minutes * 30))
    }

    /// A warning due at `now` is published only while the timer is not yet due itself (a timer
    /// found past both at once breaches without a warning). Seconds since 1970, as stored.
    public static func warns(dueSeconds: Double, nowSeconds: Double) -> Bool { dueSeconds > nowSeconds }
}

/// What a breached timer does.
public enum BreachAction: String, Sendable {
    /// The unit is released and the next unit sent.
    case redispatched
    /// The unit is released and no other is free: the need waits.
    case queued
    case none

    /// Only a sign-off breach re-dispatches, and only while the unit is still merely dispatched
    /// and never signed off (a unit that reported any later stage keeps its incident).
    public static func redispatches(_ timer: SLATimer, assignment: ActiveAssignment?, unitState: UnitState?) -> Bool {
        guard timer == .signOff, let assignment else { return false }
        return !assignment.signedOff && unitState == .dispatched
    }
}

/// The PTU echelons (梯次增援) of a major incident sent later than at once.
public struct EchelonPlan: Sendable, Hashable {
    /// 1 is the first echelon.
    public var echelon: Int
    public var units: Int
    public var dueAt: Date

    public init(echelon: Int, units: Int, dueAt: Date) {
        self.echelon = echelon
        self.units = units
        self.dueAt = dueAt
    }

    /// Every echelon but an immediate first one (that one is among the incident's initial needs).
    public static func later(_ echelons: [DispatchRules.Echelon], openedAt: Date) -> [EchelonPlan] {
        echelons.enumerated().compactMap { i, echelon in
            guard i > 0 || echelon.afterSeconds > 0 else { return nil }
            return EchelonPlan(echelon: i + 1, units: echelon.units, dueAt: openedAt.addingTimeInterval(echelon.afterSeconds))
        }
    }
}

extension FieldStage {
    /// Any progress report means the unit signed off (签收) even when it never said so.
    public var impliesSignOff: Bool { [.signedOff, .enRoute, .arrived, .feedback].contains(self) }

    /// The incident timer this report meets.
    public var meetsTimer: SLATimer? {
        switch self {
        case .arrived: .arrival
        case .feedback: .firstFeedback
        default: nil
        }
    }
}
