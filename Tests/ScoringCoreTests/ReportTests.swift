import EventStore
import Foundation
import GRDB
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

/// Points 6 and 7 of issue #6: monthly awards, hotspot reports and the patrol plan.
@Suite struct ReportTests {
    static let tz = ScoringRules.defaults.timeZone

    /// Incidents at local hours (t0 is 08:00 local): grid G1 (S1) at 08:xx ×3 dispute, 09:xx ×1;
    /// grid G2 (S1) at 20:xx ×2 publicOrder; grid G5 (S2) 08:xx ×1 accidentMinor. The day before: G1 08:xx ×1 dispute.
    static func city(_ h: Harness) async throws {
        let i = EventSource("intake")
        let d = EventSource("dispatch")
        var events: [Envelope] = []
        func incident(
            _ id: String, _ c: Category, _ t: Double, grid: String, station: String, unit: String, officers: [String], callTaker: String,
            signAfter: Double = 30
        ) {
            events.append(i.event(Make.opened(id, c, at: t, callTaker: callTaker, grid: grid, station: station)))
            let kind: UnitKind = c == .accidentMinor ? .accidentDivision : .patrolCar
            events.append(d.event(Make.assigned(id, unit: unit, officers: officers, at: t + 30, kind: kind, station: station, grid: grid)))
            events.append(d.event(Make.field(id, unit: unit, officers: officers, .signedOff, at: t + 30 + signAfter)))
        }
        incident("Y1", .dispute, -86400 + 100, grid: "G1", station: "S1", unit: "U1", officers: ["O1"], callTaker: "CT01")
        incident("H1", .dispute, 100, grid: "G1", station: "S1", unit: "U1", officers: ["O1"], callTaker: "CT01")
        incident("H2", .dispute, 200, grid: "G1", station: "S1", unit: "U1", officers: ["O1"], callTaker: "CT01")
        incident("H3", .dispute, 300, grid: "G1", station: "S1", unit: "U2", officers: ["O2"], callTaker: "CT02")
        incident("H4", .dispute, 3700, grid: "G1", station: "S1", unit: "U2", officers: ["O2"], callTaker: "CT02")
        incident("H5", .publicOrder, 12 * 3600 + 60, grid: "G2", station: "S1", unit: "U3", officers: ["O3"], callTaker: "CT02", signAfter: 200)
        incident("H6", .publicOrder, 12 * 3600 + 120, grid: "G2", station: "S1", unit: "U3", officers: ["O3"], callTaker: "CT03")
        incident("H7", .accidentMinor, 400, grid: "G5", station: "S2", unit: "T1", officers: ["T9"], callTaker: "CT03")
        // Sorted per source by time, as the sources publish them.
        let intake = events.filter { $0.header.source == "intake" }
        let dispatch = events.filter { $0.header.source == "dispatch" }
        try await h.deliver(intake)
        try await h.deliver(dispatch)
    }

    static var theDay: Period { Period.containing(t0, kind: .day, timeZone: tz) }

    @Test func hotspotsByGridHourAndCategoryWithTrendAndPatrolPlan() async throws {
        let h = try Harness()
        try await Self.city(h)
        let r = try h.read { try LedgerReads.hotspots($0, period: Self.theDay, timeZone: Self.tz, top: 3) }
        #expect(r.incidents == 7)
        #expect(
            r.top.map { "\($0.gridId)@\($0.hour):\($0.category)=\($0.count)(\($0.trend))" } == [
                "G1@8:dispute=3(2)", "G2@20:publicOrder=2(2)", "G1@9:dispute=1(1)",
            ])
        // The previous day's cell is listed with count 0.
        #expect(r.cells.contains { $0.gridId == "G1" && $0.hour == 8 && $0.previous == 1 })
        #expect(r.patrolPlan.map(\.stationId) == ["S1"])
        #expect(
            r.patrolPlan[0].slots == [PatrolSlot(gridId: "G1", hours: [8, 9], incidents: 4), PatrolSlot(gridId: "G2", hours: [20], incidents: 2)])
        let csv = r.csv
        #expect(csv.hasPrefix("section,gridId,stationId,hour,category,count,previous,trend,top\n"))
        #expect(csv.contains("cell,G1,S1,8,dispute,3,1,2,1\n"))
        #expect(csv.contains("patrol,G1,S1,8 9,,4,,,\n"))
    }

    @Test func monthlyAwardsFollowTheDocumentedCriteria() async throws {
        let h = try Harness()
        try await Self.city(h)
        let month = Period.containing(t0, kind: .month, timeZone: Self.tz)
        var a = try h.read { try LedgerReads.monthlyAwards($0, period: month) }
        // O1: 3 disputes × (2 + 0.5) = 7.5; O2: 2 × 2.5 = 5; O3: 2 + 0.5 + 2 − 1 = 3.5; T9: 2.5.
        #expect(a.starOfTheMonth?.id == "O1")
        #expect(a.starOfTheMonth?.score == 7.5)
        #expect(a.excellentTrafficManagers.map(\.id) == ["T9"])
        // Call-takers: CT01 3 taken, all dispatched in 30 s: 6; CT02 3 + 3 = 6; CT03 2 + 2 = 4. Ties by id.
        #expect(a.excellentCallTakers.map(\.id) == ["CT01", "CT02", "CT03"])
        #expect(a.excellentCallTakers.map(\.score) == [6, 6, 4])
        // An upheld complaint bars the star and costs the call-taker 5.
        _ = try await h.engine.submit(.complaint(.init(complaintId: "K1", incidentId: "H1", status: .upheld, officerIds: ["O1"], at: at(5000))))
        a = try h.read { try LedgerReads.monthlyAwards($0, period: month) }
        #expect(a.starOfTheMonth?.id == "O2")
        #expect(a.excellentCallTakers.map(\.id) == ["CT02", "CT03", "CT01"])
    }

    @Test func reportsArePublishedOnceWhenThePeriodEndsInEventTime() async throws {
        let h = try Harness()
        try await Self.city(h)
        h.clock.set(at(16 * 3600 + 60))  // 00:01 the next local day
        guard case .reports(let first) = try await h.engine.submit(.publishReports) else {
            Issue.record("no reports")
            return
        }
        let day = try #require(first.first { $0.period == "day" })
        #expect(day.from == Self.theDay.from)
        #expect(day.incidents == 7)
        #expect(day.top.first?.gridId == "G1")
        guard case .reports(let again) = try await h.engine.submit(.publishReports) else {
            Issue.record("no reports")
            return
        }
        #expect(again.isEmpty)
        // (The engine's own tick may also have published the day before t0's.)
        let days = try h.store.replay(after: 0, limit: 10_000).events.filter { String(decoding: $0.topic, as: UTF8.self) == "report.day" }
            .map { try JSONCodec.decoder().decode(ReportPublished.self, from: Data($0.payload)) }
        #expect(days.filter { $0.from == Self.theDay.from }.count == 1)
    }

    @Test func kpisAndReportsCarryTheDaysHandoffs() async throws {
        let h = try Harness()
        try await Self.city(h)
        // On the day (08:00 local is t0): two diversions to 市城管局, one accepted and resolved, one returned;
        // a support request to cid answered within its limit.
        let liaison = EventSource("liaison")
        func change(_ callId: String, _ t: HandoffChanged.Transition, after: Double) -> Envelope {
            liaison.event(
                HandoffChanged(
                    callId: callId, transition: t, department: "市城管局", matter: "路灯", by: "p", regionId: "R1", receivedAt: at(200),
                    at: at(200 + after)))
        }
        func support(_ t: SupportChanged.Transition, after: Double) -> Envelope {
            liaison.event(
                SupportChanged(
                    requestId: "SR1", transition: t, departmentId: "cid", kind: "investigation", incidentId: "H1", caseId: nil, requestedBy: "S1",
                    need: "n", by: "cid", acknowledgeBy: at(800), answerBy: at(3800), requestedAt: at(200), at: at(200 + after)))
        }
        try await h.deliver([
            change("C1", .delivered, after: 0), change("C1", .accepted, after: 30), change("C1", .resolved, after: 900),
            change("C2", .delivered, after: 0), change("C2", .returned, after: 90),
            support(.requested, after: 0), support(.acknowledged, after: 300), support(.answered, after: 1800),
        ])

        // GET /v1/kpis: a `handoffs` section over the report's period, whatever the level.
        for level in [Level.city, .station] {
            let report = try await h.queries.kpis(.init(level: level, period: .day, date: "2026-11-22"), rules: .defaults)
            let handoffs = try #require(report.handoffs, "level \(level)")
            let all = try #require(handoffs.diversions.first)
            #expect(all.department == "all" && all.diversions == 2 && all.acceptedShare == Ratio(1, 2) && all.returnedShare == Ratio(1, 2))
            #expect(all.resolvedShare == Ratio(1, 2))
            let cid = try #require(handoffs.support.first { $0.departmentId == "cid" })
            #expect(cid.answeredOnTimeRate == Ratio(1, 1) && cid.acknowledgedOnTimeRate == Ratio(1, 1) && cid.answerTimeOfLimit == 0.5)
        }
        // The day before had none.
        let before = try await h.queries.kpis(.init(period: .day, date: "2026-11-21"), rules: .defaults)
        #expect(before.handoffs?.diversions.first?.diversions == 0 && before.handoffs?.summary == nil)

        // The published day report carries the summary; the encoded event has it as `handoffs`.
        h.clock.set(at(16 * 3600 + 60))  // 00:01 the next local day
        guard case .reports(let reports) = try await h.engine.submit(.publishReports) else {
            Issue.record("no reports")
            return
        }
        let day = try #require(reports.first { $0.period == "day" })
        let summary = try #require(day.handoffs)
        #expect(summary.diversions.map(\.department) == ["all", "市城管局"])
        #expect(summary.diversions[0].acceptedShare == 0.5 && summary.diversions[0].returnedShare == 0.5 && summary.diversions[0].resolvedShare == 0.5)
        #expect(summary.departments.map(\.departmentId) == ["all", "cid"])
        #expect(summary.departments[1].answeredOnTimeRate == 1 && summary.departments[1].requests == 1 && summary.departments[1].escalations == 0)
        let published = try h.store.replay(after: 0, limit: 10_000).events.filter { String(decoding: $0.topic, as: UTF8.self) == "report.day" }
            .map { try JSONCodec.decoder().decode(ReportPublished.self, from: Data($0.payload)) }
        #expect(published.first { $0.from == Self.theDay.from }?.handoffs == summary)
        #expect(published.filter { $0.from != Self.theDay.from }.allSatisfy { $0.handoffs == nil }, "a day without hand-offs carries none")
    }
}
