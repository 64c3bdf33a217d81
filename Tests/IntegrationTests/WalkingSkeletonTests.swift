import Foundation
import Testing

/// One call across all four real processes (issue: foundation).
@Suite(.serialized, .processLevel)
struct WalkingSkeletonTests {
    /// A demo enterprise's id and its registered location (inside its geofence).
    static let enterprise: (id: String, lat: Double, lon: Double) = {
        let url = Cluster.packageRoot.appendingPathComponent("cities/demo/enterprises.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let first = (root["enterprises"] as! [[String: Any]])[1]
        let location = first["location"] as! [String: Double]
        return (first["id"] as! String, location["lat"]!, location["lon"]!)
    }()

    /// A call at that enterprise.
    static var enterpriseCall: [String: Any] {
        [
            "channel": "110",
            "caller": ["name": "测试人", "phone": "13800009999"],
            "location": ["lat": enterprise.lat, "lon": enterprise.lon],
            "categoryHint": "criminal",
            "description": "仓库被盗",
            "callTaker": "CT01",
        ]
    }

    @Test func oneCallTravelsThroughAllFourServices() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let scoring = try await cluster.http("scoring")
        let liaison = try await cluster.http("liaison")

        let (status, body) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: Self.enterpriseCall)
        #expect(status == 201, "intake answered \(status): \(String(decoding: body, as: UTF8.self))")
        let receipt = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        let incidentId = try #require(receipt["incidentId"] as? String)

        var unitId: String?
        try await eventually("dispatch to assign a unit to \(incidentId)") {
            let (s, b) = try await HTTPClient.get("\(dispatch)/v1/incidents/\(incidentId)")
            guard s == 200, let o = try JSONSerialization.jsonObject(with: b) as? [String: Any] else { return false }
            unitId = o["unitId"] as? String
            return o["status"] as? String == "assigned"
        }
        #expect(unitId != nil)

        try await eventually("scoring to rank the assigned unit's officers") {
            let ranking = try await HTTPClient.getObject("\(scoring)/v1/rankings?limit=200")
            return ((ranking["officers"] as? [[String: Any]]) ?? []).contains { ($0["points"] as? Double ?? 0) > 0 }
        }

        try await eventually("liaison to alert enterprise \(Self.enterprise.id)") {
            let alerts = try await HTTPClient.getObject("\(liaison)/v1/alerts?enterprise=\(Self.enterprise.id)")
            return ((alerts["alerts"] as? [[String: Any]]) ?? []).contains { $0["incidentId"] as? String == incidentId }
        }
    }

    @Test func aServiceKilledWithSIGKILLCatchesUpOnRestart() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let intake = try await cluster.http("intake")

        cluster.kill9("dispatch")
        var ids: [String] = []
        for i in 0..<20 {
            var call = Self.enterpriseCall
            call["clientRef"] = "sigkill-\(i)"
            call["location"] = ["lat": 36.85 + Double(i) * 0.005, "lon": 117.70]
            let (status, body) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: call)
            #expect(status == 201)
            if let o = try JSONSerialization.jsonObject(with: body) as? [String: Any], let id = o["incidentId"] as? String { ids.append(id) }
        }
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch"])
        let dispatch = try await cluster.http("dispatch")
        try await eventually("dispatch to have replayed all 20 incidents") {
            let stats = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            return stats["incidents"] as? Int == 20
        }
        let scoring = try await cluster.http("scoring")
        try await eventually("scoring to have credited every assigned incident") {
            let d = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            let s = try await HTTPClient.getObject("\(scoring)/v1/stats")
            return (d["incidentsAssigned"] as? Int ?? -1) == (s["incidentsCredited"] as? Int ?? -2)
        }
    }

    @Test func sigtermDrainsAndExitsCleanly() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        try cluster.start("intake")
        // Alone, intake is alive but not ready (it follows dispatch): wait for its HTTP server.
        let base = try await cluster.http("intake")
        let (health, _) = try await HTTPClient.get("\(base)/healthz")
        #expect(health == 200)
        let (ready, _) = try await HTTPClient.get("\(base)/readyz")
        #expect(ready == 503, "intake must not be ready while dispatch, which it follows, is down")
        let status = try await cluster.terminate("intake")
        #expect(status == 0, "intake exited with \(status.map(String.init) ?? "?"): \(cluster.log("intake").suffix(2000))")
        #expect(cluster.log("intake").contains("stopped"))
    }
}
