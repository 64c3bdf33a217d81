import EventStore
import Foundation
import GRDB
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

/// Issue 15, points 6 and 13: the KPIs mean what the originals mean (docs/scoring.md, "KPIs").
@Suite struct KPIMeaningTests {
    static let tz = ScoringRules.defaults.timeZone

    @Test("a timed item is met, missed, or pending until its deadline passes at event time")
    func timedVerdicts() {
        #expect(TimedRate.verdict(start: 0, done: 90, limit: 90, now: 100) == .met)
        #expect(TimedRate.verdict(start: 0, done: 91, limit: 90, now: 100) == .missed)
        #expect(TimedRate.verdict(start: 0, done: nil, limit: 90, now: 90) == .pending)
        #expect(TimedRate.verdict(start: 0, done: nil, limit: 90, now: 91) == .missed)
        #expect(TimedRate.verdict(start: 0, done: nil, limit: 90, now: .infinity) == .missed)
        #expect(TimedRate.ratio([.met, .missed, .pending, .pending]) == Ratio(1, 2))
        #expect(ImpliedSignOff.implies(.arrived) && ImpliedSignOff.implies(.enRoute) && ImpliedSignOff.implies(.feedback))
        #expect(ImpliedSignOff.implies(.closed) && !ImpliedSignOff.implies(.handover) && !ImpliedSignOff.implies(.requestSupport))
    }

    @Test("pending items leave both terms; selfHandled is over closed incidents; dispute and accident on-site rates")
    func ratesOverDecidedItems() {
        let now = 1000.0
        let members: [KPIIncident] = [
            // Closed on scene; signed off in time.
            KPIIncident(
                id: "A", start: 0, category: "accidentMinor", firstFeedback: 300, closed: 600, outcome: "resolvedOnScene",
                units: [KPIUnit(unit: "U1", assigned: 10, signed: 50)]),
            // A casualty accident mediated, handed over.
            KPIIncident(
                id: "B", start: 0, category: "accidentCasualty", firstFeedback: 400, closed: 900, outcome: "mediated", handedOver: true,
                units: [KPIUnit(unit: "U2", assigned: 10, signed: 200)]),
            // A dispute resolved on scene, one mediated, one case opened.
            KPIIncident(id: "C", start: 0, category: "dispute", closed: 500, outcome: "resolvedOnScene"),
            KPIIncident(id: "D", start: 0, category: "dispute", closed: 500, outcome: "mediated"),
            KPIIncident(id: "E", start: 0, category: "dispute", closed: 500, outcome: "caseOpened"),
            // Open, assigned 20 s before now: its sign-off, feedback and close are all pending.
            KPIIncident(id: "F", start: 980, category: "criminal", units: [KPIUnit(unit: "U3", assigned: 980)]),
        ]
        let k = KPIs(members.map { ($0, $0.units) }, rules: .defaults, now: now)
        #expect(k.signOffOnTimeRate == Ratio(1, 2), "U3's sign-off is not due yet")
        #expect(k.firstFeedbackOnTimeRate == Ratio(2, 2), "C, D, E have no feedback but their 5 h are not over; F pending")
        #expect(k.closeOnTimeRate == Ratio(5, 5))
        #expect(k.selfHandledRate == Ratio(4, 5), "over the 5 closed incidents, B handed over")
        #expect(k.disputeResolutionRate == Ratio(2, 3))
        #expect(k.mediationSuccessRate == Ratio(1, 3))
        #expect(k.accidentOnSiteRate == Ratio(2, 2))
        #expect(k.minorAccidentOnSceneRate == Ratio(1, 1))
        // Once every deadline passed, the missing ones count as missed.
        let later = KPIs(members.map { ($0, $0.units) }, rules: .defaults, now: 100_000)
        #expect(later.signOffOnTimeRate == Ratio(1, 3))
        #expect(later.firstFeedbackOnTimeRate == Ratio(2, 6))
        #expect(later.closeOnTimeRate == Ratio(5, 6))
    }

    @Test("an arrival, en-route, feedback or close report is an implied sign-off")
    func impliedSignOff() async throws {
        let h = try Harness()
        let i = EventSource("intake")
        let d = EventSource("dispatch")
        try await h.deliver([
            i.event(Make.opened("A", .accidentMinor, at: 0)),
            d.event(Make.assigned("A", unit: "U1", officers: ["O1"], at: 10)),
            d.event(Make.field("A", unit: "U1", officers: ["O1"], .enRoute, at: 40)),
            d.event(Make.field("A", unit: "U1", officers: ["O1"], .arrived, at: 300)),
            i.event(Make.opened("B", .dispute, at: 0)),
            d.event(Make.assigned("B", unit: "U2", officers: ["O2"], at: 10)),
            d.event(Make.field("B", unit: "U2", officers: ["O2"], .closed, at: 60, outcome: .mediated, incidentClosed: true)),
        ])
        let day = Period.containing(t0, kind: .day, timeZone: Self.tz)
        let k = try #require(try h.read { try LedgerReads.kpiReport($0, level: .city, period: day, rules: .defaults) }.entries.first).kpis
        #expect(k.acceptanceRate == Ratio(2, 2))
        #expect(k.signOffOnTimeRate == Ratio(2, 2))
        #expect(try h.lines("O1").rule("signOff.onTime") != nil)
        #expect(try h.lines("O2").rule("signOff.onTime") != nil)
    }

    @Test("every KPI answer compares with the same period one year earlier")
    func yearOverYear() async throws {
        let day = Period.containing(t0, kind: .day, timeZone: Self.tz)
        let lastYear = day.yearEarlier(timeZone: Self.tz)
        #expect(lastYear.from == EventTime.date("2025-11-21T16:00:00.000Z"))
        #expect(lastYear.to == EventTime.date("2025-11-22T16:00:00.000Z"))
        let month = Period.containing(t0, kind: .month, timeZone: Self.tz).yearEarlier(timeZone: Self.tz)
        #expect(month.from == EventTime.date("2025-10-31T16:00:00.000Z") && month.to == EventTime.date("2025-11-30T16:00:00.000Z"))
        let week = Period.containing(t0, kind: .week, timeZone: Self.tz)
        #expect(week.yearEarlier(timeZone: Self.tz).from == week.from.addingTimeInterval(-364 * 86400))

        let h = try Harness()
        let i = EventSource("intake")
        let d = EventSource("dispatch")
        let yearAgo = -365.0 * 86400
        try await h.deliver([
            // A year ago: one incident, arrival after 500 s.
            i.event(Make.opened("Y", .dispute, at: yearAgo)),
            d.event(Make.assigned("Y", unit: "U1", officers: ["O1"], at: yearAgo + 10)),
            d.event(Make.field("Y", unit: "U1", officers: ["O1"], .arrived, at: yearAgo + 500)),
            // Today: two, arrival after 400 s on average.
            i.event(Make.opened("A", .dispute, at: 0)),
            d.event(Make.assigned("A", unit: "U1", officers: ["O1"], at: 10)),
            d.event(Make.field("A", unit: "U1", officers: ["O1"], .arrived, at: 300)),
            i.event(Make.opened("B", .dispute, at: 100)),
            d.event(Make.assigned("B", unit: "U2", officers: ["O2"], at: 110)),
            d.event(Make.field("B", unit: "U2", officers: ["O2"], .arrived, at: 600)),
        ])
        let report = try h.read { try LedgerReads.kpiReport($0, level: .city, period: day, rules: .defaults) }
        #expect(report.yearEarlier == lastYear)
        let e = try #require(report.entries.first)
        #expect(e.kpis.arrivalMeanSeconds == 400)
        #expect(e.yearOverYear["arrivalMeanSeconds"] == KPIChange(previous: 500, delta: -100, relative: -0.2))
        #expect(e.yearOverYear["workload"] == KPIChange(previous: 1, delta: 1, relative: 1))
        #expect(e.change["workload"] == KPIChange(previous: 0, delta: 2, relative: nil))
    }

    @Test("period=all reports the span of the data, not year 5138 back to −1199")
    func allTime() async throws {
        let h = try Harness()
        let i = EventSource("intake")
        try await h.deliver([i.event(Make.opened("A", .dispute, at: -3600)), i.event(Make.opened("B", .dispute, at: 7200))])
        let all = try await h.queries.kpis(.init(period: .all), rules: .defaults)
        #expect(all.period.from == at(-3600))
        #expect(all.period.to == at(7201))
        #expect(all.previous.from == all.period.from && all.previous.to == all.period.from, "nothing before all time")
        #expect(all.yearEarlier.to == all.yearEarlier.from)
        #expect(all.entries.first?.kpis.workload == 2)
        let empty = Period.all(earliest: nil, latest: nil)
        #expect(empty.from == empty.to)
    }

    @Test("a KPI with no data is null in the answer, never left out")
    func nullsAreWritten() throws {
        let k = KPIs([], rules: .defaults)
        let report = KPIReport(
            level: .city, key: RoutingKey.city, period: .all(earliest: t0, latest: t0),
            previous: .all(earliest: t0, latest: t0).previous(timeZone: Self.tz),
            now: [], before: [], rules: .defaults)
        let json = String(decoding: try JSONCodec.encoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"arrivalMeanSeconds\":null"))
        #expect(json.contains("\"arrivalP90Seconds\":null"))
        #expect(json.contains("\"disputeResolutionRate\":{\"value\":null") || json.contains("\"value\":null"))
        #expect(k.arrivalMeanSeconds == nil)
        let back = try JSONCodec.decoder().decode(KPIReport.self, from: Data(json.utf8))
        #expect(back == report)
        // Every KPI of `figures` is a key of the encoded KPIs.
        let object = try JSONSerialization.jsonObject(with: JSONCodec.encoder().encode(k)) as! [String: Any]
        #expect(Set(object.keys) == Set(k.figures.keys))
    }
}

extension KPIMeaningTests {
    @Test("a sign-off award for an implied sign-off cites the report that implied it")
    func impliedSignOffIsCited() async throws {
        let h = try Harness()
        let i = EventSource("intake")
        let d = EventSource("dispatch")
        let assigned = d.event(Make.assigned("A", unit: "U1", officers: ["O1"], at: 10))
        let arrived = d.event(Make.field("A", unit: "U1", officers: ["O1"], .arrived, at: 60))
        try await h.deliver([i.event(Make.opened("A", .accidentMinor, at: 0)), assigned, arrived])
        let line = try #require(try h.lines("O1").rule("signOff.onTime"))
        #expect(line.earnedBy.contains { $0.hasSuffix(":\(arrived.header.seq)") }, "\(line.earnedBy)")
        #expect(line.at == at(60))
    }
}
