import Foundation
import Histogram
import Synchronization

// `precinct load`, the report: what the run saw (acknowledgements, assignments, alerts) and the
// figures printed at the end.

/// What the run saw, shared by the client, observer and field threads.
final class LoadResults: Sendable {
    struct Call {
        var intended: UInt64 = 0
        var acked: UInt64 = 0
        var incidentId: String?
        var opened = false
    }
    let start = Atomic<UInt64>(0)
    let acked = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    let lastAssigned = Atomic<UInt64>(0)
    let fieldAccepted = Atomic<Int>(0)
    let fieldRefused = Atomic<Int>(0)
    private let state: Mutex<State>

    struct State {
        var calls: [Call]
        var incidentIndex: [String: Int] = [:]
        var assignedAt: [String: UInt64] = [:]
        var alertAt: [String: UInt64] = [:]
        /// Incidents dispatch holds for a liaison officer's acknowledgement (zero disturbance):
        /// no unit goes until the officer answers or the hold times out, so none is awaited.
        var held: Set<String> = []
        var duplicateAlerts = 0
        var opened = 0
    }

    init(count: Int) { state = Mutex(State(calls: Array(repeating: Call(), count: count))) }

    func acknowledge(index: Int, intended: UInt64, reply: [UInt8]) {
        let now = DispatchTime.now().uptimeNanoseconds
        let incident = Self.stringField("incidentId", in: reply)
        let opened = Self.stringField("outcome", in: reply) == "opened"
        let first = state.withLock { s -> Bool in
            guard s.calls[index].acked == 0 else { return false }
            s.calls[index] = Call(intended: intended, acked: now, incidentId: incident, opened: opened)
            if let incident { s.incidentIndex[incident] = index }
            if opened { s.opened += 1 }
            return true
        }
        if first { acked.add(1, ordering: .releasing) }
    }

    func assigned(_ incidentId: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            if s.assignedAt[incidentId] == nil { s.assignedAt[incidentId] = now }
        }
        lastAssigned.store(now, ordering: .releasing)
    }

    func held(_ incidentId: String) {
        state.withLock { s in _ = s.held.insert(incidentId) }
    }

    func alerted(_ incidentId: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        state.withLock { s in
            if s.alertAt[incidentId] == nil { s.alertAt[incidentId] = now } else { s.duplicateAlerts += 1 }
        }
    }

    var openedCount: Int { state.withLock { $0.opened } }
    /// Opened incidents the set has finished with for this run: a unit assigned, or held at a
    /// zero-disturbance site.
    var settledCount: Int {
        state.withLock { s in s.incidentIndex.keys.filter { s.assignedAt[$0] != nil || s.held.contains($0) }.count }
    }
    var alertCount: Int { state.withLock { s in s.alertAt.keys.filter { s.incidentIndex[$0] != nil }.count } }

    func expectedAlerts(_ plan: CallPlan) -> Int {
        state.withLock { s in s.calls.indices.filter { s.calls[$0].opened && plan.enterpriseHit[$0] }.count }
    }

    /// A string field of a flat part of a JSON answer, without decoding the whole answer.
    static func stringField(_ name: String, in bytes: [UInt8]) -> String? {
        let key = Array("\"\(name)\":\"".utf8)
        guard let range = bytes.firstRange(of: key) else { return nil }
        let rest = bytes[range.upperBound...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
    }

    struct Report {
        var text: String
        var json: [String: Any]
    }

    func report(sendSeconds: Double, e2eSeconds: Double, expectedAlerts: Int) -> Report {
        state.withLock { s in
            var ack = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var assign = ack
            var alert = ack
            for call in s.calls where call.acked > 0 {
                _ = ack.record(max(1, (call.acked - call.intended) / 1_000))
                if let id = call.incidentId {
                    if let t = s.assignedAt[id], t > call.intended { _ = assign.record((t - call.intended) / 1_000) }
                    if let t = s.alertAt[id], t > call.intended { _ = alert.record((t - call.intended) / 1_000) }
                }
            }
            func line(_ name: String, _ h: Histogram<UInt64>) -> (String, [String: Any]) {
                let ms = { (v: UInt64) in Double(v) / 1000 }
                let text = String(
                    format: "  %-22@ n=%-8d p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  p99.9 %8.2f ms  max %8.2f ms",
                    name as NSString, h.totalCount, ms(h.valueAtPercentile(50)), ms(h.valueAtPercentile(90)),
                    ms(h.valueAtPercentile(99)), ms(h.valueAtPercentile(99.9)), ms(h.max))
                return (
                    text,
                    [
                        "count": h.totalCount, "p50_ms": ms(h.valueAtPercentile(50)), "p90_ms": ms(h.valueAtPercentile(90)),
                        "p99_ms": ms(h.valueAtPercentile(99)), "p999_ms": ms(h.valueAtPercentile(99.9)), "max_ms": ms(h.max),
                    ]
                )
            }
            let acked = s.calls.filter { $0.acked > 0 }.count
            let assigned = s.assignedAt.keys.filter { s.incidentIndex[$0] != nil }.count
            let heldOnly = s.held.filter { s.incidentIndex[$0] != nil && s.assignedAt[$0] == nil }.count
            let (a, aj) = line("call acknowledged", ack)
            let (b, bj) = line("call → unit assigned", assign)
            let (c, cj) = line("call → enterprise alert", alert)
            let text = """
                throughput: \(String(format: "%.0f", Double(acked) / sendSeconds)) calls/s acknowledged, \
                \(String(format: "%.0f", Double(assigned) / e2eSeconds)) calls/s end to end (acknowledged → assigned, \(assigned) seen assigned)
                latency (from the intended send time, so queueing counts):
                \(a)
                \(b)
                \(c)
                field reports: \(fieldAccepted.load(ordering: .relaxed)) accepted, \(fieldRefused.load(ordering: .relaxed)) refused; \
                alerts seen \(s.alertAt.count) (expected \(expectedAlerts)), duplicates on the wire \(s.duplicateAlerts); \
                held for a liaison officer (zero disturbance, no unit yet): \(heldOnly)
                """
            return Report(
                text: text,
                json: [
                    "calls": s.calls.count, "acked": acked, "opened": s.opened, "sendSeconds": sendSeconds, "e2eSeconds": e2eSeconds,
                    "ackRate": Double(acked) / sendSeconds, "e2eRate": Double(assigned) / e2eSeconds,
                    "ack": aj, "assign": bj, "alert": cj, "retries": retries.load(ordering: .relaxed), "held": heldOnly,
                ])
        }
    }
}
