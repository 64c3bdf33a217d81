import Bus
import Foundation
import Model
import Testing
import Wire

// Issue 19 end to end, through the real processes with CURVE: calls 110 diverts reach the 12345
// example client (Examples/python/platform12345.py) through liaison's gateway, it accepts one and
// returns the other over liaison's ROUTER, and intake reopens the returned one as an incident
// from the original call. No key without the `handoff.12345.` grant receives a caller's contact.
// A department's key answers its own department's support requests only; scoring's /v1/kpis shows the hand-offs.

@Suite(.serialized, .processLevel)
struct HandoffEndToEndTests {
    static let python = Cluster.packageRoot.appendingPathComponent(".build/pyenv/bin/python")

    @Test func aDiversionGoesToThe12345ClientAndComesBackAsAReturnedIncidentOverCurve() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            Issue.record("\(Self.python.path) is missing: run `make pyenv` (make test does)")
            return
        }
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let keys = try Keys(
            in: cluster.root,
            [
                ("intake", "service", []), ("dispatch", "service", []), ("scoring", "service", []), ("liaison", "service", []),
                ("platform12345", "integrator", [Topics.handoff12345]),
                // A department's key: it answers its own department's support requests, no other's.
                ("dept-cyber", "integrator", [Topics.supportRequest + "cyber"]),
                // Every other integrator topic, and a try at the diversions outside its grants.
                ("auditor", "integrator", Topics.integratorFacing),
            ])
        let services = ["intake", "dispatch", "scoring", "liaison"]
        for s in services { try cluster.start(s, as: s, arguments: cluster.arguments(for: s) + keys.arguments(s)) }
        try await cluster.waitReady(services)
        let intake = try await cluster.http("intake")
        let liaison = try await cluster.http("liaison")

        let gateway = cluster.endpoint("liaison", "integrators")
        let router = cluster.endpoint("liaison", "router")
        let liaisonKey = keys.publicKeys["liaison"]!
        let platform = try Program(
            Self.python,
            [
                Cluster.packageRoot.appendingPathComponent("Examples/python/platform12345.py").path, "--gateway", gateway, "--router", router,
                "--server-key", liaisonKey, "--key", keys.file("platform12345"), "--plan", "accept,return", "--count", "2", "--timeout", "120",
            ], output: cluster.root.appendingPathComponent("platform.out"))
        let auditor = try Program(
            Self.python,
            [
                Cluster.packageRoot.appendingPathComponent("Examples/python/subscriber.py").path, "--endpoint", gateway, "--server-key", liaisonKey,
                "--key", keys.file("auditor"), "--count", "0", "--timeout", "120",
            ] + (Topics.integratorFacing + [Topics.handoff12345, "handoff."]).flatMap { ["--subscribe", $0] },
            output: cluster.root.appendingPathComponent("auditor.out"))
        defer { for p in [platform, auditor] { p.stop() } }
        // platform: 1 accepted; auditor: its 3 granted prefixes accepted, the 2 diversion prefixes refused.
        try await eventually("the gateway to have every subscription") {
            let page = String(decoding: try await HTTPClient.get("\(liaison)/metrics").body, as: UTF8.self)
            return metric(page, "precinct_bus_subscriptions_accepted_total") >= 4
                && metric(page, "precinct_bus_subscriptions_refused_total", ["reason=\"not_granted\""]) >= 2
        }

        // Two non-police calls the call-taker marks as such, full of personal data.
        let first = try await divert(intake, ref: "handoff-1", name: "周保密", phone: "13955556666", description: "小区门口路灯坏了好几天")
        let second = try await divert(intake, ref: "handoff-2", name: "吴私密", phone: "13977778888", description: "楼下广场舞噪音太大")
        #expect(try await platform.waitExit("the 12345 client to answer both diversions") == 0, "\(platform.text)")

        let lines = platform.lines
        #expect(lines.map { ($0["diversion"] as? [String: Any])?["callId"] as? String } == [first.callId, second.callId], "\(platform.text)")
        // The platform has what it needs to act, the caller's contact included.
        let diversion = try #require(lines.first?["diversion"] as? [String: Any])
        #expect((diversion["caller"] as? [String: Any])?["phone"] as? String == "13955556666")
        #expect(diversion["department"] as? String == "市住建局（市政）" && diversion["answerBy"] is String)
        #expect((lines.first?["topic"] as? String)?.hasPrefix(Topics.handoff12345) == true)
        func replies(_ line: [String: Any]?) -> [Int] {
            ((line?["answers"] as? [[String: Any]]) ?? []).compactMap { ($0["reply"] as? [String: Any])?["status"] as? Int }
        }
        #expect(replies(lines.first) == [200] && replies(lines.last) == [200], "\(platform.text)")

        // The returned one: intake reopened it as an incident from the original call, its receipt time kept.
        var record: [String: Any] = [:]
        try await eventually("intake to reopen the returned call") {
            record = try await HTTPClient.getObject("\(intake)/v1/calls/\(second.callId)")
            return record["outcome"] as? String == "opened"
        }
        let incidentId = try #require(record["incidentId"] as? String)
        #expect(record["receivedAt"] as? String == second.receivedAt)
        #expect((record["flags"] as? [String])?.contains("returned-by-12345") == true)
        let steps = (record["handoff"] as? [[String: Any]])?.map { $0["transition"] as? String }
        #expect(steps == ["delivered", "returned"], "\(record)")
        #expect(((record["handoff"] as? [[String: Any]])?.last?["by"] as? String) == "platform12345", "answeredBy is the key's name")
        let incident = try await HTTPClient.getObject("\(intake)/v1/incidents/\(incidentId)")
        #expect(incident["id"] as? String == incidentId || incident["incidentId"] as? String == incidentId, "\(incident)")
        // The accepted one: its whole life on intake's read API and on liaison's.
        try await eventually("intake to show the accepted call's life") {
            let r = try await HTTPClient.getObject("\(intake)/v1/calls/\(first.callId)")
            return (r["handoff"] as? [[String: Any]])?.compactMap { $0["transition"] as? String } == ["delivered", "accepted"]
        }
        let handoff = try await HTTPClient.getObject("\(liaison)/v1/handoffs/\(first.callId)")
        #expect(handoff["state"] as? String == "accepted" && (handoff["workOrderId"] as? String)?.isEmpty == false, "\(handoff)")

        // No key without the grant receives a caller's contact, nor may it answer.
        #expect(!auditor.text.contains("13955556666") && !auditor.text.contains("13977778888"), "\(auditor.text)")
        #expect(!auditor.text.contains("周保密") && !auditor.text.contains("\"caller\""))
        let refused = try await IntegratorEndToEndTests().request(
            keys, "auditor", router, ["op": .string("handoff.answer"), "id": .string("x")])
        #expect(refused.first.flatMap { try? FlatJSON.parseObject($0) }?["status"] == .integer(403))
        // A diversion is not replayed to a key without the grant either.
        let replayed = try await IntegratorEndToEndTests().replayAsIntegrator(keys, "auditor", router)
        #expect(!replayed.contains { $0.hasPrefix("handoff.") }, "\(replayed)")
        #expect(try await IntegratorEndToEndTests().replayAsIntegrator(keys, "platform12345", router).filter { $0.hasPrefix(Topics.handoff12345) }.count == 2)

        // A department's key answers its own department's requests over the ROUTER, and is refused another's.
        let cyberRequest = try await raiseSupport(liaison, department: "cyber", kind: "cyberTrace", need: "追查诈骗号码")
        let trafficRequest = try await raiseSupport(liaison, department: "traffic", kind: "trafficControl", need: "路口临时管制")
        let foreign = try await request(
            keys, "dept-cyber", router, ["op": .string("support.reply"), "id": .string("s1")],
            body: ["requestId": trafficRequest, "step": "acknowledged"])
        #expect(foreign.first.flatMap { try? FlatJSON.parseObject($0) }?["status"] == .integer(403), "\(foreign.map { String(decoding: $0, as: UTF8.self) })")
        let foreignError = (foreign.count > 1 ? json(Data(foreign[1])) : [:])["error"] as? [String: Any]
        #expect(foreignError?["field"] as? String == "requestId" && foreignError?["code"] as? String == "forbidden", "\(String(describing: foreignError))")
        let untouched = try await HTTPClient.getObject("\(liaison)/v1/support/\(trafficRequest)")
        #expect(untouched["state"] as? String == "requested", "a refused reply changes nothing: \(untouched)")
        let own = try await request(
            keys, "dept-cyber", router, ["op": .string("support.reply"), "id": .string("s2")],
            body: ["requestId": cyberRequest, "step": "answered", "answer": "号码已锁定"])
        #expect(own.first.flatMap { try? FlatJSON.parseObject($0) }?["status"] == .integer(200), "\(own.map { String(decoding: $0, as: UTF8.self) })")
        let answered = try await HTTPClient.getObject("\(liaison)/v1/support/\(cyberRequest)")
        let answeredSteps = (answered["steps"] as? [[String: Any]]) ?? []
        #expect(answered["state"] as? String == "answered", "\(answered)")
        #expect(answeredSteps.map { $0["transition"] as? String } == ["requested", "acknowledged", "answered"], "\(answered)")
        #expect(answeredSteps.dropFirst().allSatisfy { $0["by"] as? String == "dept-cyber" }, "answeredBy is the key's name: \(answered)")

        // scoring's main KPI answer carries the hand-offs: one diversion accepted, one returned, cyber answered on time.
        var handoffs: [String: Any] = [:]
        try await eventually("scoring's /v1/kpis to show the answered diversions and the support requests") {
            let report = try await HTTPClient.getObject("\(try await cluster.http("scoring"))/v1/kpis?level=city&period=month")
            handoffs = (report["handoffs"] as? [String: Any]) ?? [:]
            let all = (handoffs["diversions"] as? [[String: Any]])?.first
            let support = (handoffs["support"] as? [[String: Any]]) ?? []
            return all?["diversions"] as? Int == 2 && ((all?["returnedShare"] as? [String: Any])?["numerator"] as? Double) == 1
                && support.contains { $0["departmentId"] as? String == "cyber" && ($0["answeredOnTimeRate"] as? [String: Any])?["numerator"] as? Double == 1 }
        }
        let all = try #require((handoffs["diversions"] as? [[String: Any]])?.first, "\(handoffs)")
        #expect(all["department"] as? String == "all")
        #expect((all["acceptedShare"] as? [String: Any])?["value"] as? Double == 0.5, "\(handoffs)")
        #expect((all["returnedShare"] as? [String: Any])?["value"] as? Double == 0.5, "\(handoffs)")
        let cyber = try #require((handoffs["support"] as? [[String: Any]])?.first { $0["departmentId"] as? String == "cyber" })
        #expect(cyber["requests"] as? Int == 1 && (cyber["answeredOnTimeRate"] as? [String: Any])?["value"] as? Double == 1, "\(cyber)")
    }

    /// One request with a JSON body from integrator key `name` on liaison's ROUTER; the reply's frames.
    func request(_ keys: Keys, _ name: String, _ router: String, _ header: KeyValuePairs<String, FlatJSON.Value>, body: [String: Any])
        async throws -> [[UInt8]]
    {
        let context = try ZMQContext()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close() }
        try dealer.makeCurveClient(try CurveKeyPair.load(from: URL(fileURLWithPath: keys.file(name))), serverKey: keys.publicKeys["liaison"]!)
        try dealer.connect(router)
        try dealer.send(multipart: [[], FlatJSON.encode(header), Array(try JSONSerialization.data(withJSONObject: body))])
        var reply: [[UInt8]]?
        try await eventually("\(name)'s reply from \(router)") {
            reply = try dealer.receiveMultipart(dontWait: true)
            return reply != nil
        }
        return Array(reply!.dropFirst())  // the delimiter
    }

    /// Raises a support request over liaison's HTTP API; its id.
    func raiseSupport(_ liaison: String, department: String, kind: String, need: String) async throws -> String {
        let body: [String: Any] = ["departmentId": department, "kind": kind, "incidentId": "I00000042", "requestedBy": "S07", "need": need]
        let (status, reply) = try await HTTPClient.request("POST", "\(liaison)/v1/support", json: body)
        #expect(status == 201, "\(String(decoding: reply, as: UTF8.self))")
        return try #require(json(reply)["requestId"] as? String)
    }

    @Test func aSupportRequestPastItsLimitEscalatesToTheCommandCentre() async throws {
        // 600× event time: the special police's 120 s / 600 s limits pass in about a second.
        let cluster = try Cluster(extraArguments: ["liaison": ["--time-factor", "600"]])
        defer { cluster.stopAll() }
        // liaison is ready once the sources it follows answered.
        for s in ["intake", "dispatch", "liaison"] { try cluster.start(s) }
        try await cluster.waitReady(["intake", "dispatch", "liaison"])
        let liaison = try await cluster.http("liaison")
        let body: [String: Any] = [
            "departmentId": "special", "kind": "armedSupport", "incidentId": "I00000042", "requestedBy": "S07", "need": "持械嫌疑人，请求特警支援",
        ]
        let (status, reply) = try await HTTPClient.request("POST", "\(liaison)/v1/support", json: body)
        #expect(status == 201, "\(String(decoding: reply, as: UTF8.self))")
        let requestId = try #require(json(reply)["requestId"] as? String)
        var request: [String: Any] = [:]
        try await eventually("both limits to escalate") {
            request = try await HTTPClient.getObject("\(liaison)/v1/support/\(requestId)")
            return (request["escalated"] as? [String]) == ["acknowledge", "answer"]
        }
        let steps = (request["steps"] as? [[String: Any]]) ?? []
        #expect(steps.map { $0["transition"] as? String } == ["requested", "escalated", "escalated"])
        #expect(steps.last?["escalatedTo"] as? String == "commandCentre")
        // Visible on the incident's list too.
        let listed = try await HTTPClient.getObject("\(liaison)/v1/support?incidentId=I00000042")
        #expect((listed["requests"] as? [[String: Any]])?.map { $0["requestId"] as? String } == [requestId], "\(listed)")
        // A refused request says which field is wrong.
        let (bad, problem) = try await HTTPClient.request("POST", "\(liaison)/v1/support", json: ["departmentId": "navy", "kind": "x", "incidentId": "I1", "requestedBy": "S07", "need": "n"])
        #expect(bad == 422, "\(String(decoding: problem, as: UTF8.self))")
        #expect(((json(problem)["error"] as? [String: Any])?["field"] as? String) == "departmentId")
    }

    /// Posts a call the call-taker marks non-police; its id and receipt time.
    func divert(_ intake: String, ref: String, name: String, phone: String, description: String) async throws -> (callId: String, receivedAt: String) {
        let body: [String: Any] = [
            "channel": "110", "caller": ["name": name, "phone": phone], "location": ["lat": 36.855746, "lon": 117.723495],
            "categoryHint": "nonPolice", "description": description, "callTaker": "CT01", "clientRef": ref,
        ]
        let (status, reply) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: body)
        #expect(status == 201 || status == 200 || status == 202, "\(String(decoding: reply, as: UTF8.self))")
        let receipt = json(reply)
        #expect(receipt["outcome"] as? String == "diverted", "\(receipt)")
        let callId = try #require(receipt["callId"] as? String)
        let record = try await HTTPClient.getObject("\(intake)/v1/calls/\(callId)")
        return (callId, try #require(record["receivedAt"] as? String))
    }
}
