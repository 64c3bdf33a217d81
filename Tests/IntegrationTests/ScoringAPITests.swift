import Foundation
import Testing

/// scoring's read API and commands through the running services (issue #6; docs/scoring.md).
@Suite(.serialized, .processLevel)
struct ScoringAPITests {
    @Test func ledgerRankingsKPIsComplaintsAndRecomputeOverHTTP() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let scoring = try await cluster.http("scoring")

        var call = WalkingSkeletonTests.enterpriseCall
        call["clientRef"] = "scoring-api-1"
        call["categoryHint"] = "dispute"
        call["description"] = "楼上漏水，与邻居发生纠纷"
        let (status, body) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: call)
        #expect(status == 201, "intake answered \(status): \(String(decoding: body, as: UTF8.self))")
        let incidentId = try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["incidentId"] as? String)

        // The dispatched officers appear in the ranking, with the incident's category known (intake followed).
        var officer = ""
        try await eventually("scoring to credit \(incidentId) with dispute base points") {
            let ranking = try await HTTPClient.getObject("\(scoring)/v1/rankings?by=officer&period=all&limit=500")
            guard let first = (ranking["entries"] as? [[String: Any]])?.first, let id = first["key"] as? String else { return false }
            officer = id
            let points = try await HTTPClient.getObject("\(scoring)/v1/officers/\(id)/points")
            let lines = points["lines"] as? [[String: Any]] ?? []
            return lines.contains {
                $0["incidentId"] as? String == incidentId && $0["rule"] as? String == "dispatched" && $0["points"] as? Double == 2
            }
        }
        let points = try await HTTPClient.getObject("\(scoring)/v1/officers/\(officer)/points")
        let line = try #require((points["lines"] as? [[String: Any]])?.first { $0["rule"] as? String == "dispatched" })
        #expect((line["earnedBy"] as? [String])?.count == 2, "the assignment and the opening earn the base points")
        #expect((line["explanation"] as? String)?.contains("dispute") == true)
        let who = officer
        /// (points, rulesVersion) of the officer's line for `rule` on the incident.
        @Sendable func lineOf(_ rule: String) async throws -> (Double?, String?) {
            let o = try await HTTPClient.getObject("\(scoring)/v1/officers/\(who)/points")
            let l = (o["lines"] as? [[String: Any]])?.first { $0["rule"] as? String == rule && $0["incidentId"] as? String == incidentId }
            return (l?["points"] as? Double, l?["rulesVersion"] as? String)
        }

        // Rankings by station for the day, KPIs for the city.
        let stations = try await HTTPClient.getObject("\(scoring)/v1/rankings?by=station&period=day")
        #expect((stations["entries"] as? [[String: Any]])?.isEmpty == false)
        let kpis = try await HTTPClient.getObject("\(scoring)/v1/kpis?level=city&period=day")
        let city = try #require((kpis["entries"] as? [[String: Any]])?.first)
        #expect((city["kpis"] as? [String: Any])?["workload"] as? Int == 1)
        let (bad, badBody) = try await HTTPClient.get("\(scoring)/v1/kpis?level=galaxy")
        #expect(bad == 400)
        #expect(Self.error(badBody)?["field"] as? String == "level", "the one error shape names the field")

        // Intervals, hotspots (JSON and CSV) and the monthly awards.
        let intervals = try await HTTPClient.getObject("\(scoring)/v1/intervals?period=day")
        #expect((intervals["entries"] as? [[String: Any]])?.first?["category"] as? String == "dispute")
        let hotspots = try await HTTPClient.getObject("\(scoring)/v1/reports/hotspots?period=day")
        #expect((hotspots["top"] as? [[String: Any]])?.first?["count"] as? Int == 1)
        #expect((hotspots["patrolPlan"] as? [[String: Any]])?.count == 1)
        let (cs, csv) = try await HTTPClient.get("\(scoring)/v1/reports/hotspots?period=day&format=csv")
        #expect(cs == 200 && String(decoding: csv, as: UTF8.self).hasPrefix("section,gridId,stationId,hour,category,count,previous,trend,top\n"))
        let awards = try await HTTPClient.getObject("\(scoring)/v1/awards?period=month")
        #expect((awards["starOfTheMonth"] as? [String: Any])?["id"] as? String == officer)
        #expect((awards["excellentCallTakers"] as? [[String: Any]])?.first?["id"] as? String == "CT01")

        // An upheld complaint deducts.
        let (c, cb) = try await HTTPClient.request(
            "POST", "\(scoring)/v1/complaints",
            json: ["complaintId": "K-1", "incidentId": incidentId, "status": "upheld", "officerIds": [officer]])
        #expect(c == 201, "\(String(decoding: cb, as: UTF8.self))")
        let upheld = try await lineOf("complaint.upheld")
        #expect(upheld.0 == -5)
        let (unknown, unknownBody) = try await HTTPClient.request(
            "POST", "\(scoring)/v1/complaints",
            json: ["complaintId": "K-2", "incidentId": "no-such"])
        #expect(unknown == 404)
        #expect(Self.error(unknownBody)?["code"] as? String == "not-found")
        #expect(Self.error(unknownBody)?["field"] as? String == "incidentId")

        // A recompute must say why (it rewrites the ledger promotions are decided on).
        let (noReason, noReasonBody) = try await HTTPClient.request("POST", "\(scoring)/admin/recompute", json: ["version": "it-2"])
        #expect(noReason == 400 && Self.error(noReasonBody)?["field"] as? String == "reason")
        // Recompute under a new table: the ledger follows.
        let (r, rb) = try await HTTPClient.request(
            "POST", "\(scoring)/admin/recompute?reason=it-2%20approved", json: ["version": "it-2", "basePoints": ["dispute": 10]])
        #expect(r == 200, "\(String(decoding: rb, as: UTF8.self))")
        let dispatched = try await lineOf("dispatched")
        #expect(dispatched.0 == 10)
        #expect(dispatched.1 == "it-2")
        let rules = try await HTTPClient.getObject("\(scoring)/v1/rules")
        #expect(rules["version"] as? String == "it-2")

        // The stats the load verification reads keep their meaning.
        let stats = try await HTTPClient.getObject("\(scoring)/v1/stats")
        #expect(stats["incidentsCredited"] as? Int == 1)
        #expect((stats["incidentsAssigned"] as? Int ?? 0) >= 1)
    }

    /// The `error` object of the one API error shape, `{"error":{"code","field","message"}}`.
    static func error(_ body: Data) -> [String: Any]? {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["error"] as? [String: Any]
    }
}
