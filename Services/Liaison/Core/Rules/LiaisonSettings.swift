import Foundation
import Model

/// Settings of the liaison rules (flags of the executable).
public struct LiaisonSettings: Sendable {
    /// An enterprise with no visit and no joint meeting in this many days (event time) is overdue.
    public var workPeriodDays: Double

    public init(workPeriodDays: Double = 30) { self.workPeriodDays = workPeriodDays }
}
