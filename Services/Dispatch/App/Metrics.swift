import DispatchCore
import Metrics
import Model
import Synchronization

/// dispatch's metrics (docs/dispatch.md, "Metrics"). Handles are created once — per rule the
/// first time that rule decides — never per decision: a decision is on the hot path. Make it
/// after `MetricsSystem.bootstrap`, or its fixed handles go to the no-op backend.
final class DispatchMetrics: Sendable {
    private struct RuleHandles {
        let decision: Metrics.Timer
        let assignments: Counter
    }

    private let wait = Recorder(label: "precinct_dispatch_wait_seconds")
    private let queueLength = Gauge(label: "precinct_dispatch_queue_length")
    private let warnings: [SLATimer: Counter]
    private let breaches: [SLATimer: Counter]
    /// Rules are open-ended (`handover-<kind>`, `ptu-echelon-<n>`), so their handles are made on first use.
    private let rules = Mutex<[String: RuleHandles]>([:])

    init() {
        warnings = Dictionary(
            uniqueKeysWithValues: SLATimer.allCases.map {
                ($0, Counter(label: "precinct_dispatch_sla_warnings_total", dimensions: [("timer", $0.rawValue)]))
            })
        breaches = Dictionary(
            uniqueKeysWithValues: SLATimer.allCases.map {
                ($0, Counter(label: "precinct_dispatch_sla_breaches_total", dimensions: [("timer", $0.rawValue)]))
            })
    }

    /// What the core reports, wired to the handles.
    var observer: DispatchObserver {
        DispatchObserver(
            decided: { rule, decision, waited in
                let handles = self.handles(rule: rule)
                handles.decision.recordNanoseconds(Int64(decision * 1e9))
                handles.assignments.increment()
                self.wait.record(max(0, waited))
            },
            queueLength: { self.queueLength.record($0) },
            warned: { self.warnings[$0]?.increment() },
            breached: { self.breaches[$0]?.increment() })
    }

    private func handles(rule: String) -> RuleHandles {
        rules.withLock { cache in
            if let handles = cache[rule] { return handles }
            let handles = RuleHandles(
                decision: Metrics.Timer(label: "precinct_dispatch_decision_seconds", dimensions: [("rule", rule)]),
                assignments: Counter(label: "precinct_dispatch_assignments_total", dimensions: [("rule", rule)]))
            cache[rule] = handles
            return handles
        }
    }
}
