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

    /// One synthetic day of the demo city through intake and dispatch, 1440× faster than real
    /// time; the test plays the field units. Asserts the distribution of assignments by rule.
    @Test func oneSyntheticDay() async throws {
        // Sign-off is measured elsewhere; here the field player's reaction time (tens of ms of wall
        // time, tens of seconds of event time) must not cause re-dispatches that blur the picture.
        let rules = try Self.rulesFile { r in
            var timers = r["timers"] as! [String: Any]
            timers["signOff"] = ["seconds": 1800, "warnBefore": 600]
            r["timers"] = timers
        }
        let clock = ["--time-factor", "1440", "--time-origin", "2026-11-21T16:00:00Z"]  // 00:00 in Zouping
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let cluster = try Cluster(extraArguments: ["dispatch": clock + ["--rules", rules], "intake": clock])
        defer { cluster.stopAll() }
        try cluster.start("dispatch")
        try cluster.start("intake")
        try await cluster.waitReady(["dispatch", "intake"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")

        // The field player: every dispatched unit signs off, arrives, reports and closes.
        let player = Task {
            while !Task.isCancelled {
                if let (_, b) = try? await HTTPClient.get("\(dispatch)/v1/units?state=dispatched"),
                    let board = try? JSONSerialization.jsonObject(with: b) as? [[String: Any]], !board.isEmpty
                {
                    let commands = board.flatMap { u -> [[String: Any]] in
                        guard let id = u["incidentId"] as? String, let unit = u["id"] as? String else { return [] }
                        return ["signedOff", "arrived", "feedback", "closed"].map {
                            ["incidentId": id, "unitId": unit, "stage": $0, "outcome": "resolvedOnScene"]
                        }
                    }
                    _ = try? await HTTPClient.request("POST", "\(dispatch)/v1/field", json: ["commands": commands])
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        defer { player.cancel() }

        // 200 calls over the day (one every ~7 event-minutes), a fixed mix.
        enum Kind: CaseIterable { case ruralPatrol, urbanPatrol, minor, casualty, consentDispute, dispute }
        let rural = Self.addresses.filter { !Self.urbanGrids.contains($0.grid) }
        let urban = Self.addresses.filter { Self.urbanGrids.contains($0.grid) }
        var sent: [(id: String, kind: Kind)] = []
        let plan: [Kind] = (0..<200).map { i in
            switch i % 10 {
            case 0, 1, 2, 3: .ruralPatrol
            case 4, 5: .urbanPatrol
            case 6: .minor
            case 7: .casualty
            case 8: .consentDispute
            default: .dispute
            }
        }
        let start = ContinuousClock.now
        for (i, kind) in plan.enumerated() {
            let place = kind == .urbanPatrol ? urban[(i * 7) % urban.count] : rural[(i * 13) % rural.count]
            let call: [String: Any] =
                switch kind {
                case .ruralPatrol, .urbanPatrol: Self.call(["criminal", "publicOrder", "helpRequest"][i % 3], place.lat, place.lon, ref: "day-\(i)")
                case .minor: Self.call("accidentMinor", place.lat, place.lon, ref: "day-\(i)", channel: "122")
                case .casualty: Self.call("accidentCasualty", place.lat, place.lon, ref: "day-\(i)", casualties: 1, channel: "122")
                case .consentDispute: Self.call("dispute", place.lat, place.lon, ref: "day-\(i)", consent: true)
                case .dispute: Self.call("dispute", place.lat, place.lon, ref: "day-\(i)")
                }
            let receipt = try await Self.post("\(intake)/v1/calls", call)
            if receipt["outcome"] as? String == "opened", let id = receipt["incidentId"] as? String { sent.append((id, kind)) }
            // Pace the calls over ~58 s of wall time (a day at 1440×).
            let due = start + .milliseconds(290 * (i + 1))
            if ContinuousClock.now < due { try await Task.sleep(until: due, clock: .continuous) }
        }
        #expect(sent.count >= 150, "intake must open most of the calls (got \(sent.count))")

        try await eventually("every incident to be closed by the field player", timeout: .seconds(60)) {
            let stats = try await HTTPClient.getObject("\(dispatch)/v1/stats")
            return stats["incidents"] as? Int == sent.count && (stats["incidents_closed"] as? Int) == sent.count
        }
        var byKind: [Kind: [[String: Any]]] = [:]
        for (id, kind) in sent { byKind[kind, default: []].append(try #require(try await Self.incident(dispatch, id))) }
        func share(_ kind: Kind, _ test: ([String: Any]) -> Bool) -> Double {
            let list = byKind[kind] ?? []
            return list.isEmpty ? 0 : Double(list.filter(test).count) / Double(list.count)
        }
        func primaryRule(_ v: [String: Any]) -> String { v["rule"] as? String ?? "-" }
        let stats = try await HTTPClient.getObject("\(dispatch)/v1/stats")
        let distribution = stats.filter { $0.key.hasPrefix("assignments_") }
        print("synthetic day: \(sent.count) incidents, assignments by rule \(distribution.sorted { $0.key < $1.key })")

        // Rural patrol incidents: grid first (most), then neighbours or the station; never a post.
        #expect(share(.ruralPatrol) { ["grid-nearest", "neighbour-grid", "station-fallback"].contains(primaryRule($0)) } == 1)
        #expect(share(.ruralPatrol) { primaryRule($0) == "grid-nearest" } >= 0.6)
        // Urban incidents: the street post.
        #expect(share(.urbanPatrol) { primaryRule($0) == "street-post" } >= 0.9)
        // Minor accidents: a qualified station unit (or the squadron).
        #expect(share(.minor) { ["accident-station", "accident-squadron"].contains(primaryRule($0)) } == 1)
        // Casualty accidents: a station unit and the accident division, together.
        #expect(
            share(.casualty) { v in
                let rules = Set(Self.units(v).map { $0["rule"] as! String })
                return rules.contains("dual-accident-division") && (rules.contains("dual-station") || rules.contains("accident-squadron"))
            } >= 0.9)
        // Disputes: mediators only with consent, and only by day (their shift is 08:00–20:00).
        #expect(share(.dispute) { primaryRule($0) == "mediator-pair" } == 0)
        let local = TimeZone(identifier: "Asia/Shanghai")!
        func hour(_ v: [String: Any]) -> Double {
            let assigned =
                (Self.units(v).first?["assignedAt"] as? String).flatMap { ISO8601DateFormatter.withFraction.date(from: $0) } ?? .distantPast
            let c = Calendar(identifier: .gregorian).dateComponents(in: local, from: assigned)
            return Double(c.hour ?? 0) + Double(c.minute ?? 0) / 60
        }
        let consent = byKind[.consentDispute] ?? []
        let day = consent.filter { (8.5..<19.5).contains(hour($0)) }
        let nightCalls = consent.filter { hour($0) < 7.5 || hour($0) >= 20.5 }
        #expect(!day.isEmpty && !nightCalls.isEmpty)
        #expect(Double(day.filter { primaryRule($0) == "mediator-pair" }.count) >= 0.8 * Double(day.count))
        #expect(nightCalls.allSatisfy { primaryRule($0) != "mediator-pair" })
        // Every assignment is a row and an event; totals agree with the per-rule counts.
        #expect(distribution.values.compactMap { $0 as? Int }.reduce(0, +) == stats["assignments"] as? Int)
        #expect(stats["incidentsAssigned"] as? Int == sent.count)
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
