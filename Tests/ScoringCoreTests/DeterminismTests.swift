import EventStore
import Foundation
import GRDB
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

/// Point 8 of issue #6: the same events give the same ledger, rankings and KPIs, whatever the
/// interleaving of the sources and however often they are replayed.
@Suite struct DeterminismTests {
    /// A synthetic city day: 60 incidents across 3 stations, 8 units, with late sign-offs,
    /// timer breaches, handovers, every outcome, and some incidents still open.
    static func syntheticDay() -> (intake: [Envelope], dispatch: [Envelope]) {
        var rng = SplitMix64(seed: 42)  // fixed: the synthetic day is the same on every run
        let intake = EventSource("intake")
        let dispatch = EventSource("dispatch")
        var opened: [(Double, IncidentOpened)] = []
        var dispatched: [(Double, String, any EventPayload)] = []
        let categories = Category.allCases
        for n in 0..<60 {
            let id = "I\(n)"
            let start = Double.random(in: -28000...57000, using: &rng)
            let station = ["S1", "S2", "S3"].randomElement(using: &rng)!
            let category = categories.randomElement(using: &rng)!
            opened.append(
                (
                    start,
                    Make.opened(
                        id, category, at: start, callTaker: ["CT01", "CT02"].randomElement(using: &rng)!,
                        grid: "G\(Int.random(in: 1...6, using: &rng))", station: station, post: station == "S3" ? nil : "P1")
                ))
            let units = Int.random(in: 1...2, using: &rng)
            var t = start + Double.random(in: 5...300, using: &rng)
            for k in 0..<units {
                let u = "U\(Int.random(in: 1...8, using: &rng))"
                let officers = ["O\(u.dropFirst())a", "O\(u.dropFirst())b"]
                t += Double(k) * 30
                let kind: UnitKind = k == 0 ? .patrolCar : .accidentDivision
                let role = k == 0 ? "primary" : "support"
                let assigned = Make.assigned(id, unit: u, officers: officers, at: t, kind: kind, station: station, role: role)
                dispatched.append((t, id, assigned))
                let sign = t + Double.random(in: 10...150, using: &rng)
                if sign - t > 90, Bool.random(using: &rng) {
                    dispatched.append((t + 90, id, Make.breached(id, .signOff, unit: u, officers: officers, at: t + 90)))
                }
                dispatched.append((sign, id, Make.field(id, unit: u, officers: officers, .signedOff, at: sign)))
                let arrive = sign + Double.random(in: 60...1500, using: &rng)
                dispatched.append((arrive, id, Make.field(id, unit: u, officers: officers, .arrived, at: arrive)))
                if Int.random(in: 0..<6, using: &rng) == 0 {
                    let handover = Make.field(id, unit: u, officers: officers, .handover, at: arrive + 10, handover: Handover(kind: .inPost))
                    dispatched.append((arrive + 10, id, handover))
                }
                let feedback = arrive + Double.random(in: 60...25000, using: &rng)
                dispatched.append((feedback, id, Make.field(id, unit: u, officers: officers, .feedback, at: feedback)))
                if Int.random(in: 0..<5, using: &rng) > 0 {
                    let close = feedback + Double.random(in: 60...70000, using: &rng)
                    let outcome = Outcome.allCases.randomElement(using: &rng)!
                    let closing = Make.field(id, unit: u, officers: officers, .closed, at: close, outcome: outcome, incidentClosed: k == units - 1)
                    dispatched.append((close, id, closing))
                    if k == units - 1 { dispatched.append((close, id, Make.closed(id, outcome, openedAt: start, at: close))) }
                }
            }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                dispatched.append((start + 18000, id, Make.breached(id, .firstFeedback, at: start + 18000)))
            }
        }
        // Each source publishes in its own time order (ties: by incident), with gap-free sequences.
        let i = opened.sorted { ($0.0, $0.1.incidentId) < ($1.0, $1.1.incidentId) }.map { intake.event($0.1) }
        let inOrder = dispatched.enumerated().sorted { ($0.element.0, $0.element.1, $0.offset) < ($1.element.0, $1.element.1, $1.offset) }
        let d = inOrder.map { e -> Envelope in
            switch e.element.2 {
            case let p as UnitAssigned: return dispatch.event(p)
            case let p as FieldReported: return dispatch.event(p)
            case let p as SLABreached: return dispatch.event(p)
            case let p as IncidentClosed: return dispatch.event(p)
            default: fatalError("unexpected event")
            }
        }
        return (i, d)
    }

    /// Everything scoring derives, in a comparable form.
    struct Results: Equatable {
        var ledger: [LedgerLine]
        var rankings: [[RankingEntry]]
        var kpis: [KPIReport]
        var intervals: [IntervalEntry]
    }

    static func results(_ h: Harness) throws -> Results {
        let day = Period.containing(t0, kind: .day, timeZone: ScoringRules.defaults.timeZone)
        return try h.read { db in
            Results(
                ledger: try LedgerReads.ledger(db),
                rankings: try [Level.officer, .unit, .station, .post, .region].map {
                    try LedgerReads.rankings(db, level: $0, period: day, limit: 1000)
                },
                kpis: try [Level.officer, .unit, .station, .post, .region, .city].map {
                    try LedgerReads.kpiReport(db, level: $0, period: day, rules: .defaults)
                },
                intervals: try LedgerReads.intervals(db, period: day, byUnit: true))
        }
    }

    @Test func aSyntheticDayGivesIdenticalResultsInTwoInterleavingsAndOnReplay() async throws {
        let (intake, dispatch) = Self.syntheticDay()
        #expect(intake.count == 60)
        #expect(dispatch.count > 300)

        // 1: intake first, then dispatch, in one go each.
        let a = try Harness()
        try await a.deliver(intake)
        try await a.deliver(dispatch)
        let first = try Self.results(a)

        // 2: dispatch leads, intake trails; small batches alternating, derived between batches.
        let b = try Harness()
        var di = dispatch[...]
        var ii = intake[...]
        var k = 0
        while !di.isEmpty || !ii.isEmpty {
            let n = 1 + k % 7
            try await b.deliver(Array(di.prefix(n)))
            di = di.dropFirst(n)
            if k % 3 == 2 {
                try await b.deliver(Array(ii.prefix(2)))
                ii = ii.dropFirst(2)
            }
            k += 1
        }
        let second = try Self.results(b)

        #expect(first.ledger.count > 200)
        #expect(first.ledger == second.ledger)
        #expect(first.rankings == second.rankings)
        #expect(first.kpis == second.kpis)
        #expect(first.intervals == second.intervals)
        #expect(first == second)

        // 3: replayed (everything again, twice) and recomputed: still the same.
        try await b.deliver(dispatch)
        try await b.deliver(intake + intake)
        #expect(try Self.results(b) == first)
        _ = try await b.engine.submit(.recompute(nil))
        #expect(try Self.results(b) == first)
    }

    @Test func theSyntheticDayIsNotTrivial() async throws {
        // Guards the test above against comparing empty results.
        let (intake, dispatch) = Self.syntheticDay()
        let h = try Harness()
        try await h.deliver(intake + dispatch)
        let r = try Self.results(h)
        let rules = Set(r.ledger.map(\.rule))
        #expect(
            rules.isSuperset(of: ["dispatched", "signOff.onTime", "signOff.breached", "arrival.onTime", "arrival.breached", "feedback.breached"]))
        #expect(r.kpis.last?.entries.first?.kpis.workload ?? 0 > 20)
    }
}
