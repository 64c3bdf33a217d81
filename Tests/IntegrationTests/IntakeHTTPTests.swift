import Bus
import Foundation
import Testing
#if canImport(FoundationNetworking)
    import FoundationNetworking
    import Wire
#endif

/// intake as a real process, with a fake dispatch on the bus (so intake is ready, and a test can
/// publish dispatch's lifecycle events to it). Stops what it starts.
final class IntakeRig: @unchecked Sendable {
    let cluster: Cluster
    let context: ZMQContext
    let dispatch: SocketThread<FakeSourceLoop>
    let http: String

    private init(cluster: Cluster, context: ZMQContext, dispatch: SocketThread<FakeSourceLoop>, http: String) {
        self.cluster = cluster
        self.context = context
        self.dispatch = dispatch
        self.http = http
    }

    static func start() async throws -> IntakeRig {
        let cluster = try Cluster()
        let context = try ZMQContext()
        let fake = try SocketThread(name: "fake-dispatch") {
            try FakeSourceLoop(
                context: context, name: "dispatch", pub: cluster.endpoint("dispatch", "pub"), router: cluster.endpoint("dispatch", "router"))
        }
        do {
            try cluster.start("intake")
            try await cluster.waitReady(["intake"])
            return IntakeRig(cluster: cluster, context: context, dispatch: fake, http: try await cluster.http("intake"))
        } catch {
            fake.stop()
            cluster.stopAll()
            throw error
        }
    }

    func stop() {
        cluster.stopAll()
        dispatch.stop()
    }

    var router: String { cluster.endpoint("intake", "router") }

    /// POST raw bytes.
    func post(_ path: String, raw: Data) async throws -> (status: Int, object: [String: Any]) {
        var r = URLRequest(url: URL(string: "\(http)\(path)")!)
        r.httpMethod = "POST"
        r.setValue("Bearer \(try await TestTokens.everyRole())", forHTTPHeaderField: "Authorization")
        r.httpBody = raw
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await HTTPClient.session.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
    }

    func post(_ path: String, json: [String: Any]) async throws -> (status: Int, object: [String: Any]) {
        try await post(path, raw: try JSONSerialization.data(withJSONObject: json))
    }

    func get(_ path: String) async throws -> (status: Int, object: [String: Any]) {
        let (status, body) = try await HTTPClient.get("\(http)\(path)")
        return (status, (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:])
    }

    /// `[{"op": op}, body]` to intake's ROUTER; the reply's status frame and JSON body.
    func request(_ op: String, raw: [UInt8]) async throws -> (status: [String: FlatJSON.Value], object: [String: Any]) {
        let context = self.context
        let router = self.router
        let (status, body) = try await onThread { () -> ([String: FlatJSON.Value], [UInt8]) in
            let socket = try Socket(context, .req)
            defer { socket.close() }
            try socket.configure(SocketOptions(receiveTimeout: .seconds(10)))
            try socket.connect(router)
            try socket.send(multipart: [FlatJSON.encode(["op": .string(op), "id": .string("t1")]), raw])
            guard let frames = try socket.receiveMultipart(), frames.count == 2 else { throw ClusterError("no answer from intake's ROUTER") }
            return (try FlatJSON.parseObject(frames[0]), frames[1])
        }
        return (status, (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:])
    }

    func request(_ op: String, json: [String: Any]) async throws -> (status: [String: FlatJSON.Value], object: [String: Any]) {
        try await request(op, raw: Array(try JSONSerialization.data(withJSONObject: json)))
    }

    /// intake's outbox, as replayed from its ROUTER.
    func events() async throws -> [Envelope] {
        try await replay(context: context, router: router, source: "intake").events
    }
}

/// A demo-city call (urban grid, post P1) with the given changes.
func intakeCall(_ changes: [String: Any] = [:]) -> [String: Any] {
    var call: [String: Any] = [
        "channel": "110",
        "caller": ["name": "王某", "phone": "13800000001"],
        "location": ["lat": 36.855746, "lon": 117.723495],
        "categoryHint": "dispute",
        "description": "楼上漏水，与邻居发生纠纷",
        "callTaker": "CT01",
    ]
    for (k, v) in changes { call[k] = v }
    return call
}

func errorDetail(_ object: [String: Any]) -> [String: Any] { object["error"] as? [String: Any] ?? [:] }

@Suite(.serialized, .processLevel)
struct IntakeHTTPTests {
    @Test("1–2: every rejection names field and reason (400/413/422, JSON), is recorded with the reason and countable")
    func rejections() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let cases: [(String, Data, Int, String, String)] = [
            ("broken JSON", Data("{\"channel\": \"110\",".utf8), 400, "invalid-json", ""),
            ("wrong type", try JSONSerialization.data(withJSONObject: intakeCall(["casualties": "two"])), 400, "wrong-type", "casualties"),
            ("unknown channel", try JSONSerialization.data(withJSONObject: intakeCall(["channel": "119"])), 422, "unknown-channel", "channel"),
            (
                "impossible time", try JSONSerialization.data(withJSONObject: intakeCall(["receivedAt": "2999-01-01T00:00:00Z"])), 422,
                "impossible-time", "receivedAt"
            ),
            (
                "outside the jurisdiction", try JSONSerialization.data(withJSONObject: intakeCall(["location": ["lat": 39.9, "lon": 116.4]])), 422,
                "outside-jurisdiction", "location"
            ),
            (
                "122 without a phone", try JSONSerialization.data(withJSONObject: intakeCall(["channel": "122", "caller": ["name": "x"]])), 422,
                "missing-field", "caller.phone"
            ),
            (
                "oversized", Data(("{\"channel\":\"110\",\"description\":\"" + String(repeating: "x", count: 70_000) + "\"}").utf8), 413, "too-large",
                ""
            ),
        ]
        var callIds: [String] = []
        for (what, body, status, code, field) in cases {
            let (s, o) = try await rig.post("/v1/calls", raw: body)
            let e = errorDetail(o)
            #expect(s == status, "\(what): \(o)")
            #expect(e["code"] as? String == code, "\(what): \(o)")
            // The one error shape: `field` is absent when the body as a whole is at fault.
            #expect(e["field"] as? String == (field.isEmpty ? nil : field), "\(what): \(o)")
            #expect((e["message"] as? String)?.contains("recorded and rejected") == true, "\(what): \(o)")
            let callId = try #require(e["callId"] as? String, "\(what): a rejected call is recorded: \(o)")
            callIds.append(callId)
        }
        let stats = try await rig.get("/v1/stats").object
        #expect(stats["calls_rejected"] as? Int == cases.count)
        #expect(stats["calls_rejected_missing-field"] as? Int == 1)
        #expect(stats["calls_rejected_too-large"] as? Int == 1)
        let page = try await rig.get("/v1/calls?outcome=rejected&limit=50").object
        let listed = (page["calls"] as? [[String: Any]]) ?? []
        #expect(listed.compactMap { $0["callId"] as? String } == callIds)
        #expect(listed.compactMap { $0["reasonCode"] as? String } == cases.map(\.3))
        let one = try await rig.get("/v1/calls/\(callIds[4])").object
        #expect(one["reason"] as? String == "(39.9, 116.4) is outside the jurisdiction" && one["callTaker"] as? String == "CT01")
    }

    @Test("1: the four channels take a call; the receipt keeps callId, incidentId, outcome; clientRef is idempotent")
    func channelsAndIdempotency() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let calls: [[String: Any]] = [
            intakeCall(["channel": "110", "clientRef": "c-1"]),
            intakeCall([
                "channel": "122", "categoryHint": "accidentMinor", "caller": ["phone": "13900000002"],
                "location": ["lat": 36.90354, "lon": 117.73929],
            ]),
            intakeCall([
                "channel": "12345", "caller": ["phone": "13900000003"], "referral": ["ticketId": "GD-7"],
                "location": ["lat": 36.873853, "lon": 117.885356],
            ]),
            intakeCall([
                "channel": "enterprise", "caller": ["phone": "13900000004"], "enterpriseId": "E0002",
                "location": ["lat": 36.991158, "lon": 117.669942],
            ]),
        ]
        var first: [String: Any] = [:]
        for (i, c) in calls.enumerated() {
            let (s, o) = try await rig.post("/v1/calls", json: c)
            #expect(s == 201, "\(o)")
            #expect(o["outcome"] as? String == "opened" && o["incidentId"] is String && o["callId"] is String, "\(o)")
            if i == 0 { first = o }
        }
        let (again, o) = try await rig.post("/v1/calls", json: calls[0])
        #expect(again == 200 && o["callId"] as? String == first["callId"] as? String && o["incidentId"] as? String == first["incidentId"] as? String)
        let stats = try await rig.get("/v1/stats").object
        #expect(stats["calls"] as? Int == 4 && stats["incidents"] as? Int == 4 && stats["calls_opened"] as? Int == 4)
        for channel in ["110", "122", "12345", "enterprise"] { #expect(stats["calls_channel_\(channel)"] as? Int == 1) }
        #expect(try await rig.get("/v1/calls/count?clientRefPrefix=c-").object["count"] as? String == "1")
        let enterprise = try await rig.get("/v1/calls?channel=enterprise").object["calls"] as? [[String: Any]]
        #expect(enterprise?.first?["enterpriseRelated"] as? Bool == true)
    }

    @Test("3–4: rules classify, unmatched calls wait for review until classified; address and unresolved locations")
    func classificationAndLocation() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        var (s, o) = try await rig.post("/v1/calls", json: intakeCall(["categoryHint": NSNull(), "description": "饭店门口有人喝多了打架"]))
        #expect(s == 201 && o["category"] as? String == "publicOrder" && o["categorySource"] as? String == "rule:fight", "\(o)")
        (s, o) = try await rig.post(
            "/v1/calls",
            json: intakeCall([
                "categoryHint": NSNull(), "description": "请来一下", "caller": ["phone": "13900000011"],
                "location": ["address": "邹平市台子镇台子三路114号"],
            ]))
        #expect(s == 202 && o["outcome"] as? String == "review" && o["incidentId"] == nil, "\(o)")
        #expect((o["location"] as? [String: Any])?["gridId"] as? String == "G001", "a standard address resolves to its grid")
        let callId = try #require(o["callId"] as? String)
        (s, o) = try await rig.post("/v1/calls/\(callId)/classify", json: ["category": "helpRequest", "callTaker": "CT02"])
        #expect(s == 201 && o["outcome"] as? String == "opened" && o["category"] as? String == "helpRequest", "\(o)")
        (s, o) = try await rig.post("/v1/calls/\(callId)/classify", json: ["category": "helpRequest"])
        #expect(s == 409 && errorDetail(o)["code"] as? String == "not-in-review")
        (s, o) = try await rig.post("/v1/calls", json: intakeCall(["location": NSNull(), "caller": ["phone": "13900000012"]]))
        #expect(s == 201 && (o["flags"] as? [String]) == ["location-unresolved"] && o["location"] == nil, "\(o)")
    }

    @Test("5, 8: repeat calls merge (an event of their own); the incident lists its calls; the caller ledger answers")
    func mergeAndReadAPI() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let (_, first) = try await rig.post("/v1/calls", json: intakeCall(["caller": ["phone": "13800002777"]]))
        let incidentId = try #require(first["incidentId"] as? String)
        let (s, second) = try await rig.post(
            "/v1/calls",
            json: intakeCall([
                "caller": ["phone": "13800002777"], "description": "又来吵闹了",
                "location": ["lat": 36.856046, "lon": 117.723295],
            ]))
        #expect(
            s == 201 && second["outcome"] as? String == "merged" && second["incidentId"] as? String == incidentId
                && second["mergeReason"] as? String == "sameCaller")
        let (_, third) = try await rig.post(
            "/v1/calls", json: intakeCall(["caller": ["phone": "13900000020"], "location": ["lat": 36.8562, "lon": 117.7234]]))
        #expect(third["outcome"] as? String == "merged" && third["mergeReason"] as? String == "samePlace")

        let incident = try await rig.get("/v1/incidents/\(incidentId)")
        #expect(incident.status == 200)
        #expect(incident.object["callCount"] as? Int == 3)
        #expect(
            ((incident.object["calls"] as? [[String: Any]]) ?? []).compactMap { $0["callId"] as? String }
                == [first["callId"], second["callId"], third["callId"]].compactMap { $0 as? String })
        #expect(try await rig.get("/v1/incidents/I99999999").status == 404)

        let caller = try await rig.get("/v1/callers/13800002777")
        #expect(caller.status == 200 && caller.object["calls"] as? Int == 2 && caller.object["incidents"] as? Int == 1)
        #expect((caller.object["byOutcome"] as? [String: Int]) == ["opened": 1, "merged": 1])
        #expect(try await rig.get("/v1/callers/10000000000").status == 404)
        #expect(try await rig.get("/v1/callers?flag=bogus").status == 400)

        // Each call's request also left its audit record (docs/security.md); the incident events are these.
        let events = try await rig.events().filter { $0.header.type != "audit" }
        #expect(events.map(\.header.type) == ["incident.opened", "incident.merged", "incident.merged"])
        #expect(events[1].topic.hasPrefix("incident.merged.R") && events[1].header.correlationId == incidentId)
    }

    @Test("6: a non-police call is diverted to 12345 with an incident.diverted event")
    func diversion() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let (s, o) = try await rig.post("/v1/calls", json: intakeCall(["categoryHint": "nonPolice", "description": "小区门口路灯坏了好几天"]))
        #expect(s == 201 && o["outcome"] as? String == "diverted" && o["incidentId"] == nil, "\(o)")
        #expect((o["diversion"] as? [String: Any])?["ruleId"] as? String == "street-lighting")
        let events = try await rig.events()
        let diverted = try #require(events.first { $0.header.type == "incident.diverted" })
        #expect(diverted.topic.hasPrefix("incident.diverted.R"))
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(diverted.payload)) as? [String: Any])
        #expect(payload["callId"] as? String == o["callId"] as? String && payload["department"] as? String == "市住建局（市政）")
        #expect((payload["caller"] as? [String: Any])?["phone"] as? String == "13800000001" && payload["description"] as? String == "小区门口路灯坏了好几天")
        #expect(try await rig.get("/v1/stats").object["calls_diverted_street-lighting"] as? Int == 1)
    }

    @Test("7: intake follows dispatch's lifecycle: after dispatch closes the incident, a repeat call opens a new one")
    func lifecycle() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let (_, first) = try await rig.post("/v1/calls", json: intakeCall(["caller": ["phone": "13800002777"]]))
        let incidentId = try #require(first["incidentId"] as? String)
        let closed = """
            {"incidentId":"\(incidentId)","unitId":"U001","officerIds":["O0001"],"stage":"closed","outcome":"falseReport","regionId":"R1","at":"2026-11-22T08:30:00.000Z"}
            """
        rig.dispatch.execute {
            $0.publish(topic: "dispatch.field.closed.R1", type: "dispatch.field", version: 1, payload: closed, correlationId: incidentId)
        }
        try await eventually("intake to apply dispatch's close") {
            try await rig.get("/v1/incidents/\(incidentId)").object["status"] as? String == "closed"
        }
        let (_, again) = try await rig.post("/v1/calls", json: intakeCall(["caller": ["phone": "13800002777"]]))
        #expect(again["outcome"] as? String == "opened" && again["incidentId"] as? String != incidentId, "\(again)")
        #expect(try await rig.get("/v1/callers/13800002777").object["falseReports"] as? Int == 1)
    }

    @Test("8: GET /v1/calls filters and pages; bad filters name the parameter")
    func listing() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        for i in 0..<5 {
            _ = try await rig.post(
                "/v1/calls",
                json: intakeCall([
                    "caller": ["phone": "1390000010\(i)"], "callTaker": "CT0\(i % 2 + 1)",
                    "location": ["lat": 36.80 + Double(i) * 0.02, "lon": 117.75],
                ]))
        }
        var ids: [String] = []
        var path = "/v1/calls?limit=2"
        while true {
            let page = try await rig.get(path).object
            ids += ((page["calls"] as? [[String: Any]]) ?? []).compactMap { $0["callId"] as? String }
            guard let next = page["next"] as? String else { break }
            path = "/v1/calls?limit=2&after=\(next)"
        }
        #expect(ids.count == 5 && Set(ids).count == 5)
        let ct2 = try await rig.get("/v1/calls?callTaker=CT02").object["calls"] as? [[String: Any]]
        #expect(ct2?.count == 2)
        for (bad, field) in [("limit=x", "limit"), ("limit=0", "limit"), ("outcome=lost", "outcome"), ("since=yesterday", "since")] {
            let (s, o) = try await rig.get("/v1/calls?\(bad)")
            #expect(s == 400 && errorDetail(o)["field"] as? String == field, "\(bad): \(o)")
        }
    }

    @Test("9: /metrics counts calls by channel, outcome and reason")
    func metrics() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        _ = try await rig.post("/v1/calls", json: intakeCall())
        _ = try await rig.post("/v1/calls", json: intakeCall())  // same caller: merged
        _ = try await rig.post(
            "/v1/calls", json: intakeCall(["channel": "122", "caller": ["phone": "13900000030"], "location": ["lat": 39.9, "lon": 116.4]]))
        _ = try await rig.post(
            "/v1/calls", json: intakeCall(["caller": ["phone": "13900000031"], "categoryHint": "nonPolice", "description": "路灯坏了"]))
        let (_, body) = try await HTTPClient.get("\(rig.http)/metrics")
        let text = String(decoding: body, as: UTF8.self)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("precinct_intake_calls_total{") }
        func value(_ labels: [String]) -> String? {
            lines.first { line in labels.allSatisfy { line.contains($0) } }.map { String($0.split(separator: " ").last ?? "") }
        }
        #expect(value(["channel=\"110\"", "outcome=\"opened\"", "reason=\"new\""]) == "1", "\(lines)")
        #expect(value(["channel=\"110\"", "outcome=\"merged\"", "reason=\"sameCaller\""]) == "1", "\(lines)")
        #expect(value(["channel=\"122\"", "outcome=\"rejected\"", "reason=\"outside-jurisdiction\""]) == "1", "\(lines)")
        #expect(value(["channel=\"110\"", "outcome=\"diverted\"", "reason=\"street-lighting\""]) == "1", "\(lines)")
    }

    @Test("1: the OpenAPI document is served and documents every route")
    func openAPI() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        let (status, doc) = try await rig.get("/openapi.json")
        #expect(status == 200)
        #expect((doc["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = (doc["paths"] as? [String: Any]) ?? [:]
        for path in [
            "/v1/calls", "/v1/calls/{id}", "/v1/calls/{id}/classify", "/v1/calls/count", "/v1/incidents/{id}", "/v1/callers",
            "/v1/callers/{phone}", "/v1/stats", "/openapi.json",
        ] {
            #expect(paths[path] != nil, "\(path) is not documented")
        }
        let schemas = ((doc["components"] as? [String: Any])?["schemas"] as? [String: Any]) ?? [:]
        let channels = ((schemas["Channel"] as? [String: Any])?["enum"] as? [String]) ?? []
        #expect(channels == ["110", "122", "12345", "enterprise"])
    }
}
