import Foundation
import Testing

/// Two dispatch instances splitting the regions (`--instance`, `--regions`), with intake following
/// both as sources of their own: the set-up of the commented example in docker-compose.yml.
@Suite(.serialized, .processLevel)
struct DispatchInstancesTests {
    @Test func twoInstancesSplitTheRegionsAndIntakeFollowsBoth() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let city = Cluster.packageRoot.appendingPathComponent("cities/demo").path
        func common(_ name: String) -> [String] {
            [
                "--data-dir", cluster.dataDir.path, "--http-port", "0", "--city", city, "--heartbeat-ms", "100",
                "--bind-pub", cluster.endpoint(name, "pub"), "--bind-router", cluster.endpoint(name, "router"),
            ]
        }
        let intakeEndpoints = ["--intake-pub", cluster.endpoint("intake", "pub"), "--intake-router", cluster.endpoint("intake", "router")]
        try cluster.start(
            "dispatch", as: "dispatch-north",
            arguments: common("dispatch-north") + intakeEndpoints + ["--instance", "dispatch-north", "--regions", "R1,R2,R3"])
        try cluster.start(
            "dispatch", as: "dispatch-south",
            arguments: common("dispatch-south") + intakeEndpoints + ["--instance", "dispatch-south", "--regions", "R4,R5,city,unlocated"])
        try cluster.start(
            "intake", as: "intake",
            arguments: common("intake") + [
                "--dispatch-pub",
                "dispatch-north=\(cluster.endpoint("dispatch-north", "pub")),dispatch-south=\(cluster.endpoint("dispatch-south", "pub"))",
                "--dispatch-router",
                "dispatch-north=\(cluster.endpoint("dispatch-north", "router")),dispatch-south=\(cluster.endpoint("dispatch-south", "router"))",
            ])
        try await cluster.waitReady(["intake", "dispatch-north", "dispatch-south"])
        let intake = try await cluster.http("intake")
        let north = try await cluster.http("dispatch-north")
        let south = try await cluster.http("dispatch-south")

        // intake follows each instance as a source of its own.
        // (liaison, which intake follows without needing it to be ready, is not started here.)
        let ready = try await HTTPClient.getObject("\(intake)/readyz")
        #expect((ready["sources"] as? [String: String])?.filter { $0.key != "liaison" } == ["dispatch-north": "live", "dispatch-south": "live"])

        // A call in R1 (north) and one in R5 (south): demo-city standard addresses' positions.
        func post(_ lat: Double, _ lon: Double, _ ref: String) async throws -> String {
            let (status, body) = try await HTTPClient.request(
                "POST", "\(intake)/v1/calls",
                json: [
                    "channel": "110", "caller": ["phone": "1380000\(ref.count)\(ref.utf8.last ?? 0)"], "location": ["lat": lat, "lon": lon],
                    "categoryHint": "criminal", "callTaker": "CT01", "clientRef": ref,
                ] as [String: Any])
            #expect(status == 201, "\(String(decoding: body, as: UTF8.self))")
            return try #require((try JSONSerialization.jsonObject(with: body) as? [String: Any])?["incidentId"] as? String)
        }
        let northIncident = try await post(36.954935, 117.764576, "north-1")
        let southIncident = try await post(36.8791, 117.788218, "south-1")

        try await eventually("each instance to assign the incident of its own regions") {
            let (n, _) = try await HTTPClient.get("\(north)/v1/incidents/\(northIncident)")
            let (s, _) = try await HTTPClient.get("\(south)/v1/incidents/\(southIncident)")
            return n == 200 && s == 200
        }
        let (northHasSouth, _) = try await HTTPClient.get("\(north)/v1/incidents/\(southIncident)")
        let (southHasNorth, _) = try await HTTPClient.get("\(south)/v1/incidents/\(northIncident)")
        #expect(northHasSouth == 404 && southHasNorth == 404, "an instance applies only the incidents of its regions")

        // Both instances' events reach intake: each has its own inbox position.
        let metrics = String(decoding: try await HTTPClient.get("\(intake)/metrics").body, as: UTF8.self)
        #expect(metrics.contains("precinct_bus_received_total"))
        let after = try await HTTPClient.getObject("\(intake)/readyz")
        #expect((after["sources"] as? [String: String])?.filter { $0.key != "liaison" } == ["dispatch-north": "live", "dispatch-south": "live"])
    }
}
