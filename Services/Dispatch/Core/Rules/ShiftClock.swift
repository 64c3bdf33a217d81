import Foundation
import Model

/// Shifts on event time: the local minute of day in the shifts' time zone, and whether a unit is
/// on shift at that minute (docs/dispatch.md, `shifts`).
public struct ShiftClock: Sendable {
    /// When false every unit is always on shift.
    public let enforce: Bool
    private let calendar: Calendar

    public init(_ shifts: DispatchRules.Shifts) {
        enforce = shifts.enforce
        var calendar = Calendar(identifier: .gregorian)
        // `DispatchRules.validate` refuses unknown zones; the fallback only covers rules built in code.
        calendar.timeZone = TimeZone(identifier: shifts.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
        self.calendar = calendar
    }

    /// The local minute of day (0…1439) of `date`.
    public func minuteOfDay(_ date: Date) -> Int {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
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
