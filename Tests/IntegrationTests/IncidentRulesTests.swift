import Foundation
import Testing

/// Issue 15 through the real processes: a repeat call upgrades its incident (point 1, intake,
/// dispatch and scoring), negations (point 9), KPIs with the originals' meaning (point 6) and the KPI answer's
/// range and nulls (point 13).
@Suite(.serialized, .processLevel)
struct IncidentRulesTests {
    /// A point in the demo city's urban grid (黛溪, post P1).
    static let urban = (lat: 36.855746, lon: 117.723495)

    static func call(_ phone: String, _ description: String, ref: String, extra: [String: Any] = [:]) -> [String: Any] {
        var c: [String: Any] = [
            "channel": "110", "caller": ["name": "测试", "phone": phone], "location": ["lat": urban.lat, "lon": urban.lon],
            "description": description, "callTaker": "CT01", "clientRef": ref,
        ]
        for (k, v) in extra { c[k] = v }
        return c
    }

    static func post(_ url: String, _ json: [String: Any], expect status: Int = 201) async throws -> [String: Any] {
        let (s, body) = try await HTTPClient.request("POST", url, json: json)
        #expect(s == status, "POST \(url) → \(s) \(String(decoding: body, as: UTF8.self))")
        return try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    }

    @Test func aRepeatCallUpgradesItsIncidentAndScoringFollows() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let scoring = try await cluster.http("scoring")

        // Point 9: "没有人受伤" does not make a casualty accident.
        let first = try await Self.post("\(intake)/v1/calls", Self.call("13800007001", "两车刮擦，没有人受伤", ref: "up-1"))
        #expect(first["category"] as? String == "accidentMinor" && first["priority"] as? Int == 2)
        let incidentId = try #require(first["incidentId"] as? String)

        // Point 1: the same caller now reports two people hurt.
        let second = try await Self.post(
            "\(intake)/v1/calls", Self.call("13800007001", "刚才刮擦的车祸，现在发现有人受伤流血", ref: "up-2", extra: ["casualties": 2]))
        #expect(second["outcome"] as? String == "merged" && second["incidentId"] as? String == incidentId)
        let incident = try await HTTPClient.getObject("\(intake)/v1/incidents/\(incidentId)")
        #expect(incident["category"] as? String == "accidentCasualty")
        #expect(incident["priority"] as? Int == 1 && incident["casualties"] as? Int == 2)
        let upgrades = incident["upgrades"] as? [[String: Any]] ?? []
        #expect(upgrades.count == 1)
        #expect(upgrades.first?["callId"] as? String == second["callId"] as? String)
        #expect(
            upgrades.first?["category"] as? String == "accidentCasualty" && (upgrades.first?["reason"] as? String)?.contains("casualties") == true)

        // dispatch follows the real intake's incident.upgraded: the accident division goes at once (一警双派).
        let dispatch = try await cluster.http("dispatch")
        try await eventually("dispatch to send the accident division to \(incidentId)", timeout: .seconds(60)) {
            let view = try await DispatchServiceTests.incident(dispatch, incidentId) ?? [:]
            return DispatchServiceTests.units(view).contains { $0["role"] as? String == "accidentDivision" }
        }

        // scoring follows incident.upgraded: the base points are those of a casualty accident.
        try await eventually("scoring to credit \(incidentId) as a casualty accident", timeout: .seconds(60)) {
            let ranking = try await HTTPClient.getObject("\(scoring)/v1/rankings?by=officer&period=all&limit=500")
            for entry in ranking["entries"] as? [[String: Any]] ?? [] {
                guard let officer = entry["key"] as? String else { continue }
                let lines = try await HTTPClient.getObject("\(scoring)/v1/officers/\(officer)/points")["lines"] as? [[String: Any]] ?? []
                if lines.contains(where: {
                    $0["incidentId"] as? String == incidentId && $0["rule"] as? String == "dispatched"
                        && ($0["explanation"] as? String)?.contains("accidentCasualty") == true
                }) {
                    return true
                }
            }
            return false
        }

        // Another matter from the same caller opens its own incident, unless the call-taker merges it.
        let other = try await Self.post("\(intake)/v1/calls", Self.call("13800007001", "门口有人吵架", ref: "up-3", extra: ["categoryHint": "dispute"]))
        #expect(other["outcome"] as? String == "opened" && other["incidentId"] as? String != incidentId)
        let forced = try await Self.post(
            "\(intake)/v1/calls",
            Self.call("13800007001", "吵架的就是车祸双方", ref: "up-4", extra: ["categoryHint": "dispute", "mergeInto": incidentId]))
        #expect(
            forced["outcome"] as? String == "merged" && forced["incidentId"] as? String == incidentId
                && forced["mergeReason"] as? String == "callTaker")
        let bad = try await Self.post(
            "\(intake)/v1/calls", Self.call("13800007002", "合并", ref: "up-5", extra: ["mergeInto": "I99999999"]), expect: 422)
        let error = bad["error"] as? [String: Any]
        #expect(error?["field"] as? String == "mergeInto" && error?["code"] as? String == "invalid-value" && error?["callId"] is String)
    }

    @Test func kpisHaveTheOriginalsMeaningARealRangeAndNulls() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let scoring = try await cluster.http("scoring")

        let opened = try await Self.post(
            "\(intake)/v1/calls", Self.call("13800007011", "有人在店里偷东西", ref: "kpi-1", extra: ["categoryHint": "criminal"]))
        let incidentId = try #require(opened["incidentId"] as? String)
        var unit = ""
        try await eventually("dispatch to assign \(incidentId)", timeout: .seconds(60)) {
            let (s, b) = try await HTTPClient.get("\(dispatch)/v1/incidents/\(incidentId)")
            guard s == 200, let v = try JSONSerialization.jsonObject(with: b) as? [String: Any], let u = v["unitId"] as? String else { return false }
            unit = u
            return true
        }
        // An arrival without a sign-off: an implied sign-off.
        let answer = try await Self.post(
            "\(dispatch)/v1/field", ["commands": [["incidentId": incidentId, "unitId": unit, "stage": "arrived"]]], expect: 200)
        #expect(answer["accepted"] as? Int == 1, "\(answer)")

        var kpis: [String: Any] = [:]
        var report: [String: Any] = [:]
        try await eventually("scoring to see the arrival", timeout: .seconds(60)) {
            report = try await HTTPClient.getObject("\(scoring)/v1/kpis?level=city&period=day")
            kpis = (report["entries"] as? [[String: Any]])?.first?["kpis"] as? [String: Any] ?? [:]
            return kpis["arrivalMeanSeconds"] is Double || kpis["arrivalMeanSeconds"] is Int
        }
        func ratio(_ name: String) -> [String: Any] { kpis[name] as? [String: Any] ?? [:] }
        #expect(ratio("acceptanceRate")["numerator"] as? Double == 1 && ratio("acceptanceRate")["denominator"] as? Double == 1)
        // Point 6: the close (22 h) and first feedback (5 h) are not due: pending, in neither term.
        #expect(ratio("closeOnTimeRate")["denominator"] as? Double == 0 && ratio("closeOnTimeRate")["value"] is NSNull)
        #expect(ratio("firstFeedbackOnTimeRate")["denominator"] as? Double == 0)
        #expect(ratio("selfHandledRate")["denominator"] as? Double == 0, "over closed incidents only")
        // New KPIs, present with a null value when there is no data (point 13).
        #expect(ratio("disputeResolutionRate")["value"] is NSNull && ratio("accidentOnSiteRate")["value"] is NSNull)
        #expect(kpis["arrivalP90Seconds"] != nil)
        let entry = try #require((report["entries"] as? [[String: Any]])?.first)
        let yoy = try #require(entry["yearOverYear"] as? [String: Any])
        #expect((yoy["workload"] as? [String: Any])?["previous"] as? Double == 0)
        #expect((yoy["arrivalMeanSeconds"] as? [String: Any])?["previous"] is NSNull, "no data a year ago: null, not left out")
        let period = try #require(report["period"] as? [String: Any])
        let yearEarlier = try #require(report["yearEarlier"] as? [String: Any])
        let year = { (d: Any?) in Int(((d as? String) ?? "").prefix(4)) ?? 0 }
        #expect(year(yearEarlier["from"]) == year(period["from"]) - 1)

        // Point 13: all time is the span of the data.
        let all = try await HTTPClient.getObject("\(scoring)/v1/kpis?period=all")
        let range = try #require(all["period"] as? [String: Any])
        let now = Calendar(identifier: .gregorian).component(.year, from: Date())
        #expect((now - 1...now + 1).contains(year(range["from"])) && (now - 1...now + 1).contains(year(range["to"])), "\(range)")
        let previous = try #require(all["previous"] as? [String: Any])
        #expect(previous["from"] as? String == previous["to"] as? String)
        #expect((all["entries"] as? [[String: Any]])?.first.flatMap { ($0["kpis"] as? [String: Any])?["workload"] as? Int } == 1)
    }
}
