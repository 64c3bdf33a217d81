import Foundation
import Model
@testable import ScoringCore
import Testing
import Wire

/// Issue 15, points 4 and 5: one arrival promise, breaches charge the units they name, and points
/// never reward failure.
@Suite struct ChargingTests {
    static func breach(
        _ timer: SLATimer, unit: String? = nil, units: [String], officers: [String], action: String, at t: Double
    ) -> SLABreached {
        SLABreached(
            incidentId: "I1", unitId: unit, officerIds: officers, timer: timer, regionId: "R1", stationId: "S1", startedAt: at(0),
            dueAt: at(t), action: action, at: at(t), unitIds: units)
    }

    static func rules(_ awards: [Award], _ officer: String) -> [String: Double] {
        Dictionary(awards.filter { $0.officerId == officer }.map { ($0.rule, $0.points) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func anArrivalBreachChargesEveryUnitItNames() {
        let facts = [
            Facts.fact("f0", Make.opened("I1", .criminal, at: 0)),
            Facts.fact("f1", Make.assigned("I1", unit: "U1", officers: ["O1"], at: 10)),
            Facts.fact("f2", Make.assigned("I1", unit: "U2", officers: ["O2"], at: 20, role: "support")),
            Facts.fact("f3", Self.breach(.arrival, units: ["U1", "U2"], officers: ["O1", "O2"], action: "offered", at: 910)),
        ]
        let awards = Facts.derive(facts).1
        #expect(Self.rules(awards, "O1")["arrival.breached"] == ScoringRules.defaults.deductions.arrivalBreached)
        #expect(Self.rules(awards, "O2")["arrival.breached"] == ScoringRules.defaults.deductions.arrivalBreached)
    }

    @Test func theArrivalPromiseRunsFromTheFirstDispatch() {
        // U2 is sent 600 s after U1 and arrives 400 s later: 1 000 s after the first dispatch, past the 900 s promise.
        let facts = [
            Facts.fact("f0", Make.opened("I1", .criminal, at: 0)),
            Facts.fact("f1", Make.assigned("I1", unit: "U1", officers: ["O1"], at: 0)),
            Facts.fact("f2", Make.assigned("I1", unit: "U2", officers: ["O2"], at: 600, role: "support")),
            Facts.fact("f3", Make.field("I1", unit: "U2", officers: ["O2"], .arrived, at: 1000)),
        ]
        let line = Facts.derive(facts).1.first { $0.officerId == "O2" && $0.rule.hasPrefix("arrival") }
        #expect(line?.rule == "arrival.breached")
        #expect(line?.explanation.contains("after the first dispatch (promise 900 s)") == true)
    }

    @Test func aFeedbackBreachChargesWhoeverHoldsTheIncident() {
        // U1 handed over to U2; dispatch names U2, the holder at the deadline.
        let facts = [
            Facts.fact("f0", Make.opened("I1", .dispute, at: 0)),
            Facts.fact("f1", Make.assigned("I1", unit: "U1", officers: ["O1"], at: 10)),
            Facts.fact("f2", Make.assigned("I1", unit: "U2", officers: ["O2"], at: 600, role: "handover")),
            Facts.fact("f3", Self.breach(.firstFeedback, units: ["U2"], officers: ["O2"], action: "escalated", at: 18000)),
        ]
        let awards = Facts.derive(facts).1
        #expect(Self.rules(awards, "O2")["feedback.breached"] == ScoringRules.defaults.deductions.feedbackBreached)
        #expect(Self.rules(awards, "O1")["feedback.breached"] == nil)
        #expect(awards.first { $0.rule == "feedback.breached" }?.unitId == "U2")
    }

    @Test func aUnitReleasedForMissingItsSignOffEarnsNoBasePoints() {
        let facts = [
            Facts.fact("f0", Make.opened("I1", .criminal, at: 0)),
            Facts.fact("f1", Make.assigned("I1", unit: "U1", officers: ["O1"], at: 0)),
            Facts.fact("f2", Self.breach(.signOff, unit: "U1", units: ["U1"], officers: ["O1"], action: "redispatched", at: 90)),
            Facts.fact("f3", Make.assigned("I1", unit: "U2", officers: ["O2"], at: 90, role: "redispatch")),
        ]
        let awards = Facts.derive(facts).1
        let o1 = Self.rules(awards, "O1")
        #expect(o1["dispatched"] == nil)
        #expect(o1["signOff.breached"] == ScoringRules.defaults.deductions.signOffBreached)
        #expect(o1.values.reduce(0, +) < 0, "a failure nets negative")
        #expect(Self.rules(awards, "O2")["dispatched"] != nil)
    }
}
