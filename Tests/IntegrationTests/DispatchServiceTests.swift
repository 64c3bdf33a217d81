import Bus
import Foundation
import Testing
import Wire

/// dispatch as a running process behind intake (issue #5): the rules, field commands, timers and
/// the read API through HTTP, and one synthetic day of the demo city on an accelerated clock.
@Suite(.serialized, .processLevel)
struct DispatchServiceTests {
    /// The demo city's standard addresses with their grids (urban ones are those with a post).
    static let addresses: [(lat: Double, lon: Double, grid: String)] = {
        let url = Cluster.packageRoot.appendingPathComponent("cities/demo/addresses.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (root["addresses"] as! [[String: Any]]).map { ($0["lat"] as! Double, $0["lon"] as! Double, $0["gridId"] as! String) }
    }()
    static let urbanGrids: Set<String> = {
        let url = Cluster.packageRoot.appendingPathComponent("cities/demo/grids.geojson")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return Set(
            (root["features"] as! [[String: Any]]).compactMap {
                let p = $0["properties"] as! [String: Any]
                return (p["urban"] as? Bool) == true ? p["id"] as? String : nil
            })
    }()

    /// A rules file from the city's, with changes.
    /// Written to the temporary directory; the caller removes it.
    static func rulesFile(_ change: (inout [String: Any]) -> Void) throws -> String {
        let dir = FileManager.default.temporaryDirectory
        let source = Cluster.packageRoot.appendingPathComponent("cities/demo/dispatch-rules.json")
        var rules = try JSONSerialization.jsonObject(with: Data(contentsOf: source)) as! [String: Any]
        change(&rules)
        let url = dir.appendingPathComponent("dispatch-rules-\(UUID().uuidString.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: rules).write(to: url)
        return url.path
    }

    static func call(
        _ category: String, _ lat: Double, _ lon: Double, ref: String, consent: Bool = false, casualties: Int = 0, channel: String = "110"
    ) -> [String: Any] {
        [
            "channel": channel, "caller": ["name": "测试", "phone": "1380000\(String(format: "%04d", abs(ref.hashValue) % 10_000))"],
            "location": ["lat": lat, "lon": lon], "categoryHint": category, "description": "dispatch test \(ref)",
            "callTaker": "CT01", "clientRef": ref, "partiesConsent": consent, "casualties": casualties,
        ]
    }

    static func post(_ url: String, _ json: [String: Any]) async throws -> [String: Any] {
        let (status, body) = try await HTTPClient.request("POST", url, json: json)
        guard (200..<300).contains(status), let o = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ClusterError("POST \(url) → \(status) \(String(decoding: body, as: UTF8.self))")
        }
        return o
    }

    static func incident(_ base: String, _ id: String) async throws -> [String: Any]? {
        let (s, b) = try await HTTPClient.get("\(base)/v1/incidents/\(id)")
        return s == 200 ? try JSONSerialization.jsonObject(with: b) as? [String: Any] : nil
    }

    static func units(_ incident: [String: Any]) -> [[String: Any]] { incident["units"] as? [[String: Any]] ?? [] }

    @Test func rulesFieldCommandsTimersAndReadAPI() async throws {
        let rules = try Self.rulesFile { r in
            // Sign-off at 20 s: long enough that the test's own field batch (sent right after the
            // assignment is seen) is never overtaken by a re-dispatch on a loaded CI machine.
            r["timers"] = [
                "signOff": ["seconds": 20, "warnBefore": 5], "firstFeedback": ["seconds": 6, "warnBefore": 2],
                "close": ["seconds": 3600, "warnBefore": 60], "arrival": ["warnBefore": 60, "fallbackMinutes": 15],
            ]
            r["shifts"] = ["enforce": false, "timeZone": "Asia/Shanghai"]
        }
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", rules]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch", "intake"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")

        let rural = try #require(Self.addresses.first { !Self.urbanGrids.contains($0.grid) })
        let urban = try #require(Self.addresses.first { Self.urbanGrids.contains($0.grid) })
        let crime = try await Self.post("\(intake)/v1/calls", Self.call("criminal", rural.lat, rural.lon, ref: "d-1"))["incidentId"] as! String
        let street = try await Self.post("\(intake)/v1/calls", Self.call("publicOrder", urban.lat, urban.lon, ref: "d-2"))["incidentId"] as! String
        let dispute =
            try await Self.post("\(intake)/v1/calls", Self.call("dispute", rural.lat + 0.001, rural.lon, ref: "d-3", consent: true))["incidentId"]
            as! String
        let crash =
            try await Self.post(
                "\(intake)/v1/calls", Self.call("accidentCasualty", rural.lat - 0.001, rural.lon, ref: "d-4", casualties: 1, channel: "122"))[
                "incidentId"] as! String

        // Each incident's first assignment is kept: on a loaded machine the short sign-off timer
        // may already have re-dispatched one by the time the last is seen.
        var views: [String: [String: Any]] = [:]
        try await eventually("dispatch to assign all four incidents", timeout: .seconds(60)) {
            for id in [crime, street, dispute, crash] where views[id] == nil {
                if let v = try await Self.incident(dispatch, id), v["status"] as? String == "assigned", id != crash || Self.units(v).count >= 2 {
                    views[id] = v
                }
            }
            return views.count == 4
        }
        #expect(views[crime]?["rule"] as? String == "grid-nearest")
        #expect(views[street]?["rule"] as? String == "street-post")
        #expect(views[dispute]?["rule"] as? String == "mediator-pair")
        #expect(Set(Self.units(views[crash]!).map { $0["rule"] as! String }) == ["dual-station", "dual-accident-division"])

        // Field commands over HTTP: the load generator's batch, then the unit is free.
        let unit = try #require(try await Self.incident(dispatch, crime)?["unitId"] as? String, "the unit on \(crime) now")
        let answer = try await Self.post(
            "\(dispatch)/v1/field",
            [
                "commands": ["signedOff", "arrived", "feedback", "closed"].map {
                    ["incidentId": crime, "unitId": unit, "stage": $0, "outcome": "caseOpened"] as [String: Any]
                }
            ])
        #expect(answer["accepted"] as? Int == 4, "\(answer)")
        let closed = try #require(try await Self.incident(dispatch, crime))
        #expect(closed["status"] as? String == "closed" && closed["outcome"] as? String == "caseOpened")
        let kinds = (closed["timeline"] as? [[String: Any]] ?? []).map { $0["kind"] as! String }
        #expect(kinds.contains("notified") && kinds.contains("caseReferred") && kinds.last == "incidentClosed")
        let (illegal, body) = try await HTTPClient.request(
            "POST", "\(dispatch)/v1/field", json: ["commands": [["incidentId": crime, "unitId": unit, "stage": "arrived"]]])
        #expect(illegal == 409, "\(String(decoding: body, as: UTF8.self))")

        // Sign-off timer: nobody signs off the mediators → breach and the next unit.
        let firstMediator = views[dispute]!["unitId"] as! String
        try await eventually("the sign-off breach to re-dispatch \(dispute)", timeout: .seconds(90)) {
            let v = try await Self.incident(dispatch, dispute)
            return Self.units(v ?? [:]).contains { $0["role"] as? String == "redispatch" }
        }
        let redispatched = try #require(try await Self.incident(dispatch, dispute))
        #expect(Self.units(redispatched).first { $0["unitId"] as? String == firstMediator }?["endReason"] as? String == "signOffBreached")
        // First-feedback timer breaches on the crash (6 s).
        try await eventually("the first-feedback breach", timeout: .seconds(90)) {
            let stats = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            return (stats["breaches_firstFeedback"] as? Int ?? 0) >= 1 && (stats["breaches_signOff"] as? Int ?? 0) >= 1
        }

        // Read API.
        let (s1, board) = try await HTTPClient.get("\(dispatch)/v1/units?state=dispatched")
        let dispatched = try JSONSerialization.jsonObject(with: board) as! [[String: Any]]
        #expect(s1 == 200 && dispatched.contains { $0["incidentId"] as? String == street })
        let open = try await HTTPClient.getObject("\(dispatch)/v1/incidents?region=\(views[street]!["regionId"] as! String)")
        #expect((open["incidents"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == street })
        let (s2, queue) = try await HTTPClient.get("\(dispatch)/v1/queue")
        let queueList = try JSONSerialization.jsonObject(with: queue) as? [Any]
        #expect(s2 == 200 && queueList != nil)
        let (s3, metrics) = try await HTTPClient.get("\(dispatch)/metrics")
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(s3 == 200 && text.contains("precinct_dispatch_decision_seconds") && text.contains("precinct_dispatch_sla_breaches_total"))
        #expect(text.contains("precinct_dispatch_queue_length"))

        // The same operations over the ROUTER (how the CLI and the load generator reach them).
        let context = try ZMQContext()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close() }
        try dealer.connect(cluster.endpoint("dispatch", "router"))
        let again = #"{"commands":[{"incidentId":"\#(crime)","unitId":"\#(unit)","stage":"arrived"}]}"#
        _ = try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("field"), "id": .string("f1")]), Array(again.utf8)])
        _ = try dealer.send(multipart: [[], FlatJSON.encode(["op": .string("stats"), "id": .string("s1")]), Array("{}".utf8)])
        var replies: [String: (status: Int?, body: [String: Any])] = [:]
        try await eventually("dispatch to answer over the ROUTER") {
            while let frames = try dealer.receiveMultipart(dontWait: true) {
                func object(_ frame: [UInt8]) -> [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(frame))) as? [String: Any] }
                guard frames.count >= 2, let header = object(frames[frames.count - 2]), let id = header["id"] as? String else { continue }
                replies[id] = (header["status"] as? Int, object(frames[frames.count - 1]) ?? [:])
            }
            return replies.count == 2
        }
        #expect(replies["f1"]?.status == 409 && replies["f1"]?.body["accepted"] as? Int == 0, "\(replies)")
        #expect(replies["s1"]?.status == 200 && replies["s1"]?.body["incidents"] as? Int == 4, "\(replies)")
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
