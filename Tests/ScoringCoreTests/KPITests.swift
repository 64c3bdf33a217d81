import EventStore
import Foundation
import GRDB
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

/// Points 3, 4 and 5 of issue #6 on one hand-computed day (docs/scoring.md, "KPIs", has the formulas).
///
/// The city day 2026-11-22 (UTC+8) runs from t0 − 8 h to t0 + 16 h. Incidents (station S1, post P1,
/// region R1 unless noted; times in seconds from t0):
///
/// | id | category | received | units (officers): assigned / signed / arrived / feedback / closed | outcome |
/// |---|---|---|---|---|
/// | A | accidentMinor | 0 | U1 patrolCar (O1): 60 / 100 / 400 / 1000 / 2000 | resolvedOnScene |
/// | B | accidentMinor | 100 | U2 accidentDivision (O2): 200 / 400 / 1300 / 20000 / 30000 | caseOpened |
/// | C | dispute | 200 | U1 (O1): 260 / 300 / 500, handover 600; U3 (O3): 700 / 720 / 900 / 1200 / 5000 | mediated |
/// | D | dispute (S2, no post) | 300 | U3 (O3): 400 / — | open |
/// | E | criminal | 50000 | U1 (O1): 50100 / 50150 / 50700 / — / 51000 | caseOpened |
/// | F | accidentMinor, the day before | −40000 | U1 (O1): −39900 / −39850 / −39000 / — / −38000 | resolvedOnScene |
///
/// Complaints: A upheld (no officer named: all of A's officers), C pending. Call-backs: A satisfied, C not.
@Suite struct KPITests {
    static func day(_ h: Harness) async throws {
        let i = EventSource("intake")
        let d = EventSource("dispatch")
        func unit(
            _ id: String, _ u: String, _ o: [String], _ times: [Double?], kind: UnitKind = .patrolCar, outcome: Outcome? = nil,
            handoverAt: Double? = nil, station: String = "S1", post: String? = "P1", role: String? = "primary"
        ) -> [Envelope] {
            var e = [d.event(Make.assigned(id, unit: u, officers: o, at: times[0]!, kind: kind, station: station, post: post, role: role))]
            if let t = times[1] { e.append(d.event(Make.field(id, unit: u, officers: o, .signedOff, at: t))) }
            if let t = times[2] { e.append(d.event(Make.field(id, unit: u, officers: o, .arrived, at: t))) }
            if let t = handoverAt {
                e.append(d.event(Make.field(id, unit: u, officers: o, .handover, at: t, handover: Handover(kind: .onScene, toUnitId: "U3"))))
            }
            if let t = times[3] { e.append(d.event(Make.field(id, unit: u, officers: o, .feedback, at: t))) }
            if let t = times[4] { e.append(d.event(Make.field(id, unit: u, officers: o, .closed, at: t, outcome: outcome, incidentClosed: true))) }
            return e
        }
        var events: [Envelope] = []
        events.append(i.event(Make.opened("F", .accidentMinor, at: -40000)))
        events += unit("F", "U1", ["O1"], [-39900, -39850, -39000, nil, -38000], outcome: .resolvedOnScene)
        events.append(i.event(Make.opened("A", .accidentMinor, at: 0)))
        events += unit("A", "U1", ["O1"], [60, 100, 400, 1000, 2000], outcome: .resolvedOnScene)
        events.append(i.event(Make.opened("B", .accidentMinor, at: 100)))
        events += unit("B", "U2", ["O2"], [200, 400, 1300, 20000, 30000], kind: .accidentDivision, outcome: .caseOpened)
        events.append(i.event(Make.opened("C", .dispute, at: 200)))
        events += unit("C", "U1", ["O1"], [260, 300, 500, nil, nil], handoverAt: 600)
        events += unit("C", "U3", ["O3"], [700, 720, 900, 1200, 5000], outcome: .mediated, role: "handover")
        events.append(i.event(Make.opened("D", .dispute, at: 300, station: "S2", post: nil)))
        events += unit("D", "U3", ["O3"], [400, nil, nil, nil, nil], station: "S2", post: nil)
        events.append(i.event(Make.opened("E", .criminal, at: 50000)))
        events += unit("E", "U1", ["O1"], [50100, 50150, 50700, nil, 51000], outcome: .caseOpened)
        try await h.deliver(events)
        _ = try await h.engine.submit(.complaint(.init(complaintId: "K1", incidentId: "A", status: .upheld, at: at(3000))))
        _ = try await h.engine.submit(.complaint(.init(complaintId: "K2", incidentId: "C", at: at(6000))))
        _ = try await h.engine.submit(.callback(.init(callbackId: "B1", incidentId: "A", satisfied: true, at: at(4000))))
        _ = try await h.engine.submit(.callback(.init(callbackId: "B2", incidentId: "C", satisfied: false, at: at(7000))))
    }

    static let tz = ScoringRules.defaults.timeZone
    static var theDay: Period { Period.containing(t0, kind: .day, timeZone: tz) }

    func report(_ h: Harness, _ level: Level, key: String? = nil) throws -> KPIReport {
        try h.read { try LedgerReads.kpiReport($0, level: level, key: key, period: Self.theDay, rules: .defaults) }
    }

    @Test func theDayIsTheCityCalendarDay() {
        let p = Self.theDay
        #expect(p.from == at(-8 * 3600))
        #expect(p.to == at(16 * 3600))
        #expect(p.previous(timeZone: Self.tz).from == at(-32 * 3600))
        let w = Period.containing(t0, kind: .week, timeZone: Self.tz)  // 2026-11-22 is a Sunday: the week began Monday the 16th
        #expect(w.from == at(-6 * 86400 - 8 * 3600))
        #expect(w.to.timeIntervalSince(w.from) == 7 * 86400)
        let m = Period.containing(t0, kind: .month, timeZone: Self.tz)
        #expect(m.from == EventTime.date("2026-10-31T16:00:00.000Z"))
        #expect(m.to == EventTime.date("2026-11-30T16:00:00.000Z"))
    }

    @Test func cityKPIsMatchTheHandComputedFigures() async throws {
        let h = try Harness()
        try await Self.day(h)
        let k = try #require(try report(h, .city).entries.first).kpis
        #expect(k.workload == 5)
        #expect(k.acceptanceRate == .init(5, 6))
        #expect(k.signOffOnTimeRate == .init(4, 6))
        // Over closed incidents (D is open): A, B, E handled by the unit sent; C handed over.
        #expect(k.selfHandledRate == .init(3, 4))
        // Scoring's event time is E's close (t0 + 51000): E's feedback (due t0 + 68000) and D's
        // close (due t0 + 79500) are still pending and count in neither term; D's feedback missed.
        #expect(k.firstFeedbackOnTimeRate == .init(2, 4))
        #expect(k.closeOnTimeRate == .init(4, 4))
        #expect(k.arrivalMeanSeconds == 650)  // (400 + 1200 + 300 + 700) / 4
        #expect(k.arrivalP90Seconds == 1200)
        #expect(k.minorAccidentOnSceneRate == .init(1, 2))
        #expect(k.mediationSuccessRate == .init(1, 1))
        #expect(k.disputeResolutionRate == .init(1, 1))  // C mediated; D is open
        #expect(k.accidentOnSiteRate == .init(1, 2))  // A resolved on scene, B case opened
        #expect(k.stationAccidentShare == .init(1, 2))
        #expect(k.complaintRate == .init(2, 5))
        #expect(k.upheldComplaintRate == .init(1, 5))
        #expect(k.satisfactionRate == .init(1, 2))
    }

    @Test func changeAgainstThePreviousDay() async throws {
        let h = try Harness()
        try await Self.day(h)
        let e = try #require(try report(h, .city).entries.first)
        #expect(e.change["workload"] == .init(previous: 1, delta: 4, relative: 4))
        #expect(e.change["minorAccidentOnSceneRate"] == .init(previous: 1, delta: -0.5, relative: -0.5))
        #expect(e.change["mediationSuccessRate"] == .init(previous: nil, delta: nil, relative: nil))
    }

    @Test func unitOfficerStationAndPostKPIs() async throws {
        let h = try Harness()
        try await Self.day(h)
        let u1 = try #require(try report(h, .unit, key: "U1").entries.first).kpis
        #expect(u1.workload == 3)
        #expect(u1.acceptanceRate == .init(3, 3))
        #expect(u1.signOffOnTimeRate == .init(3, 3))
        #expect(u1.selfHandledRate == .init(2, 3))
        #expect(u1.arrivalMeanSeconds == 1400.0 / 3)  // A 400, C 300, E 700
        #expect(u1.arrivalP90Seconds == 700)
        let o3 = try #require(try report(h, .officer, key: "O3").entries.first).kpis
        #expect(o3.workload == 2)
        #expect(o3.acceptanceRate == .init(1, 2))
        #expect(o3.arrivalMeanSeconds == 700)
        let s2 = try #require(try report(h, .station, key: "S2").entries.first).kpis
        #expect(s2.workload == 1)
        #expect(s2.closeOnTimeRate == .init(0, 0), "D's close is not due yet: pending, not missed")
        #expect(s2.closeOnTimeRate.value == nil)
        #expect(try report(h, .post, key: "P1").entries.first?.kpis.workload == 4)
        #expect(try report(h, .region, key: "R1").entries.first?.kpis.workload == 5)
        #expect(try report(h, .station).entries.map(\.key) == ["S1", "S2"])
    }

    @Test func intervalsPerCategoryAreMedianAndP90() async throws {
        let h = try Harness()
        try await Self.day(h)
        let entries = try h.read { try LedgerReads.intervals($0, period: Self.theDay, byUnit: false) }
        let minor = try #require(entries.first { $0.category == "accidentMinor" })
        #expect(minor.callToDispatch.medianSeconds == 60 && minor.callToDispatch.p90Seconds == 100)
        #expect(minor.dispatchToSignOff.medianSeconds == 40 && minor.dispatchToSignOff.p90Seconds == 200)
        #expect(minor.travel.medianSeconds == 300 && minor.travel.p90Seconds == 900)
        #expect(minor.onScene.medianSeconds == 1600 && minor.onScene.p90Seconds == 28700)
        #expect(minor.total.medianSeconds == 2000 && minor.total.p90Seconds == 29900)
        let byUnit = try h.read { try LedgerReads.intervals($0, period: Self.theDay, byUnit: true) }
        #expect(byUnit.first { $0.category == "dispute" && $0.unitId == "U3" }?.dispatchToSignOff.count == 1)
    }

    @Test func percentileIsNearestRank() {
        #expect(percentile([5, 1, 4, 2, 3], 0.5) == 3)
        #expect(percentile([1, 2, 3, 4], 0.5) == 2)
        #expect(percentile(Array(1...10).map(Double.init), 0.9) == 9)
        #expect(percentile([], 0.9) == nil)
    }

    @Test func rankingsByPeriodAndLevel() async throws {
        let h = try Harness()
        try await Self.day(h)
        let officers = try h.read { try LedgerReads.rankings($0, level: .officer, period: Self.theDay) }
        // O1: A 6.5 − 5 (upheld complaint) + C 3.5 + E 7 = 12; F (the day before) does not count.
        #expect(officers.first { $0.key == "O1" }?.points == 12)
        #expect(officers.map(\.rank) == officers.indices.map { i in officers[..<i].filter { o in o.points > officers[i].points }.count + 1 })
        #expect(officers.map(\.points) == officers.map(\.points).sorted(by: >))
        let all = try h.read { try LedgerReads.rankings($0, level: .officer, period: .everything) }
        #expect(all.first { $0.key == "O1" }?.points == 18.0)  // 12 + F: 2 + 0.5 + 1 + 0.5 + 2
        let stations = try h.read { try LedgerReads.rankings($0, level: .station, period: Self.theDay) }
        #expect(Set(stations.map(\.key)) == ["S1", "S2"])
        let s1 = try h.read { try LedgerReads.officerPoints($0, officerId: "O1", period: Self.theDay) }
        #expect(stations.first { $0.key == "S1" }!.points >= s1.total)
        for level in [Level.unit, .post, .region] {
            let r = try h.read { try LedgerReads.rankings($0, level: level, period: Self.theDay) }
            #expect(!r.isEmpty, "no \(level) ranking")
        }
    }

    @Test func complaintsNeedAKnownIncidentAndUpholdingOneDeducts() async throws {
        let h = try Harness()
        try await Self.day(h)
        let refusal = await #expect(throws: ScoringRefusal.self) {
            _ = try await h.engine.submit(.complaint(.init(complaintId: "K9", incidentId: "nope")))
        }
        #expect(refusal?.status == 404 && refusal?.code == "not-found" && refusal?.field == "incidentId")
        #expect(try h.lines("O3").contains { $0.rule == "complaint.upheld" } == false)
        _ = try await h.engine.submit(.complaint(.init(complaintId: "K2", incidentId: "C", status: .upheld, officerIds: ["O3"], at: at(6000))))
        #expect(try h.lines("O3").first { $0.rule == "complaint.upheld" }?.points == -5)
        #expect(try h.lines("O1").filter { $0.incidentId == "C" && $0.rule == "complaint.upheld" }.isEmpty)
        _ = try await h.engine.submit(.complaint(.init(complaintId: "K2", incidentId: "C", status: .dismissed, officerIds: ["O3"], at: at(6000))))
        #expect(try h.lines("O3").contains { $0.rule == "complaint.upheld" } == false)
        let list = try await h.queries.complaints(.init(incident: "C"))
        #expect(list.complaints.map(\.status) == [.dismissed])
        #expect(list.callbacks.map(\.satisfied) == [false])
    }
}
