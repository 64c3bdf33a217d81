import Foundation
import Model
import ScoringCore
import Testing
import TestSupport
import Wire

/// Scoring follows `enRoute` reports (issue 15, point 11): a unit under way without a sign-off of
/// its own has signed off, on time or not, by the en-route report.
@Suite struct EnRouteTests {
    @Test func anEnRouteReportIsTheSignOffOfAUnitThatSentNone() async throws {
        let h = try Harness()
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        let o = ["O1", "O2"]
        let events = [
            intake.event(Make.opened("I1", .dispute, at: 0)),
            dispatch.event(Make.assigned("I1", unit: "U1", officers: o, at: 60)),
            dispatch.event(Make.field("I1", unit: "U1", officers: o, .enRoute, at: 100)),
        ]
        try await h.deliver(events)
        let lines = try h.lines("O1")
        let sign = try #require(lines.rule("signOff.onTime"), "\(lines.map(\.rule))")
        #expect(sign.earnedBy == [events[1].header.id, events[2].header.id].sorted())
        #expect(sign.explanation.contains("40 s"))
    }
}
