import Foundation
import Model

/// A 110 call is never diverted to 12345 on a keyword alone (issue 15 point 9): a diversion rule's
/// keyword only suggests it, the call waits for the call-taker's confirmation, and a call waiting
/// for review past `reviewSeconds` escalates to the duty call-taker. A call returned by the
/// 12345 platform reopens as a police incident.
public struct DiversionSafetyNet: Sendable, Hashable {
    /// A call left for review longer than this (event time) escalates.
    public var reviewSeconds: TimeInterval
    /// Who an overdue review escalates to.
    public var escalateTo: String

    public init(reviewSeconds: TimeInterval = 120, escalateTo: String = "dutyCallTaker") {
        self.reviewSeconds = reviewSeconds
        self.escalateTo = escalateTo
    }

    /// Whether a non-police reading came from a diversion keyword only, not from the call-taker
    /// (`categorySource` `diversion:<rule>`): then it is a suggestion to confirm, not a diversion.
    public static func awaitsConfirmation(_ reading: ClassificationRules.Result?) -> Bool {
        guard let reading, reading.category == .nonPolice else { return false }
        return (reading.source ?? "").hasPrefix("diversion:")
    }

    /// The category a call returned by the 12345 platform reopens with: the platform's
    /// suggestion, else the police rules' reading of the call, else a help request (求助), the
    /// police category for a matter that is the police's without a more specific class.
    public static func returnedCategory(suggested: Category?, reading: Category?) -> Category {
        if let suggested, suggested != .nonPolice { return suggested }
        if let reading, reading != .nonPolice { return reading }
        return .helpRequest
    }

    /// When a call received at `receivedAt` is due for review.
    public func reviewDue(receivedAt: Date) -> Date { receivedAt.addingTimeInterval(reviewSeconds) }

    /// What an overdue review waits for: the call-taker's confirmation of a suggested diversion,
    /// or a classification.
    public static func waitingFor(flags: [String]) -> String {
        flags.contains(suggestedFlag) ? "diversionConfirmation" : "classification"
    }

    /// The flags a suggested diversion and an escalated review leave on the call.
    public static let suggestedFlag = "diversion-suggested"
    public static let overdueFlag = "review-overdue"
    public static let returnedFlag = "returned-by-12345"
}
