import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

@Suite("5 repeat calls and the caller ledger")
struct MergeTests {
    @Test("the same caller within the window merges into the open incident, as an event of its own")
    func sameCaller() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800002777"))
        h.clock.advance(by: 600)
        let second = try await h.accepted(call(phone: "13800002777", at: north(of: Demo.urban, 100), hint: .publicOrder, description: "又来敲门吵闹"))
        #expect(second.outcome == .merged && second.incidentId == first.incidentId && second.mergeReason == "sameCaller")
        let merged = try h.payloads(IncidentMerged.self)
        #expect(merged.count == 1)
        #expect(merged.first?.callId == second.callId && merged.first?.callCount == 2 && merged.first?.reason == "sameCaller")
        #expect(merged.first.map { abs(($0.distanceMeters ?? 0) - 100) < 1 } == true)
        // The call-taker's public order raises the dispute: the merge, then the upgrade.
        let region = first.location!.regionId
        #expect(try h.events().suffix(2).map(\.topic) == ["incident.merged.\(region)", "incident.upgraded.\(region)"])
        #expect(try h.payloads(IncidentOpened.self).count == 1)
        let incident = try h.read { try IntakeSQL.incident(first.incidentId!, jurisdiction: Demo.jurisdiction, $0) }
        #expect(incident?.callCount == 2 && incident?.calls.map(\.callId) == [first.callId, second.callId])
    }

    @Test("outside the window, or far from the caller's first call, opens a new incident")
    func windowAndCallerRadius() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800002777"))
        h.clock.advance(by: Demo.rules.merge.window + 1)
        let late = try await h.accepted(call(phone: "13800002777"))
        #expect(late.outcome == .opened && late.incidentId != first.incidentId)
        let far = try await h.accepted(call(phone: "13800002777", at: north(of: Demo.urban, 600)))
        #expect(far.outcome == .opened, "the same caller 600 m away reports something else")
    }

    @Test("the same place and category within the radius merges; another category or further away does not")
    func samePlace() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13900000001", hint: .publicOrder, description: "打架"))
        h.clock.advance(by: 60)
        let near = try await h.accepted(call(phone: "13900000002", at: north(of: Demo.urban, 100), hint: .publicOrder, description: "有人打架"))
        #expect(near.outcome == .merged && near.incidentId == first.incidentId && near.mergeReason == "samePlace")
        let other = try await h.accepted(call(phone: "13900000003", at: north(of: Demo.urban, 50), hint: .accidentMinor, description: "刮擦"))
        #expect(other.outcome == .opened)
        let far = try await h.accepted(call(phone: "13900000004", at: north(of: Demo.urban, 400), hint: .publicOrder, description: "打架"))
        #expect(far.outcome == .opened)
        let anonymous = try await h.accepted(call(phone: nil, at: north(of: Demo.urban, 20), hint: .publicOrder, description: "打架"))
        #expect(anonymous.incidentId == first.incidentId)
        #expect(try h.stats()["calls_merged_samePlace"] == 2)
    }

    @Test("the ledger flags repeat callers and, after false reports, malicious callers")
    func ledger() async throws {
        let h = try Harness()
        var receipts: [CallReceipt] = []
        for i in 0..<3 {
            receipts.append(try await h.accepted(call(phone: "13811110000", at: north(of: Demo.urban, Double(i) * 2000))))
            h.clock.advance(by: 60)
        }
        #expect(receipts[0].flags == nil)
        #expect(receipts[2].flags == ["repeat-caller"])
        try await h.dispatchReports(receipts[0].incidentId!, stage: .closed, outcome: .falseReport)
        try await h.dispatchReports(receipts[1].incidentId!, stage: .closed, outcome: .falseReport)
        // A second closing report of the same incident (another unit) does not count twice.
        try await h.dispatchReports(receipts[1].incidentId!, stage: .closed, outcome: .falseReport)
        let view = try #require(try await h.queries.caller(phone: "13811110000"))
        #expect(view.calls == 3 && view.byOutcome["opened"] == 3 && view.falseReports == 2)
        #expect(view.repeatCaller && view.maliciousCaller)
        let next = try await h.accepted(call(phone: "13811110000", at: north(of: Demo.urban, 8000)))
        #expect(next.flags == ["repeat-caller", "malicious-caller"])
        let malicious = try h.read { try IntakeSQL.callers(flag: .malicious, limit: 10, $0) }
        #expect(malicious.map(\.phone) == ["13811110000"])
        #expect(try await h.queries.caller(phone: "00000") == nil)
    }
}

@Suite("6 diversion to 12345")
struct DiversionTests {
    @Test("a non-police matter is diverted by the rule table with what 12345 needs")
    func diverted() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(hint: .nonPolice, description: "小区门口路灯坏了好几天"))
        #expect(r.outcome == .diverted && r.incidentId == nil)
        #expect(r.diversion?.ruleId == "street-lighting" && r.diversion?.department == "市住建局（市政）")
        let d = try #require(try h.payloads(IncidentDiverted.self).first)
        #expect(d.callId == r.callId && d.ruleId == "street-lighting" && d.caller?.phone == "13800000001")
        #expect(d.place.grid?.gridId == r.location?.gridId && d.description == "小区门口路灯坏了好几天" && d.callTaker == "CT01")
        #expect(try h.events().map(\.topic) == ["incident.diverted.\(r.location!.regionId)"])
        #expect(try h.payloads(IncidentOpened.self).isEmpty)
    }

    @Test("without a category, a diversion rule match only suggests 12345 (the call waits for review); a police rule match wins over it")
    func byRules() async throws {
        let h = try Harness()
        let noise = try await h.accepted(call(hint: nil, description: "楼下广场舞噪音太大"))
        #expect(noise.outcome == .review && noise.diversion?.ruleId == "noise-environment" && noise.categorySource == "diversion:noise-environment")
        #expect(noise.flags?.contains("diversion-suggested") == true)
        #expect(try h.payloads(IncidentDiverted.self).isEmpty)
        let confirmed = try await h.engine.submit(.classify(callId: noise.callId, category: .nonPolice, callTaker: "CT02"))
        guard case .accepted(let r) = confirmed else { Issue.record("\(confirmed)"); return }
        #expect(r.outcome == .diverted && r.diversion?.ruleId == "noise-environment")
        let fight = try await h.accepted(call(phone: "13900000005", at: north(of: Demo.urban, 3000), hint: nil, description: "因为噪音问题两人打架"))
        #expect(fight.outcome == .opened && fight.category == .publicOrder)
        let unknown = try await h.accepted(call(phone: "13900000006", hint: .nonPolice, description: "想咨询一下政策"))
        #expect(unknown.diversion?.ruleId == "callTaker" && unknown.diversion?.department == Demo.rules.diversion.defaultDepartment)
        #expect(try h.stats()["calls_diverted"] == 2)
    }

    @Test("a 12345 referral that is a police matter opens an incident carrying the work order")
    func referralOpens() async throws {
        let h = try Harness()
        var r = call(.hotline12345, hint: nil, description: "12345转办：工人反映拖欠工资，正在厂门口与厂方争执")
        r.referral = Referral(ticketId: "GD-1", department: "人社局")
        let receipt = try await h.accepted(r)
        #expect(receipt.outcome == .opened && receipt.category == .dispute)
        let opened = try #require(try h.payloads(IncidentOpened.self).first)
        #expect(opened.channel == .hotline12345 && opened.referral?.ticketId == "GD-1")
        var back = call(.hotline12345, phone: "13900000010", at: north(of: Demo.urban, 3000), hint: nil, description: "路灯不亮")
        back.referral = Referral(ticketId: "GD-2")
        back.categoryHint = .nonPolice
        let returned = try await h.accepted(back)
        #expect(returned.outcome == .diverted)
        #expect(try h.payloads(IncidentDiverted.self).first?.referral?.ticketId == "GD-2")
    }
}

@Suite("7 dispatch's lifecycle")
struct LifecycleTests {
    @Test("merging stops when dispatch closes the incident")
    func closedStopsMerging() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(phone: "13800002777"))
        try await h.dispatchReports(first.incidentId!, stage: .arrived)
        let stillOpen = try await h.accepted(call(phone: "13800002777"))
        #expect(stillOpen.outcome == .merged, "arrival does not close it")
        try await h.dispatchReports(first.incidentId!, stage: .closed, outcome: .resolvedOnScene)
        let after = try await h.accepted(call(phone: "13800002777"))
        #expect(after.outcome == .opened && after.incidentId != first.incidentId)
        let incident = try h.read { try IntakeSQL.incident(first.incidentId!, jurisdiction: nil, $0) }
        #expect(incident?.status == "closed" && incident?.closeOutcome == "resolvedOnScene" && incident?.closedAt == t0)
        #expect(try h.stats()["incidents_closed"] == 1)
    }
}
