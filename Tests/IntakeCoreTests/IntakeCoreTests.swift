import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

@Suite("1–2 channels and validation")
struct ChannelAndValidationTests {
    @Test("each channel requires its fields; a call missing one is recorded as rejected, naming the field")
    func channelRequirements() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(.traffic, phone: nil))
        #expect(r.1.field == "caller.phone" && r.1.code == "missing-field")
        r = try await h.rejected(call(.traffic, callTaker: nil))
        #expect(r.1.field == "callTaker")
        r = try await h.rejected(call(.hotline12345, phone: nil))
        #expect(r.1.field == "referral.ticketId")
        var referral = call(.hotline12345, phone: nil)
        referral.referral = Referral(ticketId: "GD20261122001")
        _ = try await h.accepted(referral)
        r = try await h.rejected(call(.enterprise, at: nil))
        #expect(r.1.field == "location")
        _ = try await h.accepted(call(.enterprise, at: nil, enterpriseId: "E0002"))
        r = try await h.rejected(call(.enterprise, description: " "))
        #expect(r.1.field == "description")
        // 110 takes anonymous calls.
        _ = try await h.accepted(call(.police, phone: nil, callTaker: nil))
        let stats = try h.stats()
        #expect(stats["calls"] == 8)
        #expect(stats["calls_rejected"] == 5)
        #expect(stats["calls_rejected_missing-field"] == 5)
        let stored = try h.read { try IntakeQueries.call(r.0, jurisdiction: Demo.jurisdiction, $0) }
        #expect(stored?.outcome == "rejected" && stored?.reasonField == "description" && stored?.callTaker == "CT01")
    }

    @Test("every call records its call-taker")
    func callTakerRecorded() async throws {
        let h = try Harness()
        let receipt = try await h.accepted(call(callTaker: "CT07"))
        let record = try h.read { try IntakeQueries.call(receipt.callId, jurisdiction: Demo.jurisdiction, $0) }
        #expect(record?.callTaker == "CT07")
        let page = try h.read { try IntakeQueries.calls(CallQuery(callTaker: "CT07"), jurisdiction: nil, $0) }
        #expect(page.calls.map(\.callId) == [receipt.callId])
    }

    @Test("impossible times: too far ahead of intake's clock, or too old")
    func impossibleTimes() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(receivedAt: t0.addingTimeInterval(301)))
        #expect(r.1.field == "receivedAt" && r.1.code == "impossible-time" && r.1.reason.contains("after intake's clock"))
        r = try await h.rejected(call(receivedAt: t0.addingTimeInterval(-25 * 3600)))
        #expect(r.1.field == "receivedAt" && r.1.reason.contains("before intake's clock"))
        _ = try await h.accepted(call(receivedAt: t0.addingTimeInterval(120)))
        #expect(try h.stats()["calls_rejected_impossible-time"] == 2)
    }

    @Test("coordinates outside the jurisdiction or not a position are rejected, naming location")
    func coordinates() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(at: Coordinate(lat: 39.9, lon: 116.4)))
        #expect(r.1.field == "location" && r.1.code == "outside-jurisdiction")
        r = try await h.rejected(call(at: Coordinate(lat: 91, lon: 117.7)))
        #expect(r.1.code == "invalid-coordinates")
        var half = call(at: nil)
        half.location = CallLocation(lat: 36.85, lon: nil)
        r = try await h.rejected(half)
        #expect(r.1.field == "location.lon")
        #expect(try h.payloads(IncidentOpened.self).isEmpty, "a rejected call opens nothing")
    }

    @Test("unreadable bodies are recorded as rejected with the code and the readable hints")
    func unreadableRecorded() async throws {
        let h = try Harness()
        let parser = CallParser()
        let bodies: [(String, Int, String, String)] = [
            ("{not json", 400, "invalid-json", ""),
            (#"[1,2]"#, 400, "invalid-json", ""),
            (#"{"channel":"110","casualties":"two","callTaker":"CT02"}"#, 400, "wrong-type", "casualties"),
            (#"{"channel":"119","callTaker":"CT02"}"#, 422, "unknown-channel", "channel"),
            (#"{"channel":"110","categoryHint":"arson"}"#, 422, "unknown-category", "categoryHint"),
            (#"{"caller":{"phone":"1"}}"#, 422, "missing-field", "channel"),
            (#"{"channel":"110","receivedAt":"yesterday"}"#, 422, "impossible-time", "receivedAt"),
            (String(repeating: " ", count: CallParser.maxCallBytes + 1), 413, "too-large", ""),
        ]
        for (body, status, code, field) in bodies {
            guard case .unreadable(let problem, let s, let hints) = parser.parse(Array(body.utf8)) else {
                Issue.record("\(body.prefix(40)) parsed as a call")
                continue
            }
            #expect(s == status, "\(body.prefix(40))")
            #expect(problem.code == code, "\(body.prefix(40)): \(problem)")
            #expect(problem.field == field, "\(body.prefix(40)): \(problem)")
            let reply = try await h.engine.submit(.unreadable(problem, status: s, hints: hints, raw: Array(body.utf8)))
            guard case .rejected(_, _, let recordedStatus) = reply else { Issue.record("not rejected: \(reply)"); continue }
            #expect(recordedStatus == status)
        }
        let stats = try h.stats()
        #expect(stats["calls_rejected"] == bodies.count)
        #expect(stats["calls_rejected_invalid-json"] == 2)
        #expect(stats["calls_rejected_too-large"] == 1)
        let wrongType = try h.read { try IntakeQueries.calls(CallQuery(reason: "wrong-type"), jurisdiction: nil, $0) }.calls.first
        #expect(wrongType?.callTaker == "CT02" && wrongType?.channel == "110", "hints are kept on the record")
    }

    @Test("a retried clientRef returns the first answer and records nothing new, also for a rejection")
    func idempotency() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(clientRef: "ref-1"))
        guard case .duplicate(let again) = try await h.call(call(clientRef: "ref-1")) else { Issue.record("not a duplicate"); return }
        #expect(again.callId == first.callId && again.incidentId == first.incidentId && again.outcome == .opened)
        let rejected = try await h.rejected(call(at: Coordinate(lat: 39.9, lon: 116.4), clientRef: "ref-2"))
        guard case .rejected(let id, let problem, _) = try await h.call(call(at: Coordinate(lat: 39.9, lon: 116.4), clientRef: "ref-2")) else {
            Issue.record("a retried rejection must be rejected again"); return
        }
        #expect(id == rejected.callId && problem.code == "outside-jurisdiction")
        #expect(try h.stats()["calls"] == 2)
        #expect(try h.payloads(IncidentOpened.self).count == 1)
    }
}

@Suite("3 classification")
struct ClassificationTests {
    @Test("the call-taker's category is authoritative over the rules")
    func hintWins() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(hint: .dispute, description: "两人打架"))
        #expect(r.category == .dispute && r.categorySource == "callTaker")
    }

    @Test("without a category the most urgent matching rule decides, Chinese and English")
    func rules() async throws {
        let h = try Harness()
        let cases: [(String, Category, String, Int)] = [
            ("饭店门口有五六个人喝多了打架", .publicOrder, "rule:fight", 2),
            ("a brawl outside the bar", .publicOrder, "rule:fight", 2),
            ("货车与电动自行车相撞，骑车人受伤流血", .accidentCasualty, "rule:accident-casualty", 1),
            ("two cars crash, driver injured", .accidentCasualty, "rule:accident-casualty", 1),
            ("两辆小轿车刮擦，无人受伤", .accidentMinor, "rule:accident-minor", 2),
            ("家里被盗了", .criminal, "rule:property-crime", 2),
            ("有人持刀抢劫", .criminal, "rule:violent-crime", 1),
            ("老人走失未归", .helpRequest, "rule:help-request", 3),
        ]
        for (i, (text, category, source, priority)) in cases.enumerated() {
            let c = north(of: Demo.urban, Double(i) * 1000)
            let r = try await h.accepted(call(phone: "1390000000\(i)", at: c, hint: nil, description: text))
            #expect(r.category == category, "\(text)")
            #expect(r.categorySource == source, "\(text)")
            #expect(r.priority == priority, "\(text)")
        }
        let opened = try h.payloads(IncidentOpened.self)
        #expect(opened.count == cases.count)
        #expect(opened.allSatisfy { $0.categorySource?.hasPrefix("rule:") == true })
    }

    @Test("a call no rule matches is recorded for review, not guessed; the call-taker's category then opens it")
    func review() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(hint: nil, description: "请尽快过来一下"))
        #expect(r.outcome == .review && r.category == nil && r.incidentId == nil)
        #expect(r.flags?.contains("needs-review") == true)
        #expect(try h.payloads(IncidentOpened.self).isEmpty)
        #expect(try h.stats()["calls_review"] == 1)
        guard case .accepted(let classified) = try await h.engine.submit(.classify(callId: r.callId, category: .helpRequest, callTaker: "CT05")) else {
            Issue.record("classify refused"); return
        }
        #expect(classified.outcome == .opened && classified.category == .helpRequest && classified.categorySource == "callTaker")
        let record = try h.read { try IntakeQueries.call(r.callId, jurisdiction: nil, $0) }
        #expect(record?.outcome == "opened" && record?.incidentId == classified.incidentId && record?.callTaker == "CT05")
        guard case .refused(let status, _) = try await h.engine.submit(.classify(callId: r.callId, category: .dispute, callTaker: nil)) else {
            Issue.record("a classified call cannot be classified again"); return
        }
        #expect(status == 409)
    }

    @Test("enterprise flag and casualty count")
    func enterpriseAndCasualties() async throws {
        let h = try Harness()
        let a = try await h.accepted(call(hint: .criminal, description: "邹平示例纺织有限公司仓库被盗"))
        #expect(a.enterpriseRelated == true)
        let b = try await h.accepted(call(phone: "13900000001", at: north(of: Demo.urban, 2000), hint: .accidentMinor, description: "刮擦", casualties: 2))
        #expect(b.enterpriseRelated == false && b.casualties == 2 && b.priority == 1, "people hurt make it most urgent")
        let c = try await h.accepted(call(.enterprise, phone: "13900000002", at: north(of: Demo.urban, 4000), hint: .dispute, description: "员工口角"))
        #expect(c.enterpriseRelated == true, "the enterprise hotline is enterprise-related")
        let opened = try h.payloads(IncidentOpened.self)
        #expect(opened.map(\.enterpriseRelated) == [true, false, true])
        #expect(opened[1].casualties == 2)
    }

    @Test("the rule table refuses bad files")
    func ruleValidation() throws {
        let bad = ClassificationRules(rules: [.init(id: "x", category: .dispute, priority: 9, all: [["a"]], minCasualties: nil)])
        #expect(throws: ConfigurationError.self) { try bad.validate(file: "f") }
    }
}

@Suite("4 location")
struct LocationTests {
    @Test("coordinates resolve to grid, station, post and region")
    func coordinates() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(at: Demo.urban))
        let expected = Demo.jurisdiction.locate(Demo.urban)!
        #expect(r.location == expected)
        #expect(r.location?.postId != nil && r.location?.urban == true, "黛溪 is urban, covered by a street post")
        #expect(Demo.jurisdiction.stations[r.location!.stationId]?.regionId == r.location?.regionId)
    }

    @Test("a standard address resolves through the address table")
    func address() async throws {
        let h = try Harness()
        let r = try await h.accepted(call(at: nil, address: Demo.address.text))
        #expect(r.location?.gridId == Demo.address.gridId)
        #expect(r.flags == nil)
        let opened = try h.payloads(IncidentOpened.self)[0]
        #expect(opened.place.coordinate == Coordinate(lat: Demo.address.lat, lon: Demo.address.lon))
        #expect(opened.topic == "incident.opened.\(r.location!.regionId)")
    }

    @Test("a call with neither is accepted and flagged for the call-taker")
    func unresolved() async throws {
        let h = try Harness()
        let none = try await h.accepted(call(at: nil))
        #expect(none.outcome == .opened && none.location == nil && none.flags == ["location-unresolved"])
        let unknown = try await h.accepted(call(phone: "13900000009", at: nil, address: "某个不存在的地址"))
        #expect(unknown.flags?.contains("location-unresolved") == true)
        let opened = try h.payloads(IncidentOpened.self)
        #expect(opened.allSatisfy { $0.topic == "incident.opened.unlocated" && $0.flags?.contains("location-unresolved") == true })
    }
}

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
        #expect(try h.events().last?.topic == "incident.merged.\(first.location!.regionId)")
        #expect(try h.payloads(IncidentOpened.self).count == 1)
        let incident = try h.read { try IntakeQueries.incident(first.incidentId!, jurisdiction: Demo.jurisdiction, $0) }
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
        let view = try #require(try h.read { try IntakeQueries.caller("13811110000", jurisdiction: nil, $0) })
        #expect(view.calls == 3 && view.byOutcome["opened"] == 3 && view.falseReports == 2)
        #expect(view.repeatCaller && view.maliciousCaller)
        let next = try await h.accepted(call(phone: "13811110000", at: north(of: Demo.urban, 8000)))
        #expect(next.flags == ["repeat-caller", "malicious-caller"])
        let malicious = try h.read { try IntakeQueries.callers(flag: "malicious", limit: 10, $0) }
        #expect(malicious.map { $0["phone"] } == ["13811110000"])
        #expect(try h.read { try IntakeQueries.caller("00000", jurisdiction: nil, $0) } == nil)
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

    @Test("without a category, a diversion rule match diverts; a police rule match wins over it")
    func byRules() async throws {
        let h = try Harness()
        let noise = try await h.accepted(call(hint: nil, description: "楼下广场舞噪音太大"))
        #expect(noise.outcome == .diverted && noise.diversion?.ruleId == "noise-environment" && noise.categorySource == "diversion:noise-environment")
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
        let incident = try h.read { try IntakeQueries.incident(first.incidentId!, jurisdiction: nil, $0) }
        #expect(incident?.status == "closed" && incident?.closeOutcome == "resolvedOnScene" && incident?.closedAt == t0)
        #expect(try h.stats()["incidents_closed"] == 1)
    }
}

@Suite("8 read queries and paging")
struct QueryTests {
    @Test("calls filter by channel, outcome, reason, caller and time, and page by cursor")
    func filtersAndPaging() async throws {
        let h = try Harness()
        for i in 0..<7 {
            _ = try await h.accepted(call(i % 2 == 0 ? .police : .traffic, phone: "1390000\(i)", at: north(of: Demo.urban, Double(i) * 1000)))
            h.clock.advance(by: 60)
        }
        _ = try await h.rejected(call(at: Coordinate(lat: 1, lon: 1)))
        func page(_ q: CallQuery) throws -> CallPage { try h.read { try IntakeQueries.calls(q, jurisdiction: nil, $0) } }
        #expect(try page(CallQuery(channel: "122")).calls.count == 3)
        #expect(try page(CallQuery(outcome: "rejected")).calls.map(\.reasonCode) == ["outside-jurisdiction"])
        #expect(try page(CallQuery(reason: "outside-jurisdiction")).calls.count == 1)
        #expect(try page(CallQuery(caller: "13900003")).calls.count == 1)
        #expect(try page(CallQuery(since: t0.addingTimeInterval(300))).calls.count == 3)
        #expect(try page(CallQuery(until: t0.addingTimeInterval(60))).calls.count == 1)
        var seen: [String] = []
        var q = CallQuery(limit: 3)
        while true {
            let p = try page(q)
            seen += p.calls.map(\.callId)
            guard let next = p.next else { break }
            q.after = next
        }
        #expect(seen == (1...8).map { IntakeCore.identifier("C", $0) })
        #expect(CallQuery(limit: 0).validate()?.field == "limit")
        #expect(CallQuery(outcome: "lost").validate()?.field == "outcome")
        #expect(CallQuery(channel: "119").validate()?.field == "channel")
    }
}

@Suite("store migration")
struct MigrationTests {
    @Test("a v1 store keeps its calls and incidents when migrated to v2")
    func fromV1() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        IntakeCore.migrate(&migrator)
        try migrator.migrate(queue, upTo: "intake-v1")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO calls (id, n, received_at, channel, outcome, incident_id, category, caller_phone, call_taker, client_ref, request)
                VALUES ('C00000001', 1, 0, '110', 'opened', 'I00000001', 'dispute', '138', 'CT01', 'r1', '{}');
                INSERT INTO incidents (id, n, opened_at, call_id, category, status) VALUES ('I00000001', 1, 0, 'C00000001', 'dispute', 'open');
                """)
        }
        try migrator.migrate(queue)
        try queue.read { db in
            let record = try IntakeQueries.call("C00000001", jurisdiction: nil, db)
            #expect(record?.callTaker == "CT01" && record?.clientRef == "r1")
            let incident = try IntakeQueries.incident("I00000001", jurisdiction: nil, db)
            #expect(incident?.callCount == 1 && incident?.lastCallAt == Date(timeIntervalSince1970: 0))
        }
    }
}
