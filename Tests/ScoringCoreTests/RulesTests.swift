import Foundation
import Model
@testable import ScoringCore
import Testing
import Wire

// The pure rules of Rules/, without a database: values in, figures out.

/// Facts as the fact log hands them to derivation.
enum Facts {
    static func fact<P: EventPayload>(_ id: String, _ payload: P) -> Fact {
        Fact(id: id, type: P.type, at: payload.eventTime, payload: try! JSONCodec.encoder().encode(payload))
    }

    /// A dispute: opened, one unit assigned at 20 s, signed off at 50 s, arrived at 300 s, closed mediated.
    static let dispute: [Fact] = [
        fact("f0", Make.opened("I1", .dispute, at: 0)),
        fact("f1", Make.assigned("I1", unit: "U1", officers: ["O1", "O2"], at: 20)),
        fact("f2", Make.field("I1", unit: "U1", officers: ["O1", "O2"], .signedOff, at: 50)),
        fact("f3", Make.field("I1", unit: "U1", officers: ["O1", "O2"], .arrived, at: 300)),
        fact("f4", Make.field("I1", unit: "U1", officers: ["O1", "O2"], .feedback, at: 600)),
        fact("f5", Make.field("I1", unit: "U1", officers: ["O1", "O2"], .closed, at: 3600, outcome: .mediated, incidentClosed: true)),
    ]

    static func derive(_ facts: [Fact], rules: ScoringRules = .defaults) -> (IncidentRecord, [Award]) {
        Derivation.derive(incidentId: "I1", facts: facts, rules: rules, decoder: JSONCodec.decoder(), promise: { _ in nil })
    }
}

@Suite struct DerivationRulesTests {
    @Test func awardsFollowTheRuleTable() {
        let (incident, awards) = Facts.derive(Facts.dispute)
        let o1 = Dictionary(uniqueKeysWithValues: awards.filter { $0.officerId == "O1" }.map { ($0.rule, $0.points) })
        #expect(
            o1 == [
                "dispatched": 2, "signOff.onTime": 0.5, "arrival.onTime": 1, "feedback.onTime": 0.5, "close.onTime": 0.5,
                "closed.mediated": 2,
            ])
        #expect(incident.category == .dispute)
        #expect(incident.firstSignedAt == at(50))
        #expect(incident.closedAt == at(3600) && incident.outcome == .mediated)
    }

    @Test func theOrderOfTheFactsDoesNotMatter() {
        let forward = Facts.derive(Facts.dispute)
        let backward = Facts.derive(Facts.dispute.reversed())
        #expect(forward.0 == backward.0)
        #expect(forward.1 == backward.1)
    }

    @Test func aLateSignOffDeductsAndABreachWinsOverTheReport() {
        var late = Facts.dispute
        late[2] = Facts.fact("f2", Make.field("I1", unit: "U1", officers: ["O1", "O2"], .signedOff, at: 200))
        #expect(Facts.derive(late).1.first { $0.officerId == "O1" && $0.rule.hasPrefix("signOff") }?.rule == "signOff.breached")
        let breached = Facts.dispute + [Facts.fact("f9", Make.breached("I1", .signOff, unit: "U1", officers: ["O1", "O2"], at: 110))]
        let line = Facts.derive(breached).1.first { $0.officerId == "O1" && $0.rule.hasPrefix("signOff") }
        #expect(line?.rule == "signOff.breached" && line?.points == -1 && line?.earnedBy == ["f1", "f9"])
    }

    @Test func aChangedTableChangesThePoints() {
        var rules = ScoringRules.defaults
        rules.basePoints["dispute"] = 7
        #expect(Facts.derive(Facts.dispute, rules: rules).1.first { $0.officerId == "O2" && $0.rule == "dispatched" }?.points == 7)
    }
}

@Suite struct LedgerChangeTests {
    static func stored(_ awards: [Award], _ incident: IncidentRecord, version: String = "default-1") -> [LedgerEntry] {
        LedgerChange(incident: incident, awards: awards, stored: [], rulesVersion: version).writes
    }

    @Test func anUnchangedIncidentWritesAndPublishesNothing() {
        let (incident, awards) = Facts.derive(Facts.dispute)
        let first = LedgerChange(incident: incident, awards: awards, stored: [], rulesVersion: "default-1")
        #expect(first.added == awards.count && first.lines.count == awards.count && first.event?.lines == first.lines)
        let again = LedgerChange(incident: incident, awards: awards, stored: first.writes, rulesVersion: "default-1")
        #expect(again.writes.isEmpty && again.lines.isEmpty && again.event == nil && again.withdrawals.isEmpty)
    }

    @Test func changedPointsArePublishedWithThePreviousAndAVanishedAwardIsWithdrawn() throws {
        let (incident, awards) = Facts.derive(Facts.dispute)
        let before = Self.stored(awards, incident)
        var changed = awards.filter { $0.rule != "closed.mediated" }
        let i = try #require(changed.firstIndex { $0.officerId == "O1" && $0.rule == "dispatched" })
        changed[i].points = 5
        let change = LedgerChange(incident: incident, awards: changed, stored: before, rulesVersion: "default-1")
        #expect(change.changed == 1 && change.added == 0)
        #expect(change.writes.map(\.revision) == [2])
        let raised = try #require(change.lines.first { !($0.withdrawn ?? false) })
        #expect(raised.points == 5 && raised.previousPoints == 2 && raised.revision == 2)
        #expect(Set(change.withdrawals) == ["I1:O1:closed.mediated", "I1:O2:closed.mediated"])
        #expect(change.lines.filter { $0.withdrawn == true }.allSatisfy { $0.points == 0 && $0.previousPoints == 2 })
    }

    @Test func aNewRuleVersionRewritesSilently() {
        let (incident, awards) = Facts.derive(Facts.dispute)
        let change = LedgerChange(incident: incident, awards: awards, stored: Self.stored(awards, incident), rulesVersion: "v2")
        #expect(change.changed == awards.count)
        #expect(change.event == nil, "only a change of points is news on the bus")
    }
}

@Suite struct FigureRulesTests {
    @Test func equalPointsShareARank() {
        let totals = [
            RankingTotal(key: "a", points: 5, awards: 2, incidents: 1), RankingTotal(key: "b", points: 5, awards: 1, incidents: 1),
            RankingTotal(key: "c", points: 1.23456, awards: 1, incidents: 1),
        ]
        let ranked = RankingEntry.ranked(totals)
        #expect(ranked.map(\.rank) == [1, 1, 3])
        #expect(ranked.last?.points == 1.235)
    }

    @Test func kpisCountTimedRatesOverWhatHappened() {
        let a = KPIIncident(
            id: "A", start: 0, category: "accidentMinor", station: "S1", closed: 3600, outcome: "resolvedOnScene", stationUnits: 1,
            units: [KPIUnit(unit: "U1", officers: ["O1"], assigned: 10, signed: 40, arrived: 300)])
        let b = KPIIncident(
            id: "B", start: 0, category: "dispute", station: "S1", handedOver: true,
            units: [KPIUnit(unit: "U2", officers: ["O2"], assigned: 10, signed: 200)])
        let report = KPIReport(level: .station, period: .everything, previous: .everything, now: [a, b], before: [a], rules: .defaults)
        let kpis = try! #require(report.entries.first?.kpis)
        #expect(kpis.workload == 2)
        #expect(kpis.acceptanceRate == Ratio(2, 2))
        #expect(kpis.signOffOnTimeRate == Ratio(1, 2))
        #expect(kpis.selfHandledRate == Ratio(1, 1), "over closed incidents: B is open")
        #expect(kpis.minorAccidentOnSceneRate == Ratio(1, 1))
        #expect(kpis.mediationSuccessRate.value == nil, "no closed dispute: no rate")
        #expect(kpis.arrivalMeanSeconds == 300)
        #expect(report.entries.first?.change["workload"]?.delta == 1)
        #expect(report.entries.first?.change["workload"]?.relative == 1)
    }

    @Test func percentilesAreNearestRank() {
        #expect(percentile([], 0.5) == nil)
        #expect(percentile([4, 1, 3, 2], 0.5) == 2)
        #expect(percentile(Array(1...10).map(Double.init), 0.9) == 9)
    }

    @Test func intervalsSplitByCategoryOrUnit() {
        let inc = KPIIncident(
            id: "A", start: 0, category: "dispute", firstAssigned: 20, closed: 1000,
            units: [KPIUnit(unit: "U1", assigned: 20, signed: 50, arrived: 300, closed: 900)])
        let byCategory = IntervalEntry.report([inc], byUnit: false)
        #expect(byCategory.map(\.category) == ["dispute"])
        #expect(byCategory.first?.travel.medianSeconds == 250)
        #expect(byCategory.first?.onScene.medianSeconds == 600)
        #expect(IntervalEntry.report([inc], byUnit: true).first?.unitId == "U1")
    }

    @Test func hotspotsBucketByGridLocalHourAndCategory() {
        let tz = ScoringRules.defaults.timeZone
        let day = Period.containing(t0, kind: .day, timeZone: tz)
        let start = t0.timeIntervalSince1970  // 08:00 local
        let now = [
            HotspotIncident(gridId: "G1", stationId: "S1", start: start, category: "dispute"),
            HotspotIncident(gridId: "G1", stationId: "S1", start: start + 600, category: "dispute"),
            HotspotIncident(gridId: "G2", stationId: "S1", start: start + 3600, category: nil),
        ]
        let before = [HotspotIncident(gridId: "G2", stationId: "S1", start: start - 86400 + 3600, category: nil)]
        let r = HotspotReport(period: day, previous: day.previous(timeZone: tz), now: now, before: before, timeZone: tz)
        #expect(r.incidents == 3)
        #expect(r.top.first == HotspotCell(gridId: "G1", stationId: "S1", hour: 8, category: "dispute", count: 2, previous: 0, trend: 2))
        #expect(r.cells.first { $0.gridId == "G2" }?.trend == 0)
        #expect(
            r.patrolPlan == [
                StationPatrolPlan(
                    stationId: "S1",
                    slots: [
                        PatrolSlot(gridId: "G1", hours: [8], incidents: 2),
                        PatrolSlot(gridId: "G2", hours: [9], incidents: 1),
                    ])
            ])
        #expect(r.csv.split(separator: "\n").last == "patrol,G2,S1,9,,1,,,")
    }

    @Test func monthlyAwardsExcludeUpheldComplaints() {
        let officers = [AwardTally(id: "O1", score: 50, detail: [:]), AwardTally(id: "O2", score: 40, detail: [:])]
        let takers = [
            MonthlyAwards.callTakerTally(id: "CT1", taken: 10, fast: 8, upheld: 1),
            MonthlyAwards.callTakerTally(id: "CT2", taken: 12, fast: 0, upheld: 0),
        ]
        let a = MonthlyAwards(period: .everything, officers: officers, accidents: officers, callTakers: takers, excluded: ["O1"])
        #expect(a.starOfTheMonth?.id == "O2")
        #expect(a.excellentTrafficManagers.map(\.id) == ["O2"])
        #expect(a.excellentCallTakers.map(\.id) == ["CT1", "CT2"])
        #expect(a.excellentCallTakers.first?.score == 13)
    }
}

@Suite struct PeriodSelectionTests {
    let tz = ScoringRules.defaults.timeZone

    @Test func aDayDefaultsToTheLatestEventTimeNotTheWallClock() throws {
        let p = try PeriodSelection().resolve(default: .day, latestEvent: at(3600), timeZone: tz)
        #expect(p == Period.containing(t0, kind: .day, timeZone: tz))
    }

    @Test func fromImpliesARangeAndADateNamesTheLocalDay() throws {
        let selection = PeriodSelection(from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z")
        let range = try selection.resolve(default: .day, latestEvent: nil, timeZone: tz)
        #expect(range.kind == .range && range.to.timeIntervalSince(range.from) == 86400)
        let day = try PeriodSelection(kind: .day, date: "2026-11-22").resolve(default: .all, latestEvent: nil, timeZone: tz)
        #expect(day.from == EventTime.date("2026-11-21T16:00:00.000Z"))
    }

    @Test func badValuesNameTheirField() {
        #expect(throws: ScoringRefusal.invalid("date: '22/11' is not YYYY-MM-DD", field: "date")) {
            try PeriodSelection(kind: .day, date: "22/11").resolve(default: .day, latestEvent: nil, timeZone: tz)
        }
        #expect(throws: ScoringRefusal.self) {
            try PeriodSelection(from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z").resolve(default: .day, latestEvent: nil, timeZone: tz)
        }
        let empty = Period(kind: .all, from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 0))
        #expect(PeriodSelection(kind: .all).resolveOrNil(tz) == empty, "all time on an empty store is empty, not year 5138")
    }
}

extension PeriodSelection {
    func resolveOrNil(_ tz: TimeZone) -> Period? { try? resolve(default: .day, latestEvent: nil, timeZone: tz) }
}

@Suite struct ExplanationNumberTests {
    @Test func oneDecimalIsWhatTheFormatterWrites() {
        var values: [Double] = [
            0.05, 0.15, 0.25, 0.35, 0.45, 0.75, 1.25, 2.5, 30.15, 30.25, 30.35, -0.05, -1.25, 1e-9, 123_456.789, 1e15 + 0.5, 86_399.95,
        ]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            values.append(Double(Int.random(in: 0..<10_000_000, using: &random)) / 1000)
            values.append(Double.random(in: 0..<100_000, using: &random))
        }
        for value in values {
            #expect(Derivation.oneDecimal(value) == String(format: "%.1f", value), "\(value)")
        }
    }
}
