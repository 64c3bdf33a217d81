import EventStore
import Foundation
import GRDB
import LiaisonCore
import Model
import Testing
import Wire

@Suite struct RegistryTests {
    @Test func theCityFileSeedsTheRegistryOnceAndWritesSurviveARestart() async throws {
        let h = try Harness()
        let list = try #require(try await h.run(.enterprises).enterprisesValue)
        #expect(list.count == 30)
        let seeded = try h.published(EnterpriseChanged.self)
        #expect(seeded.count == 30 && seeded.allSatisfy { $0.change == .registered && $0.origin == "seed" })

        var e = demo("E0005")
        e.name = "邹平示例改名有限公司"
        let w = try #require(try await h.run(.putEnterprise(e, createOnly: false)).enterpriseWrite)
        #expect(w.changed && !w.created && w.record.revision == 2)
        // The same write again (a retry) changes nothing and emits nothing.
        let again = try #require(try await h.run(.putEnterprise(e, createOnly: false)).enterpriseWrite)
        #expect(!again.changed)
        let topics = try h.published().map(\.topic)
        #expect(topics.filter { $0 == "liaison.enterprise.updated.E0005" }.count == 1)

        try h.restart()
        let after = try #require(try await h.run(.profile(enterpriseId: "E0005")).profileValue)
        #expect(after.record.enterprise.name == "邹平示例改名有限公司" && after.record.revision == 2)
        #expect(try h.published(EnterpriseChanged.self).count == 31, "a restart must not seed again")
    }

    @Test func invalidEnterprisesAreRefusedWithEveryProblemNamed() async throws {
        let h = try Harness()
        var e = demo("E0001")
        e.id = "E.9"
        e.name = " "
        e.location = Coordinate(lat: 36.95, lon: 117.65)  // outside its geofence and grid
        e.liaisonOfficerId = "O9999"
        e.deputyOfficerId = "O9999"
        e.contacts = [Enterprise.Contact(name: "王", role: "总经理", phone: "call me")]
        let problems = await refused(422) { try await h.run(.putEnterprise(e, createOnly: true)) }
        let fields = Set(problems.map(\.field))
        #expect(fields.isSuperset(of: ["id", "name", "location", "liaisonOfficerId", "deputyOfficerId", "contacts[0].phone"]), "\(problems)")

        var open = demo("E0001")
        open.id = "E0099"
        open.geofence.coordinates[0].removeLast()  // ring not closed
        let ring = await refused(422) { try await h.run(.putEnterprise(open, createOnly: true)) }
        #expect(ring.contains { $0.field == "geofence" && $0.reason.contains("not closed") }, "\(ring)")

        var wrongStation = demo("E0001")
        wrongStation.id = "E0098"
        wrongStation.liaisonOfficerId = demo("E0002").liaisonOfficerId  // an officer of another station
        let station = await refused(422) { try await h.run(.putEnterprise(wrongStation, createOnly: true)) }
        #expect(station.contains { $0.field == "liaisonOfficerId" && $0.reason.contains("station") }, "\(station)")

        // Creating an id that exists is a conflict; nothing was written by any refusal.
        _ = await refused(409) { try await h.run(.putEnterprise(demo("E0001"), createOnly: true)) }
        #expect(try h.published(EnterpriseChanged.self).count == 30)
    }

    @Test func aNewEnterpriseIsMatchedAndARetiredOneIsNot() async throws {
        let h = try Harness()
        var e = demo("E0006")
        e.id = "E0100"
        e.name = "邹平示例新建有限公司"
        e.address = "邹平市示例路1号"
        try await h.run(.putEnterprise(e, createOnly: true))
        try await h.run(.retireEnterprise(id: "E0006"))  // same site: only the new one matches now
        try await h.deliver(opened("I-1", at: e.location), from: "intake")
        #expect(try h.published(EnterpriseAlert.self).map(\.enterpriseId) == ["E0100"])
        #expect(try h.published().contains { $0.topic == "liaison.enterprise.retired.E0006" })
        _ = await refused(404) { try await h.run(.retireEnterprise(id: "E7777")) }
    }
}

@Suite struct MatchingAndAlertTests {
    @Test func anIncidentMatchesByNameGeofenceOrAddressAndTheReasonIsRecorded() async throws {
        let h = try Harness()
        let e2 = demo("E0002")
        let e3 = demo("E0003")
        let e8 = demo("E0008")
        try await h.deliver(opened("I-geo", at: e2.location), from: "intake")
        try await h.deliver(opened("I-named", at: nowhere, named: "E0003"), from: "intake")
        // The standard address with spaces and full-width digits, plus a gate: still the address.
        let spaced = e8.address.replacingOccurrences(of: "1", with: "１").replacingOccurrences(of: "市", with: "市 ") + "东门"
        try await h.deliver(opened("I-addr", at: nil, address: spaced), from: "intake")
        try await h.deliver(opened("I-both", at: e3.location, named: "E0003"), from: "intake")
        try await h.deliver(opened("I-none", at: nowhere, address: "邹平市无名路9号"), from: "intake")

        func record(_ id: String) async throws -> LiaisonIncident? { try await h.run(.incident(id: id)).incidentsValue?.first }
        #expect(try await record("I-geo")?.matchedBy == "geofence")
        #expect(try await record("I-named")?.matchedBy == "named")
        #expect(try await record("I-addr")?.enterpriseId == "E0008")
        #expect(try await record("I-addr")?.matchedBy == "address")
        #expect(try await record("I-both")?.reasons == ["named", "geofence"])
        _ = await refused(404) { try await h.run(.incident(id: "I-none")) }
        let alerts = try h.published(EnterpriseAlert.self)
        #expect(alerts.map(\.incidentId).sorted() == ["I-addr", "I-both", "I-geo", "I-named"])
        #expect(alerts.first { $0.incidentId == "I-both" }?.reasons == ["named", "geofence"])
    }

    @Test func oneAlertPerTransitionOnTheEnterpriseAndOfficerTopicsNeverDuplicated() async throws {
        let h = try Harness()
        let e = demo("E0002")
        try await h.deliver(opened("I-1", at: e.location), from: "intake")
        try await h.deliver(assigned("I-1", at: t0.addingTimeInterval(10)), from: "dispatch")
        try await h.deliver(field("I-1", .signedOff, at: t0.addingTimeInterval(20)), from: "dispatch")
        try await h.deliver(field("I-1", .arrived, at: t0.addingTimeInterval(300)), from: "dispatch")
        try await h.deliver(field("I-1", .arrived, unit: "U002", at: t0.addingTimeInterval(320)), from: "dispatch")  // a second unit
        try await h.deliver(field("I-1", .closed, outcome: .caseOpened, at: t0.addingTimeInterval(3_600)), from: "dispatch")
        try await h.deliver(field("I-1", .closed, unit: "U002", outcome: .caseOpened, at: t0.addingTimeInterval(3_700)), from: "dispatch")

        let events = try h.published().filter { $0.topic.hasPrefix("alert.") }
        let enterprise = events.filter { $0.topic == "alert.enterprise.E0002" }
        let officer = events.filter { $0.topic == "alert.officer.\(e.liaisonOfficerId)" }
        let transitions = try enterprise.map { try JSONCodec.decoder().decode(EnterpriseAlert.self, from: Data($0.payload)).transition }
        #expect(transitions == ["opened", "arrived", "closed"])
        #expect(officer.count == 3)
        #expect(events.count == 6, "non-zero-disturbance sites get no coordination alerts")
        let closed = try JSONCodec.decoder().decode(EnterpriseAlert.self, from: Data(enterprise[2].payload))
        #expect(closed.outcome == .caseOpened && closed.status == "closed" && closed.severity == .severe)
        #expect(closed.summary?.contains("已结案") == true)

        // What the enterprise may see: no caller name or phone, no caller's words, no caller's
        // address or position (`area` is the enterprise's own site, its `description` the site's name).
        for event in enterprise {
            let text = String(decoding: event.payload, as: UTF8.self)
            for secret in ["李四", "13912345678", "张三", "仓库被盗", "\"caller\"", "\"coordinate\"", "\"address\""] {
                #expect(!text.contains(secret), "enterprise alert leaks \(secret): \(text)")
            }
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any])
            #expect(fields["description"] == nil, "enterprise alert carries a description: \(text)")
            #expect(event.header.correlationId == "I-1")
        }
        // The officer's alert carries the operational detail, still without the caller's name or phone.
        let officerOpened = String(decoding: officer[0].payload, as: UTF8.self)
        #expect(officerOpened.contains("仓库被盗") && !officerOpened.contains("13912345678") && !officerOpened.contains("李四"))

        let record = try #require(try await h.run(.incident(id: "I-1")).incidentsValue?.first)
        #expect(record.status == "closed" && record.outcome == .caseOpened && record.dispatches.map(\.unitId) == ["U001"])
    }

    @Test func laterTransitionsReferToTheEarlierAlertsAndEveryAlertCarriesTheEnterpriseSite() async throws {
        let h = try Harness()
        let e2 = demo("E0002")
        let e3 = demo("E0003")
        // Inside E0002's geofence (by position) and naming E0003: one incident, two enterprises.
        try await h.deliver(opened("I-1", at: e2.location, named: "E0003"), from: "intake")
        try await h.deliver(field("I-1", .arrived, at: t0.addingTimeInterval(300)), from: "dispatch")
        try await h.deliver(field("I-1", .arrived, unit: "U002", at: t0.addingTimeInterval(320)), from: "dispatch")  // no new alert
        try await h.deliver(opened("I-2", at: e2.location), from: "intake")  // another incident at the same site
        try await h.deliver(field("I-1", .closed, outcome: .resolvedOnScene, at: t0.addingTimeInterval(3_600)), from: "dispatch")

        func alerts(_ enterpriseId: String, _ incidentId: String = "I-1") throws -> [EnterpriseAlert] {
            try h.published(EnterpriseAlert.self).filter { $0.enterpriseId == enterpriseId && $0.incidentId == incidentId }
        }
        for e in [e2, e3] {
            let sent = try alerts(e.id)
            #expect(sent.map(\.transition) == ["opened", "arrived", "closed"])
            guard sent.count == 3 else { continue }
            let opened = AlertReference(alertId: "I-1:\(e.id):opened", sent: t0)
            let arrived = AlertReference(alertId: "I-1:\(e.id):arrived", sent: t0.addingTimeInterval(300))
            #expect(sent[0].references == [], "the first alert refers to nothing")
            #expect(sent[1].references == [opened])
            #expect(sent[2].references == [opened, arrived], "oldest first; only this enterprise's alerts of this incident")
            // The enterprise's own registered site, never the caller's position.
            let ring = e.geofence.outerRing
            #expect(ring.count >= 4 && ring.first == ring.last)
            let site = AlertArea(description: "\(e.name)（网格 \(e.gridId)）", polygon: ring, center: e.location, radiusKm: 0.5)
            #expect(sent.allSatisfy { $0.area == site }, "\(sent.map(\.area))")
        }
        #expect(try alerts("E0002", "I-2").first?.references == [])

        // A restart and a repeated close add nothing, and what was published reads back the same.
        let before = try h.published(EnterpriseAlert.self)
        try h.restart()
        try await h.deliver(field("I-1", .closed, outcome: .resolvedOnScene, at: t0.addingTimeInterval(3_700)), from: "dispatch")
        #expect(try h.published(EnterpriseAlert.self) == before)
    }

    @Test func dispatchEventsThatArriveBeforeTheIncidentAreAppliedWhenItOpens() async throws {
        let h = try Harness()
        let e = demo("E0002")
        try await h.deliver(assigned("I-late", at: t0.addingTimeInterval(10)), from: "dispatch")
        try await h.deliver(field("I-late", .arrived, at: t0.addingTimeInterval(60)), from: "dispatch")
        #expect(try h.published(EnterpriseAlert.self).isEmpty)
        try await h.deliver(opened("I-late", at: e.location), from: "intake")
        #expect(try h.published(EnterpriseAlert.self).map(\.transition) == ["opened", "arrived"])
        // Dispatch events of incidents that are not enterprise-related are dropped, not parked.
        try await h.deliver(opened("I-other", at: nowhere), from: "intake")
        try await h.deliver(field("I-other", .arrived, at: t0.addingTimeInterval(60)), from: "dispatch")
        let parked = try await h.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM pending_dispatch") }
        #expect(parked == 0)
    }

    @Test func parkedDispatchEventsWaitForTheirIncidentAcrossARestart() async throws {
        let h = try Harness()
        let e = demo("E0004")
        try await h.deliver(assigned("I-late", unit: "U010", at: t0.addingTimeInterval(10)), from: "dispatch")
        try await h.deliver(field("I-late", .arrived, at: t0.addingTimeInterval(60)), from: "dispatch")
        try h.restart()
        try await h.deliver(opened("I-late", at: e.location), from: "intake")
        let alerts = try h.published(EnterpriseAlert.self).filter { $0.incidentId == "I-late" }
        #expect(alerts.map(\.transition) == ["opened", "arrived"])
        #expect(try h.published(OfficerAlert.self).filter { $0.incidentId == "I-late" && $0.kind == .coordination }.map(\.unitId) == ["U010"])
        let parked = try await h.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM pending_dispatch") }
        #expect(parked == 0)
    }

    @Test func aDispatchIntoAZeroDisturbanceSiteAlertsTheLiaisonOfficerAndFlagsTheIncident() async throws {
        let h = try Harness()
        let site = demo("E0004")
        #expect(site.zeroDisturbance)
        try await h.deliver(opened("I-zd", at: site.location, category: .publicOrder), from: "intake")
        let openedAlert = try #require(try h.published(EnterpriseAlert.self).first)
        #expect(openedAlert.zeroDisturbance && openedAlert.coordinationRequired == true)
        let before = try h.published(OfficerAlert.self)
        #expect(before.count == 1 && before[0].coordinationRequired, "the liaison officer hears of it before dispatch")

        try await h.deliver(assigned("I-zd", unit: "U010", at: t0.addingTimeInterval(30)), from: "dispatch")
        try await h.deliver(assigned("I-zd", unit: "U011", at: t0.addingTimeInterval(40)), from: "dispatch")
        let coordination = try h.published(OfficerAlert.self).filter { $0.kind == .coordination }
        #expect(coordination.map(\.unitId) == ["U010", "U011"])
        #expect(
            coordination.allSatisfy {
                $0.officerId == site.liaisonOfficerId && $0.at <= t0.addingTimeInterval(40) && $0.transition == "dispatched"
            })
        #expect(try h.published().filter { $0.topic == "alert.officer.\(site.liaisonOfficerId)" }.count == 3)

        let record = try #require(try await h.run(.incident(id: "I-zd")).incidentsValue?.first)
        #expect(record.zeroDisturbance && record.coordinationRequired)
        #expect(record.dispatches.compactMap(\.coordinationAlertId).count == 2)
    }
}

@Suite struct CaseAndWorkLogTests {
    @Test func caseTotalsPerEnterpriseOfficerAndCityForAnyPeriod() async throws {
        let h = try Harness()
        let e2 = demo("E0002")
        let e3 = demo("E0003")
        try await h.run(.putCase(CaseInput(caseId: "K1", enterpriseId: "E0002", title: "仓库盗窃案")))
        h.clock.advance(by: 86_400)  // day 2
        try await h.run(.putCase(CaseInput(caseId: "K1", status: .solved, suspectsCaught: 2, lossesRecovered: 12_000.5)))
        try await h.run(.putCase(CaseInput(caseId: "K2", enterpriseId: "E0003", title: "合同诈骗案", suspectsCaught: 1)))
        h.clock.advance(by: 86_400)  // day 3
        let retry = try #require(try await h.run(.putCase(CaseInput(caseId: "K1", status: .solved, suspectsCaught: 2))).caseWrite)
        #expect(!retry.changed, "a retried write adds nothing")
        try await h.run(.putCase(CaseInput(caseId: "K1", suspectsCaught: 3)))

        let all = try #require(try await h.run(.caseTotals(CaseTotalsQuery(by: .enterprise))).totalsValue)
        #expect(all.city == CaseTotals(key: "city", casesOpened: 2, casesSolved: 1, suspectsCaught: 4, lossesRecovered: 12_000.5))
        #expect(all.rows.map(\.key) == ["E0002", "E0003"])
        #expect(all.rows[0].suspectsCaught == 3 && all.rows[1].suspectsCaught == 1)

        let secondDay = CaseTotalsQuery(from: t0.addingTimeInterval(86_400), to: t0.addingTimeInterval(2 * 86_400), by: .officer)
        let day2 = try #require(try await h.run(.caseTotals(secondDay)).totalsValue)
        #expect(day2.city == CaseTotals(key: "city", casesOpened: 1, casesSolved: 1, suspectsCaught: 3, lossesRecovered: 12_000.5))
        #expect(Set(day2.rows.map(\.key)) == [e2.liaisonOfficerId, e3.liaisonOfficerId])
        let day1 = try #require(try await h.run(.caseTotals(CaseTotalsQuery(from: t0, to: t0.addingTimeInterval(86_400)))).totalsValue)
        #expect(day1.city.casesOpened == 1 && day1.city.suspectsCaught == 0)

        _ = await refused(409) { try await h.run(.putCase(CaseInput(caseId: "K1", status: .open))) }
        let bad = await refused(422) { try await h.run(.putCase(CaseInput(caseId: "K9", enterpriseId: "E9999", title: "x", suspectsCaught: -1))) }
        #expect(bad.map(\.field) == ["suspectsCaught"])
        _ = await refused(422) { try await h.run(.putCase(CaseInput(caseId: "K9", enterpriseId: "E9999", title: "x"))) }
        _ = await refused(422) { try await h.run(.caseTotals(CaseTotalsQuery(from: t0.addingTimeInterval(10), to: t0))) }
        #expect(try h.published().filter { $0.topic.hasPrefix("liaison.case.") }.count == 4)
    }

    @Test func enterprisesWithoutAVisitOrMeetingInThePeriodAreOverdue() async throws {
        let h = try Harness(settings: LiaisonSettings(workPeriodDays: 30))
        h.clock.advance(by: 60 * 86_400)
        let now = t0.addingTimeInterval(60 * 86_400)
        try await h.run(.logWork(WorkInput(entryId: "W1", enterpriseId: "E0001", kind: .visit, at: now.addingTimeInterval(-10 * 86_400))))
        try await h.run(.logWork(WorkInput(entryId: "W2", enterpriseId: "E0002", kind: .meeting, at: now.addingTimeInterval(-40 * 86_400))))
        try await h.run(.logWork(WorkInput(entryId: "W3", enterpriseId: "E0003", kind: .meeting)))  // now
        let retry = try #require(try await h.run(.logWork(WorkInput(entryId: "W3", enterpriseId: "E0003", kind: .meeting))).workWrite)
        #expect(!retry.created)
        _ = await refused(409) { try await h.run(.logWork(WorkInput(entryId: "W3", enterpriseId: "E0004", kind: .visit))) }
        _ = await refused(422) { try await h.run(.logWork(WorkInput(enterpriseId: "E0001", kind: .visit, at: now.addingTimeInterval(60)))) }

        let report = try #require(try await h.run(.overdue(periodDays: nil)).overdueValue)
        let ids = Set(report.overdue.map(\.enterpriseId))
        #expect(!ids.contains("E0001") && !ids.contains("E0003"))
        #expect(ids.contains("E0002") && ids.count == 28)
        let e2 = try #require(report.overdue.first { $0.enterpriseId == "E0002" })
        #expect(e2.lastMeetingAt == now.addingTimeInterval(-40 * 86_400) && (e2.daysSinceContact ?? 0) > 39.9)
        // Time moves on (event time): 21 more days and E0001's visit is 31 days old.
        h.clock.advance(by: 21 * 86_400)
        let later = try #require(try await h.run(.overdue(periodDays: nil)).overdueValue)
        #expect(later.overdue.contains { $0.enterpriseId == "E0001" })
        let wider = try #require(try await h.run(.overdue(periodDays: 45)).overdueValue)
        #expect(!wider.overdue.contains { $0.enterpriseId == "E0001" })
    }

    @Test func theProfileAndThePortfolioGatherIncidentsAlertsCasesAndWork() async throws {
        let h = try Harness()
        let e = demo("E0001")
        try await h.deliver(opened("I-open", at: e.location), from: "intake")
        try await h.deliver(opened("I-done", at: e.location), from: "intake")
        try await h.deliver(field("I-done", .closed, outcome: .resolvedOnScene, at: t0.addingTimeInterval(600)), from: "dispatch")
        try await h.run(.putCase(CaseInput(caseId: "K1", enterpriseId: e.id, incidentId: "I-open", title: "盗窃案", suspectsCaught: 1)))
        try await h.run(.logWork(WorkInput(enterpriseId: e.id, kind: .visit, note: "走访")))

        let profile = try #require(try await h.run(.profile(enterpriseId: e.id)).profileValue)
        #expect(profile.openIncidents.map(\.incidentId) == ["I-open"])
        #expect(profile.recentIncidents.count == 2)
        #expect(profile.alerts.filter { $0.audience == "enterprise" }.count == 3)
        #expect(profile.cases.map(\.caseId) == ["K1"] && profile.caseTotals.suspectsCaught == 1)
        #expect(profile.workLog.count == 1 && !profile.overdue && profile.lastVisitAt == t0)

        let portfolio = try #require(try await h.run(.portfolio(officerId: e.liaisonOfficerId)).portfolioValue)
        let mine = try #require(portfolio.enterprises.first { $0.enterpriseId == e.id })
        #expect(mine.role == "liaison" && mine.openIncidents == 1 && mine.openCases == 1 && !mine.overdue)
        #expect(portfolio.alerts.count == 3 && portfolio.caseTotals.casesOpened == 1)
        let stationed = try #require(try await h.run(.portfolio(officerId: e.stationedOfficerId!)).portfolioValue)
        #expect(stationed.enterprises.contains { $0.enterpriseId == e.id && $0.role == "stationed" })
        _ = await refused(404) { try await h.run(.profile(enterpriseId: "E9999")) }
        _ = await refused(404) { try await h.run(.portfolio(officerId: "O9999")) }
    }
}
