import Foundation
import Model
import TestSupport
import Testing
import Wire

@testable import precinct_console

/// The arrival deadline the console counts down is dispatch's: the promise of the response
/// points covering the incident's grid (`ArrivalPromise`), not the rules' fallback.
@Suite struct ArrivalPromiseTests {
    let demo = try! Jurisdiction.load(
        from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("cities/demo"))

    @Test func theArrivalTimerRunsForTheGridsPromise() throws {
        var model = ReadModel(jurisdiction: demo, rules: TimerRules())
        var changes = ModelChanges()
        var opened = IncidentOpened.example
        var assigned = UnitAssigned.example
        // G033 is covered by RP01, a one-minute promise (cities/demo/jurisdiction.json).
        assigned.gridId = "G033"
        assigned.incidentId = opened.incidentId
        opened.place.grid?.gridId = "G033"
        model.apply(EventSource("intake").event(opened), changes: &changes)
        model.apply(EventSource("dispatch").event(assigned), changes: &changes)
        let arrival = try #require(model.incidents[opened.incidentId]?.timers.first { $0.timer == "arrival" })
        let minutes = ArrivalPromise.minutes(grid: "G033", in: demo, fallbackMinutes: 15)
        #expect(minutes == 1)
        #expect(arrival.dueAt.timeIntervalSince(arrival.startedAt) == minutes * 60)
        #expect(arrival.warnBefore == min(60, minutes * 30))
    }

    @Test func aGridWithoutAPromiseFallsBackToTheRules() throws {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        var changes = ModelChanges()
        model.apply(EventSource("intake").event(IncidentOpened.example), changes: &changes)
        var assigned = UnitAssigned.example
        assigned.incidentId = IncidentOpened.example.incidentId
        model.apply(EventSource("dispatch").event(assigned), changes: &changes)
        let arrival = try #require(model.incidents[assigned.incidentId]?.timers.first { $0.timer == "arrival" })
        #expect(arrival.dueAt.timeIntervalSince(arrival.startedAt) == TimerRules().arrival.seconds)
    }
}

/// Who is signed in, read from the token's claims (shown, never trusted: the services check it).
@Suite struct ConsoleSessionTests {
    @Test func theClaimsOfABearerTokenAreRead() throws {
        func part(_ object: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: object).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let token = "\(try part(["alg": "HS256"])).\(try part(["sub": "D07", "roles": ["dispatcher"], "exp": 1_900_000_000])).c2ln"
        let claims = try #require(ConsoleSession.claims(token))
        #expect(claims["sub"] as? String == "D07")
        #expect(claims["roles"] as? [String] == ["dispatcher"])
        #expect(ConsoleSession.claims("not-a-token") == nil)
        #expect(ConsoleSession.claims("a.b") == nil)
    }
}
