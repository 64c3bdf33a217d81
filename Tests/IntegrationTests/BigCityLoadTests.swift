import Foundation
import Testing

/// Issue 14, deliverable 6: the generated big city the bench runs on. The generator writes it
/// (stdlib Python), all four services start on it, and `precinct load --city` drives them: every
/// call is assigned, nothing lost or applied twice, and enterprise calls in districts the demo
/// does not have are alerted, which only happens if each service read the big city's files.
@Suite(.serialized, .processLevel)
struct BigCityLoadTests {
    /// The size the bench uses (scripts/bench_city.sh): 12 districts, 1,260 units.
    static let districts = 12

    @Test func theSetRunsOnTheGeneratedBigCityWithEveryCallAssigned() async throws {
        let city = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-bigcity-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: city) }
        let generator = Cluster.packageRoot.appendingPathComponent("scripts/gen_demo_city.py").path
        let (genStatus, genText) = try await runToEnd(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", generator, "--districts", "\(Self.districts)", "--out", city.path],
            timeout: .seconds(60))
        try #require(genStatus == 0, "the generator failed its own checks:\n\(genText)")
        let jurisdiction = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: city.appendingPathComponent("jurisdiction.json"))) as? [String: Any])
        let units = try #require(jurisdiction["units"] as? [[String: Any]])
        let enterprises = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: city.appendingPathComponent("enterprises.json"))) as? [String: Any])?[
                "enterprises"] as? [[String: Any]])
        #expect(units.count == 105 * Self.districts, "the big city has \(units.count) units")

        let cluster = try Cluster(city: city)
        defer { cluster.stopAll() }
        try cluster.startAll()
        try await cluster.waitReady()
        let dispatch = try await cluster.http("dispatch")
        let liaison = try await cluster.http("liaison")
        // Dispatch's fleet and liaison's registry are the big city's, not the demo's.
        #expect(try await DispatchRulesTests.units(dispatch).count == units.count)
        let lastEnterprise = try #require(enterprises.last?["id"] as? String)
        #expect(try await HTTPClient.get("\(liaison)/v1/enterprises/\(lastEnterprise)").status == 200)

        // Calls away from enterprise sites: no zero-disturbance hold, so every one must get a unit.
        let plain = try await load(cluster, city, calls: 300, enterpriseShare: 0, settle: 40)
        #expect(plain.assigned == 300, "calls assigned: \(plain.assigned) of 300\n\(plain.text.suffix(3000))")

        // Calls at enterprise sites all over the big city: each incident alerted exactly once
        // (checked by the load's verification), and none left waiting for a unit. Those at
        // zero-disturbance sites are held for the liaison officer by design: the load counts
        // them as settled (it waited out its whole settle time for them before).
        let onSites = try await load(cluster, city, calls: 100, enterpriseShare: 1, settle: 60)
        #expect(onSites.alertsExpected > 0, "\(onSites.text.suffix(3000))")
        #expect(onSites.held > 0, "zero-disturbance holds seen by the load: \(onSites.held)\n\(onSites.text.suffix(3000))")
        let (queueStatus, queue) = try await HTTPClient.get("\(dispatch)/v1/queue")
        let waiting = try JSONSerialization.jsonObject(with: queue) as? [Any]
        #expect(
            queueStatus == 200 && waiting?.isEmpty == true,
            "incidents still waiting for a unit: \(String(decoding: queue, as: UTF8.self).prefix(2000))")
    }

    /// One `precinct load` run against the cluster; fails the test unless its verification passes.
    func load(
        _ cluster: Cluster, _ city: URL, calls: Int, enterpriseShare: Double, settle: Int
    ) async throws
        -> (assigned: Int, held: Int, alertsExpected: Int, text: String)
    {
        let json = cluster.root.appendingPathComponent("load-\(UUID().uuidString.prefix(8)).json")
        let (status, text) = try await runToEnd(
            Cluster.binDirectory.appendingPathComponent("precinct"),
            [
                "load", "--city", city.path, "--calls", "\(calls)", "--clients", "2", "--window", "32",
                "--enterprise-share", "\(enterpriseShare)", "--settle-timeout", "\(settle)", "--endpoints-dir", cluster.dataDir.path,
                "--token-key", try TestTokens.keyFile(), "--json", json.path,
            ], timeout: .seconds(120))
        #expect(status == 0 && text.contains("lost: 0  duplicated: 0  → PASS"), "precinct load:\n\(text.suffix(4000))")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any], "\(text)")
        let assigned = (report["assign"] as? [String: Any])?["count"] as? Int ?? 0
        let checks = ((report["verification"] as? [String: Any])?["checks"] as? [[String: Any]]) ?? []
        let alerts = checks.first { $0["check"] as? String == "enterprise incidents alerted" }?["expected"] as? Int ?? 0
        return (assigned, report["held"] as? Int ?? -1, alerts, text)
    }
}
