import Foundation
import Model
import Synchronization

/// Shifts on event time: the local minute of day in the shifts' time zone, and whether a unit is
/// on shift at that minute (docs/dispatch.md, `shifts`).
public struct ShiftClock: Sendable {
    /// When false every unit is always on shift.
    public let enforce: Bool
    private let window: OffsetWindow

    public init(_ shifts: DispatchRules.Shifts) {
        enforce = shifts.enforce
        // `DispatchRules.validate` refuses unknown zones; the fallback only covers rules built in code.
        window = OffsetWindow(TimeZone(identifier: shifts.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!)
    }

    /// The local minute of day (0…1439) of `date`: UTC plus the zone's offset, the offset taken
    /// from a precomputed window (asked of the time zone again only when a date falls outside the
    /// span between two of its transitions), so a dispatch decision does no calendar arithmetic.
    public func minuteOfDay(_ date: Date) -> Int {
        let seconds = Int((date.timeIntervalSince1970).rounded(.down)) + window.offset(at: date)
        let secondOfDay = ((seconds % 86_400) + 86_400) % 86_400
        return secondOfDay / 60
    }

    /// Whether `unit` works at local `minute` (a unit with no shift always does).
    public func onShift(_ unit: FieldUnit, minute: Int) -> Bool {
        guard enforce, let shift = unit.shift else { return true }
        return shift.contains(minuteOfDay: minute)
    }

    /// Whether `unit` works at `date`.
    public func onShift(_ unit: FieldUnit, at date: Date) -> Bool { onShift(unit, minute: minuteOfDay(date)) }

    /// The state a unit's shift moves it to at `minute`: off duty when a free unit's shift has
    /// ended, available when a unit sent off by its shift starts again; `nil`: no change. A busy
    /// unit finishes its incident first, and one that signed out stays out.
    public func shiftChange(_ record: TrackedUnit, minute: Int) -> UnitState? {
        let on = onShift(record.unit, minute: minute)
        if !on && record.state == .available { return .offDuty }
        if on && record.state == .offDuty && record.offReason == "shift" { return .available }
        return nil
    }

    /// The state of a unit leaving an incident: `next` (from the state machine), except that an
    /// available unit whose shift is over goes off duty.
    public func stateAfterRelease(_ next: UnitState, _ unit: FieldUnit, at date: Date) -> UnitState {
        next == .available && !onShift(unit, at: date) ? .offDuty : next
    }
}

/// A time zone's offset from UTC over the span of time it holds (between two transitions),
/// computed once per span.
final class OffsetWindow: Sendable {
    private let zone: TimeZone
    private let span: Mutex<(from: Date, until: Date, offset: Int)?> = Mutex(nil)

    init(_ zone: TimeZone) { self.zone = zone }

    /// The zone's offset in seconds at `date`.
    func offset(at date: Date) -> Int {
        if let known = span.withLock({ $0 }), date >= known.from, date < known.until { return known.offset }
        let offset = zone.secondsFromGMT(for: date)
        // The offset holds from `date` to the next transition; without one (or a zone without
        // daylight saving) it is asked again a day later.
        let until = zone.nextDaylightSavingTimeTransition(after: date) ?? date.addingTimeInterval(86_400)
        span.withLock { $0 = (date, until, offset) }
        return offset
    }
}
