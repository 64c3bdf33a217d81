import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

/// Issue 15, point 1 (intake side): a repeat call can change its incident (docs/intake.md, "Upgrades").
@Suite("5 repeat calls: upgrades")
struct UpgradeTests {
    static func reading(_ category: Category?, source: String? = "rule:x", priority: Int? = nil, casualties: Int = 0) -> ClassificationRules.Result {
        ClassificationRules.Result(
            category: category, priority: priority ?? category.map(IncidentPriority.of), source: source, enterpriseRelated: false,
            casualties: casualties)
    }

    @Test("the pure rule: casualties, a more serious category of the same matter, the call-taker, major; nothing lowered")
    func pureRule() throws {
        let minor = IncidentUpgrade.Incident(category: .accidentMinor, priority: 2, major: false, casualties: 0)
        let hurt = try #require(
            IncidentUpgrade.of(minor, call: Self.reading(.accidentMinor, priority: 1, casualties: 2), description: "有人受伤", major: .standard))
        #expect(hurt.category == .accidentCasualty && hurt.priority == 1 && hurt.casualties == 2 && hurt.major == nil)
        #expect(hurt.reason.contains("casualties reported by a repeat call (2)"))
        #expect(hurt.applied(to: minor) == .init(category: .accidentCasualty, priority: 1, major: false, casualties: 2))

        let fight = IncidentUpgrade.Incident(category: .publicOrder, priority: 2, major: false, casualties: 0)
        let knife = try #require(IncidentUpgrade.of(fight, call: Self.reading(.criminal, priority: 1), description: "有人持刀", major: .standard))
        #expect(knife.category == .criminal && knife.priority == 1 && knife.major == true)
        #expect(knife.reason.contains("major keyword '持刀'"))

        // Nothing is lowered: a lesser category of the same matter, fewer casualties, a less urgent priority.
        let serious = IncidentUpgrade.Incident(category: .criminal, priority: 1, major: true, casualties: 3)
        #expect(
            IncidentUpgrade.of(serious, call: Self.reading(.dispute, source: "callTaker", casualties: 1), description: nil, major: .standard) == nil)
        #expect(IncidentUpgrade.of(fight, call: Self.reading(.publicOrder), description: "又打起来了", major: .standard) == nil)
        // Another matter by the rules does not change the category; by the call-taker (who merged it) it does.
        let dispute = IncidentUpgrade.Incident(category: .dispute, priority: 3, major: false, casualties: 0)
        #expect(IncidentUpgrade.of(dispute, call: Self.reading(.helpRequest), description: nil, major: .standard) == nil)
        #expect(
            IncidentUpgrade.of(dispute, call: Self.reading(.helpRequest, source: "callTaker"), description: nil, major: .standard)?.category
                == .helpRequest)
        // Casualties reaching `minCasualties` make it major.
        #expect(IncidentUpgrade.of(minor, call: Self.reading(nil, source: nil, casualties: 3), description: nil, major: .standard)?.major == true)

        #expect(IncidentUpgrade.continues(.accidentCasualty, .accidentMinor) && IncidentUpgrade.continues(.criminal, .dispute))
        #expect(!IncidentUpgrade.continues(.accidentMinor, .dispute) && IncidentUpgrade.continues(nil, .dispute))
        #expect(Set(IncidentUpgrade.sameMatter(.publicOrder)) == [.dispute, .publicOrder, .criminal])
        #expect(IncidentUpgrade.samePlaceCategories(.publicOrder) == [.publicOrder])
        #expect(Set(IncidentUpgrade.samePlaceCategories(.accidentCasualty)) == [.accidentMinor, .accidentCasualty])
        #expect(Demo.rules.major.keywords.contains("持刀"), "intake reads dispatch's major keywords")
    }

    @Test("a repeat call reporting casualties upgrades a minor accident: incident.upgraded after incident.merged, and the read model")
    func casualtiesUpgrade() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800005001", hint: nil, description: "两车刮擦，没有人受伤"))
        #expect(first.category == .accidentMinor && first.priority == 2)
        h.clock.advance(by: 300)
        let second = try await h.accepted(
            call(phone: "13800005001", at: north(of: Demo.urban, 50), hint: nil, description: "刚才刮擦的车祸，现在发现有人受伤流血", casualties: 2))
        #expect(second.outcome == .merged && second.incidentId == first.incidentId)
        let upgraded = try h.payloads(IncidentUpgraded.self)
        #expect(upgraded.count == 1)
        let u = try #require(upgraded.first)
        #expect(u.incidentId == first.incidentId && u.callId == second.callId)
        #expect(u.category == .accidentCasualty && u.priority == 1 && u.casualties == 2 && u.major == nil)
        #expect(u.regionId == first.location?.regionId)
        let topics = try h.events().map(\.topic)
        #expect(topics.suffix(2) == ["incident.merged.\(first.location!.regionId)", "incident.upgraded.\(first.location!.regionId)"])
        #expect(try h.payloads(IncidentMerged.self).first?.category == .accidentCasualty)
        let incident = try #require(try h.read { try IntakeSQL.incident(first.incidentId!, jurisdiction: Demo.jurisdiction, $0) })
        #expect(incident.category == "accidentCasualty" && incident.priority == 1 && incident.casualties == 2 && incident.major == false)
        #expect(incident.upgrades?.count == 1)
        #expect(incident.upgrades?.first?.callId == second.callId && incident.upgrades?.first?.category == "accidentCasualty")
        // A third call with nothing new is only merged.
        _ = try await h.accepted(call(phone: "13800005001", hint: nil, description: "车祸那边还在等", casualties: 1))
        #expect(try h.payloads(IncidentUpgraded.self).count == 1)
    }

    @Test("a knife in a repeat call of a fight: criminal, priority 1, major")
    func majorKeyword() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800005002", hint: nil, description: "饭店门口有人打架"))
        #expect(first.category == .publicOrder)
        let second = try await h.accepted(call(phone: "13800005002", hint: nil, description: "打架的人持刀了"))
        #expect(second.outcome == .merged)
        let u = try #require(try h.payloads(IncidentUpgraded.self).first)
        #expect(u.category == .criminal && u.priority == 1 && u.major == true)
        let incident = try h.read { try IntakeSQL.incident(first.incidentId!, jurisdiction: Demo.jurisdiction, $0) }
        #expect(incident?.major == true && incident?.category == "criminal")
    }

    @Test("an incident major from its opening is not reported major again")
    func majorAtOpening() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800005003", hint: nil, description: "有人持刀抢劫"))
        #expect(try h.read { try IntakeSQL.incident(first.incidentId!, jurisdiction: Demo.jurisdiction, $0) }?.major == true)
        _ = try await h.accepted(call(phone: "13800005003", hint: nil, description: "持刀的人还在"))
        #expect(try h.payloads(IncidentUpgraded.self).isEmpty)
    }

    @Test("a same-caller call about another matter opens its own incident unless the call-taker merges it (mergeInto)")
    func sameCallerOtherMatter() async throws {
        let h = try Harness()
        let dispute = try await h.accepted(call(phone: "13800005004", hint: .dispute, description: "邻居吵架"))
        let accident = try await h.accepted(call(phone: "13800005004", hint: nil, description: "门口两车刮擦"))
        #expect(accident.outcome == .opened && accident.incidentId != dispute.incidentId && accident.category == .accidentMinor)

        var forced = call(phone: "13800005004", hint: .helpRequest, description: "刚才吵架的邻居老人走失了")
        forced.mergeInto = dispute.incidentId
        let merged = try await h.accepted(forced)
        #expect(merged.outcome == .merged && merged.incidentId == dispute.incidentId && merged.mergeReason == "callTaker")
        let u = try #require(try h.payloads(IncidentUpgraded.self).last)
        #expect(u.incidentId == dispute.incidentId && u.category == .helpRequest && u.priority == nil)

        // Unknown or closed incidents cannot be merged into: recorded and rejected, naming the field.
        var bad = call(phone: "13800005005", description: "合并")
        bad.mergeInto = "I99999999"
        let (callId, problem) = try await h.rejected(bad)
        #expect(problem.field == "mergeInto" && problem.code == "invalid-value")
        #expect(try h.read { try IntakeSQL.call(callId, jurisdiction: nil, $0) }?.outcome == "rejected")
        try await h.dispatchReports(accident.incidentId!, stage: .closed, outcome: .resolvedOnScene)
        var late = call(phone: "13800005005", description: "合并")
        late.mergeInto = accident.incidentId
        #expect(try await h.rejected(late).1.field == "mergeInto")
    }

    @Test("a caller saying no one is hurt does not upgrade anything")
    func negatedRepeat() async throws {
        let h = try Harness()
        _ = try await h.accepted(call(phone: "13800005006", hint: nil, description: "两车刮擦"))
        let second = try await h.accepted(call(phone: "13800005006", hint: nil, description: "车祸现场没有人受伤，无人员伤亡"))
        #expect(second.outcome == .merged && second.category == .accidentMinor)
        #expect(try h.payloads(IncidentUpgraded.self).isEmpty)
    }
}

extension UpgradeTests {
    @Test("the call-taker's category of another matter never makes an incident less urgent")
    func noLateralDowngrade() {
        let crash = IncidentUpgrade.Incident(category: .accidentCasualty, priority: 1, major: false, casualties: 2)
        #expect(IncidentUpgrade.of(crash, call: Self.reading(.dispute, source: "callTaker"), description: nil, major: .standard) == nil)
    }
}

extension UpgradeTests {
    @Test("another caller at the same accident reporting someone hurt joins it and upgrades it; another matter nearby does not join")
    func samePlaceAccident() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800005010", hint: nil, description: "两车刮擦"))
        let passerBy = try await h.accepted(
            call(phone: "13800005011", at: north(of: Demo.urban, 60), hint: nil, description: "路口车祸，有人受伤倒地", casualties: 1))
        #expect(passerBy.outcome == .merged && passerBy.incidentId == first.incidentId && passerBy.mergeReason == "samePlace")
        #expect(try h.payloads(IncidentUpgraded.self).first?.category == .accidentCasualty)
        let fight = try await h.accepted(call(phone: "13800005012", at: north(of: Demo.urban, 60), hint: .publicOrder, description: "有人打架"))
        #expect(fight.outcome == .opened)
    }
}
