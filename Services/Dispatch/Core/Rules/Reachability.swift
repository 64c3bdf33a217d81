import Foundation
import Model

/// A crew that misses its sign-off is unreachable, not available (issue 15, point 3): it is
/// released from the incident and held off duty with the reason `missedSignOff` — which the unit
/// board shows — until it reports (any field report, or a duty report).
public enum Reachability {
    /// The off-duty reason of an unreachable crew.
    public static let missedSignOff = "missedSignOff"

    /// Whether `record` is held unreachable.
    public static func isUnreachable(_ record: TrackedUnit) -> Bool {
        record.state == .offDuty && record.offReason == missedSignOff
    }

    /// The state a duty report `onDuty` moves a unit to; `nil`: no change (a crew already on duty
    /// reporting back in is accepted as it is, issue 15, point 13). An unreachable crew and one
    /// off duty come back available.
    public static func afterReportingIn(_ record: TrackedUnit) -> UnitState? {
        record.state == .offDuty ? .available : nil
    }
}
