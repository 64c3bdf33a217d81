import Foundation
@testable import LiaisonCore
import Model
import Testing

// The pure rules, without a store or an engine: each decision from its inputs.

@Suite struct RegistryRuleTests {
    let e2 = demo("E0002")

    @Test func registeringIsNewThenAnUpdateThenNothingForARetry() throws {
        var registry = Registry()
        let first = try #require(registry.registering(e2, at: t0))
        #expect(first.isNew && first.change == .registered && first.record.revision == 1 && first.record.registeredAt == t0)
        registry.store(first.record)
        #expect(registry.registering(e2, at: t0.addingTimeInterval(60)) == nil, "the same record again changes nothing")
        var renamed = e2
        renamed.name = "新名字"
        let update = try #require(registry.registering(renamed, at: t0.addingTimeInterval(60)))
        #expect(!update.isNew && update.change == .updated && update.record.revision == 2 && update.record.registeredAt == t0)
    }

    @Test func retiringOnceThenNothingAndReRegisteringARetiredOneRegistersIt() throws {
        var registry = Registry([EnterpriseRecord(enterprise: e2, revision: 3, retired: false, registeredAt: t0, updatedAt: t0)])
        let retired = try #require(try registry.retiring("E0002", at: t0.addingTimeInterval(1)))
        #expect(retired.change == .retired && retired.record.retired && retired.record.revision == 4)
        registry.store(retired.record)
        #expect(try registry.retiring("E0002", at: t0) == nil)
        let place = IncidentPlace(coordinate: e2.location, address: nil, grid: nil)
        #expect(registry.active.isEmpty && registry.matches(place: place, namedEnterprise: "E0002").isEmpty)
        #expect(registry.registering(e2, at: t0)?.change == .registered, "an enterprise registered again after retirement")
        #expect(throws: LiaisonError.self) { try registry.retiring("E9999", at: t0) }
    }
}

@Suite struct IncidentAndAlertRuleTests {
    let state = IncidentState(
        incidentId: "I-1", enterpriseId: "E0004", matchedBy: "geofence", reasons: ["geofence"], category: .dispute,
        severity: .moderate, zeroDisturbance: true, gridId: "G1", openedAt: t0, arrivedAt: nil, closedAt: nil)

    @Test func theFirstArrivalAndTheCloseAreTransitionsNothingAfterTheClose() {
        #expect(state.transition(for: .arrived) == .init(name: "arrived", status: "onScene"))
        #expect(state.transition(for: .closed) == .init(name: "closed", status: "closed"))
        #expect(state.transition(for: .signedOff) == nil)
        var arrived = state
        arrived.arrivedAt = t0
        #expect(arrived.transition(for: .arrived) == nil, "a second arrival alerts nobody")
        var closed = state
        closed.closedAt = t0
        #expect(closed.transition(for: .closed) == nil && closed.transition(for: .arrived) == nil)
    }

    @Test func onlyArrivalsAndTheCloseOfTheIncidentItselfAreFollowed() {
        let report = { (stage: FieldStage, last: Bool?) in
            FieldReported.Fields(incidentId: "I-1", stage: stage, outcome: nil, at: t0, incidentClosed: last)
        }
        #expect(IncidentState.follows(report(.arrived, nil)))
        #expect(IncidentState.follows(report(.closed, nil)) && IncidentState.follows(report(.closed, true)))
        #expect(!IncidentState.follows(report(.closed, false)), "one unit of several closing frees that unit only")
        #expect(!IncidentState.follows(report(.signedOff, nil)))
    }

    @Test func alertIdsAreTheDeDuplicationKeysAndTheAreaIsTheEnterpriseSite() {
        #expect(AlertRules.alertId(state, transition: "opened") == "I-1:E0004:opened")
        #expect(AlertRules.coordinationAlertId(state, unitId: "U9") == "I-1:E0004:coordination:U9")
        var ordinary = state
        ordinary.zeroDisturbance = false
        #expect(AlertRules.coordinationAlertId(ordinary, unitId: "U9") == nil)
        let e2 = demo("E0002")
        let area = AlertRules.area(of: e2)
        #expect(area.center == e2.location && area.radiusKm == 0.5 && area.polygon?.first == area.polygon?.last)
    }

    @Test func severityFollowsTheCategoryAndCasualtiesMakeItSevere() {
        #expect(AlertText.severity(.dispute, casualties: 0) == .moderate)
        #expect(AlertText.severity(.helpRequest, casualties: 1) == .severe)
        #expect(AlertText.severity(.criminal, casualties: 0) == .severe)
    }
}

@Suite struct CaseRuleTests {
    let record = EnterpriseRecord(enterprise: demo("E0002"), revision: 1, retired: false, registeredAt: t0, updatedAt: t0)

    @Test func aNewCaseNeedsARegisteredEnterpriseAndATitleAndCountsForTheLiaisonOfficer() throws {
        let c = try CaseRules.opening(CaseInput(caseId: "K-1", enterpriseId: "E0002", title: "盗窃", lossesRecovered: 10.005), record: record, now: t0)
        #expect(c.officerId == record.enterprise.liaisonOfficerId && c.status == .open && c.lossesRecovered == 10.01 && c.openedAt == t0)
        #expect(throws: LiaisonError.self) { try CaseRules.opening(CaseInput(caseId: "K-1", title: "x"), record: record, now: t0) }
        #expect(throws: LiaisonError.self) { try CaseRules.opening(CaseInput(caseId: "K-1", enterpriseId: "E0002"), record: record, now: t0) }
        var retired = record
        retired.retired = true
        #expect(throws: LiaisonError.self) {
            try CaseRules.opening(CaseInput(caseId: "K-1", enterpriseId: "E0002", title: "x"), record: retired, now: t0)
        }
    }

    @Test func aCaseOnlyMovesForwardKeepsItsEnterpriseAndARetryChangesNothing() throws {
        let c = try CaseRules.opening(CaseInput(caseId: "K-1", enterpriseId: "E0002", title: "盗窃"), record: record, now: t0)
        let later = t0.addingTimeInterval(3_600)
        let solved = try #require(try CaseRules.updating(c, with: CaseInput(caseId: "K-1", status: .solved, suspectsCaught: 2), now: later))
        #expect(solved.status == .solved && solved.solvedAt == later && solved.updatedAt == later)
        #expect(try CaseRules.updating(solved, with: CaseInput(caseId: "K-1", status: .solved, suspectsCaught: 2), now: later) == nil)
        #expect(throws: LiaisonError.self) { try CaseRules.updating(solved, with: CaseInput(caseId: "K-1", status: .open), now: later) }
        #expect(throws: LiaisonError.self) { try CaseRules.updating(c, with: CaseInput(caseId: "K-1", enterpriseId: "E0003"), now: later) }
        #expect(CaseRules.allows(from: .open, to: .closed) && CaseRules.allows(from: .solved, to: .closed))
        #expect(!CaseRules.allows(from: .closed, to: .open))
        let delta = CaseRules.Delta(from: c, to: solved)
        #expect(delta.opened == 0 && delta.solved == 1 && delta.suspects == 2 && delta.fen == 0)
    }

    @Test func problemsNameEveryFieldAndThePeriodRefusesAnEmptyOne() throws {
        let problems = CaseRules.problems(
            CaseInput(caseId: "bad id", officerId: "O9999", title: " ", suspectsCaught: -1, lossesRecovered: -5),
            jurisdiction: demoJurisdiction)
        #expect(problems.map(\.field) == ["caseId", "suspectsCaught", "lossesRecovered", "title", "officerId"])
        let period = try CaseRules.period(CaseTotalsQuery(), now: t0)
        #expect(period.to == t0 && period.end > t0.timeIntervalSince1970, "what happened at now is included")
        #expect(throws: LiaisonError.self) { try CaseRules.period(CaseTotalsQuery(from: t0, to: t0), now: t0) }
    }
}

@Suite struct WorkLogRuleTests {
    let record = EnterpriseRecord(enterprise: demo("E0002"), revision: 1, retired: false, registeredAt: t0, updatedAt: t0)

    @Test func anEntryDefaultsToTheLiaisonOfficerAndNowAndARetryRepeatsIt() {
        let input = WorkInput(entryId: "W-1", enterpriseId: "E0002", kind: .visit, note: "走访")
        let entry = WorkLogRules.entry(input, record: record, now: t0, generatedId: "unused")
        #expect(entry.officerIds == [record.enterprise.liaisonOfficerId] && entry.at == t0 && entry.entryId == "W-1")
        let retry = WorkLogRules.entry(input, record: record, now: t0.addingTimeInterval(60), generatedId: "unused")
        #expect(WorkLogRules.repeats(entry, retry, atGiven: false))
        var other = retry
        other.note = "另一次"
        #expect(!WorkLogRules.repeats(entry, other, atGiven: false))
        let generated = WorkLogRules.entry(WorkInput(enterpriseId: "E0002", kind: .meeting), record: record, now: t0, generatedId: "W-gen")
        #expect(generated.entryId == "W-gen")
    }

    @Test func problemsAndTheOverdueRule() {
        let future = WorkInput(enterpriseId: "E0002", kind: .visit, officerIds: [], at: t0.addingTimeInterval(1))
        #expect(WorkLogRules.problems(future, record: record, now: t0, jurisdiction: nil).map(\.field) == ["at", "officerIds"])
        let unknown = WorkLogRules.problems(WorkInput(enterpriseId: "E9", kind: .visit), record: nil, now: t0, jurisdiction: nil)
        #expect(unknown.map(\.field) == ["enterpriseId"])
        #expect(WorkLogRules.isOverdue(lastContact: nil, now: t0, periodDays: 30))
        #expect(
            WorkLogRules.isOverdue(lastContact: t0.addingTimeInterval(-30 * 86_400), now: t0, periodDays: 30),
            "exactly the period ago is overdue")
        #expect(!WorkLogRules.isOverdue(lastContact: t0.addingTimeInterval(-30 * 86_400 + 1), now: t0, periodDays: 30))
        #expect(LastContacts(visit: t0, meeting: t0.addingTimeInterval(5)).latest == t0.addingTimeInterval(5))
    }
}
