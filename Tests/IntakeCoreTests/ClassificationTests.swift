import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

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
        let reply = try await h.engine.submit(.classify(callId: r.callId, category: .helpRequest, callTaker: "CT05"))
        guard case .accepted(let classified) = reply else {
            Issue.record("classify refused")
            return
        }
        #expect(classified.outcome == .opened && classified.category == .helpRequest && classified.categorySource == "callTaker")
        let record = try h.read { try IntakeSQL.call(r.callId, jurisdiction: nil, $0) }
        #expect(record?.outcome == "opened" && record?.incidentId == classified.incidentId && record?.callTaker == "CT05")
        guard case .refused(let status, _) = try await h.engine.submit(.classify(callId: r.callId, category: .dispute, callTaker: nil)) else {
            Issue.record("a classified call cannot be classified again")
            return
        }
        #expect(status == 409)
    }

    @Test("enterprise flag and casualty count")
    func enterpriseAndCasualties() async throws {
        let h = try Harness()
        let a = try await h.accepted(call(hint: .criminal, description: "邹平示例纺织有限公司仓库被盗"))
        #expect(a.enterpriseRelated == true)
        let b = try await h.accepted(
            call(
                phone: "13900000001", at: north(of: Demo.urban, 2000), hint: .accidentMinor, description: "刮擦",
                casualties: 2))
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
