import Foundation
import Model

/// Where the core reports what the metrics need (the App wires it to swift-metrics). The core
/// calls these inside its transaction: they must be cheap and must not block.
public struct DispatchObserver: Sendable {
    /// A unit was chosen: the rule, the wall-clock seconds the decision took, and the event-time
    /// seconds the incident waited since it was received.
    public var decided: @Sendable (_ rule: String, _ decisionSeconds: Double, _ waitedSeconds: Double) -> Void
    public var queueLength: @Sendable (_ length: Int) -> Void
    public var warned: @Sendable (_ timer: SLATimer) -> Void
    public var breached: @Sendable (_ timer: SLATimer) -> Void
    /// A tick ran at this event time (its work commits with the batch it ran in).
    public var ticked: @Sendable (_ now: Date) -> Void

    public init(
        decided: @escaping @Sendable (String, Double, Double) -> Void = { _, _, _ in },
        queueLength: @escaping @Sendable (Int) -> Void = { _ in },
        warned: @escaping @Sendable (SLATimer) -> Void = { _ in },
        breached: @escaping @Sendable (SLATimer) -> Void = { _ in },
        ticked: @escaping @Sendable (Date) -> Void = { _ in }
    ) {
        self.decided = decided
        self.queueLength = queueLength
        self.warned = warned
        self.breached = breached
        self.ticked = ticked
    }
}
