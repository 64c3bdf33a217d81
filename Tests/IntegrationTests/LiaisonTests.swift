import Bus
import Foundation
import Model
import Testing
import Wire

/// Collects what a SUB socket receives, on a thread of its own (never the cooperative pool).
final class TopicCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [Envelope] = []
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)

    init(context: ZMQContext, endpoint: String, prefixes: [String]) {
        Thread { [self] in
            defer { done.signal() }
            guard let socket = try? Socket(context, .sub) else { return }
            defer { socket.close() }
            try? socket.configure(SocketOptions(receiveTimeout: .milliseconds(100)))
            for p in prefixes { try? socket.subscribe(p) }
            try? socket.connect(endpoint)
            while !lock.withLock({ stopping }) {
                guard let frames = (try? socket.receiveMultipart()) ?? nil, let envelope = try? Envelope(frames: frames) else { continue }
                lock.withLock { received.append(envelope) }
            }
        }.start()
    }

    var events: [Envelope] { lock.withLock { received } }

    func stop() {
        lock.withLock { stopping = true }
        done.wait()
    }
}

func json(_ body: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

func demoEnterprise(_ id: String) -> [String: Any] {
    let url = Cluster.packageRoot.appendingPathComponent("cities/demo/enterprises.json")
    let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    return (root["enterprises"] as! [[String: Any]]).first { $0["id"] as? String == id }!
}

/// The unit dispatch assigned signs off, arrives and closes the incident through the field API.
func closeThroughField(_ dispatch: String, _ incidentId: String) async throws {
    var unitId: String?
    try await eventually("dispatch to assign a unit to \(incidentId)") {
        unitId = json(try await HTTPClient.get("\(dispatch)/v1/incidents/\(incidentId)").body)["unitId"] as? String
        return unitId != nil
    }
    for (stage, outcome) in [("signedOff", nil), ("enRoute", nil), ("arrived", nil), ("feedback", nil), ("closed", "resolvedOnScene")]
        as [(String, String?)]
    {
        var command: [String: Any] = ["incidentId": incidentId, "unitId": unitId!, "stage": stage]
        if let outcome { command["outcome"] = outcome }
        let (s, b) = try await HTTPClient.request("POST", "\(dispatch)/v1/field", json: ["commands": [command]])
        #expect(s == 200, "field \(stage): \(s) \(String(decoding: b, as: UTF8.self))")
    }
}

func location(_ enterprise: [String: Any]) -> (lat: Double, lon: Double) {
    let l = enterprise["location"] as! [String: Double]
    return (l["lat"]!, l["lon"]!)
}

/// The end-to-end promise of issue #7: a call inside an enterprise geofence, posted to intake,
/// gives exactly one alert on that enterprise's topic, without the caller's personal data; the
/// unit's arrival and the close give one more each.
@Suite(.serialized, .processLevel)
struct LiaisonEndToEndTests {
    @Test func aCallInsideAGeofenceAlertsItsEnterpriseExactlyOnceWithoutPersonalData() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        // Scoring plays no part here: intake, dispatch and liaison only.
        let services = ["intake", "dispatch", "liaison"]
        for s in services { try cluster.start(s) }
        try await cluster.waitReady(services)
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let enterprise = demoEnterprise("E0002")
        let officer = enterprise["liaisonOfficerId"] as! String
        let (lat, lon) = location(enterprise)

        let context = try ZMQContext()
        let topic = "alert.enterprise.E0002"
        let collector = TopicCollector(context: context, endpoint: cluster.endpoint("liaison", "pub"), prefixes: [topic, "heartbeat.liaison"])
        defer { collector.stop() }
        try await eventually("the subscriber to be connected (a liaison heartbeat arrives)") {
            collector.events.contains { $0.topic.hasPrefix("heartbeat.") }
        }

        let call: [String: Any] = [
            "channel": "110", "caller": ["name": "赵秘密", "phone": "13800007777"],
            "location": ["lat": lat, "lon": lon], "categoryHint": "criminal",
            "description": "仓库被盗，报警人赵秘密住在三号楼", "callTaker": "CT01", "clientRef": "liaison-e2e-1",
        ]
        let (status, body) = try await HTTPClient.request("POST", "\(intake)/v1/calls", json: call)
        #expect(status == 201, "\(String(decoding: body, as: UTF8.self))")
        let incidentId = try #require(json(body)["incidentId"] as? String)

        func alerts(_ transition: String) -> [Envelope] {
            collector.events.filter {
                $0.topic == topic && $0.header.correlationId == incidentId
                    && String(decoding: $0.payload, as: UTF8.self).contains("\"transition\":\"\(transition)\"")
            }
        }
        try await eventually("the enterprise alert for \(incidentId)") { !alerts("opened").isEmpty }

        // The unit arrives and closes the incident through dispatch's field API: one alert each.
        try await closeThroughField(dispatch, incidentId)
        try await eventually("the arrived and closed alerts") { !alerts("arrived").isEmpty && !alerts("closed").isEmpty }

        // Exactly one of each, on the wire and in what liaison stored for replay.
        #expect(alerts("opened").count == 1 && alerts("arrived").count == 1 && alerts("closed").count == 1)
        let (_, stored) = try await replay(context: context, router: cluster.endpoint("liaison", "router"), source: "liaison")
        let onTopic = stored.filter { $0.topic == topic && $0.header.correlationId == incidentId }
        #expect(onTopic.count == 3, "\(onTopic.map { String(decoding: $0.payload, as: UTF8.self) })")
        #expect(stored.contains { $0.topic == "alert.officer.\(officer)" && $0.header.correlationId == incidentId })
        for event in onTopic {
            let text = String(decoding: event.payload, as: UTF8.self)
            for secret in ["赵秘密", "13800007777", "三号楼", "仓库被盗", "\"caller\""] {
                #expect(!text.contains(secret), "the enterprise alert carries caller data (\(secret)): \(text)")
            }
            // `area.description` names the enterprise's own site; the caller's words have no field.
            #expect(json(Data(event.payload))["description"] == nil, "the enterprise alert carries a description: \(text)")
        }
        let opened = json(Data(alerts("opened")[0].payload))
        #expect(opened["enterpriseId"] as? String == "E0002" && opened["matchedBy"] as? String == "geofence")
        #expect(opened["severity"] as? String == "severe" && (opened["summary"] as? String)?.isEmpty == false)
    }
}

/// liaison alone, with intake and dispatch played by fakes, so each rule is driven exactly.
@Suite(.serialized, .processLevel)
struct LiaisonServiceTests {
    final class Rig: @unchecked Sendable {
        let cluster: Cluster
        let context: ZMQContext
        let intake: SocketThread<FakeSourceLoop>
        let dispatch: SocketThread<FakeSourceLoop>
        var liaison = ""

        init(extra: [String] = []) async throws {
            cluster = try Cluster(extraArguments: ["liaison": extra])
            context = try ZMQContext()
            let (cluster, context) = (self.cluster, self.context)
            intake = try SocketThread(name: "fake-intake") {
                try FakeSourceLoop(
                    context: context, name: "intake", pub: cluster.endpoint("intake", "pub"), router: cluster.endpoint("intake", "router"))
            }
            dispatch = try SocketThread(name: "fake-dispatch") {
                try FakeSourceLoop(
                    context: context, name: "dispatch", pub: cluster.endpoint("dispatch", "pub"), router: cluster.endpoint("dispatch", "router"))
            }
            try await restart(first: true)
        }

        func restart(first: Bool = false) async throws {
            if !first { _ = try await cluster.terminate("liaison") }
            try cluster.start("liaison")
            try await cluster.waitReady(["liaison"])
            liaison = try await cluster.http("liaison")
        }

        func stop() {
            cluster.stopAll()
            intake.stop()
            dispatch.stop()
        }

        func opened(_ id: String, lat: Double, lon: Double, category: String = "publicOrder") {
            let payload = """
                {"incidentId":"\(id)","callId":"C-\(id)","channel":"110","category":"\(category)","priority":2,
                 "place":{"coordinate":{"lat":\(lat),"lon":\(lon)}},"caller":{"name":"钱某","phone":"13800006666"},"description":"门口聚集",
                 "casualties":0,"partiesConsent":false,"receivedAt":"\(EventTime.string(Date()))"}
                """
            intake.execute { $0.publish(topic: "incident.opened.R1", type: "incident.opened", version: 1, payload: payload, correlationId: id) }
        }

        func assigned(_ id: String, unit: String) {
            let payload = """
                {"incidentId":"\(id)","unitId":"\(unit)","callSign":"测试巡1","unitKind":"patrolCar","officerIds":["O0001"],"rule":"grid-nearest",
                 "regionId":"R1","distanceMeters":500,"etaSeconds":90,"assignedAt":"\(EventTime.string(Date()))"}
                """
            dispatch.execute { $0.publish(topic: "dispatch.assigned.R1", type: "dispatch.assigned", version: 1, payload: payload, correlationId: id) }
        }

        func field(_ id: String, unit: String, stage: String, outcome: String? = nil) {
            let payload = """
                {"incidentId":"\(id)","unitId":"\(unit)","officerIds":["O0001"],"stage":"\(stage)",\(outcome.map { "\"outcome\":\"\($0)\"," } ?? "")
                 "regionId":"R1","at":"\(EventTime.string(Date()))"}
                """
            dispatch.execute {
                $0.publish(topic: "dispatch.field.\(stage).R1", type: "dispatch.field", version: 1, payload: payload, correlationId: id)
            }
        }

        func published() async throws -> [Envelope] {
            try await replay(context: context, router: cluster.endpoint("liaison", "router"), source: "liaison").events
        }
    }

    @Test func registryWritesAreValidatedAndSurviveARestart() async throws {
        let rig = try await Rig()
        defer { rig.stop() }
        var e = demoEnterprise("E0006")
        e["id"] = "E0100"
        e["name"] = "邹平示例新建有限公司"

        var bad = e
        bad["liaisonOfficerId"] = "O9999"
        bad["geofence"] = ["type": "Polygon", "coordinates": [[[117.0, 36.0], [117.1, 36.0], [117.1, 36.1]]]]
        let (s1, b1) = try await HTTPClient.request("POST", "\(rig.liaison)/v1/enterprises", json: bad)
        #expect(s1 == 422)
        // The one error shape: the first problem's field, every problem in the message.
        let refusal = json(b1)["error"] as? [String: Any] ?? [:]
        let message = refusal["message"] as? String ?? ""
        #expect(refusal["code"] as? String == "invalid" && refusal["field"] as? String == "geofence", "\(String(decoding: b1, as: UTF8.self))")
        #expect(message.contains("geofence:") && message.contains("liaisonOfficerId:"), "\(String(decoding: b1, as: UTF8.self))")
        var missing = e
        missing.removeValue(forKey: "scale")
        let (s2, b2) = try await HTTPClient.request("POST", "\(rig.liaison)/v1/enterprises", json: missing)
        #expect(s2 == 400 && (json(b2)["error"] as? [String: Any])?["field"] as? String == "scale", "\(String(decoding: b2, as: UTF8.self))")

        let (created, cb) = try await HTTPClient.request("POST", "\(rig.liaison)/v1/enterprises", json: e)
        #expect(created == 201, "\(String(decoding: cb, as: UTF8.self))")
        let (again, _) = try await HTTPClient.request("POST", "\(rig.liaison)/v1/enterprises", json: e)
        #expect(again == 409)
        e["zeroDisturbance"] = true
        let (put, pb) = try await HTTPClient.request("PUT", "\(rig.liaison)/v1/enterprises/E0100", json: e)
        #expect(put == 200 && json(pb)["changed"] as? Bool == true)
        // A body about another enterprise than the path's: refused by the routes' one rule.
        let (mismatch, _) = try await HTTPClient.request("PUT", "\(rig.liaison)/v1/enterprises/E0200", json: e)
        #expect(mismatch == 400)

        try await rig.restart()
        let profile = try await HTTPClient.getObject("\(rig.liaison)/v1/enterprises/E0100")
        let record = try #require(profile["record"] as? [String: Any])
        #expect(record["revision"] as? Int == 2 && (record["enterprise"] as? [String: Any])?["zeroDisturbance"] as? Bool == true)

        let (lat, lon) = location(e)
        rig.opened("I-NEW", lat: lat, lon: lon)
        try await eventually("the new enterprise to be alerted") {
            let alerts = try await HTTPClient.getObject("\(rig.liaison)/v1/alerts?enterprise=E0100")
            return ((alerts["alerts"] as? [[String: Any]]) ?? []).contains { $0["incidentId"] as? String == "I-NEW" }
        }
        let (retired, _) = try await HTTPClient.request("DELETE", "\(rig.liaison)/v1/enterprises/E0100")
        #expect(retired == 200)
        let topics = try await rig.published().map(\.topic)
        #expect(topics.filter { $0 == "liaison.enterprise.registered.E0100" }.count == 1)
        #expect(topics.filter { $0 == "liaison.enterprise.updated.E0100" }.count == 1)
        #expect(topics.filter { $0 == "liaison.enterprise.retired.E0100" }.count == 1)
        #expect(topics.filter { $0.hasPrefix("liaison.enterprise.registered.") }.count == 31, "seeded once, not again on restart")
    }

    @Test func zeroDisturbanceDispatchAlertsTheOfficerAndEveryTransitionAlertsOnce() async throws {
        let rig = try await Rig()
        defer { rig.stop() }
        let site = demoEnterprise("E0004")
        let officer = site["liaisonOfficerId"] as! String
        let (lat, lon) = location(site)
        rig.opened("I-ZD", lat: lat, lon: lon)
        rig.assigned("I-ZD", unit: "U020")
        rig.field("I-ZD", unit: "U020", stage: "arrived")
        rig.field("I-ZD", unit: "U020", stage: "arrived")  // reported twice
        rig.field("I-ZD", unit: "U020", stage: "closed", outcome: "mediated")
        try await eventually("the incident to close at liaison") {
            // 404 until liaison has applied the fake source's events.
            guard let o = try? await HTTPClient.getObject("\(rig.liaison)/v1/incidents/I-ZD") else { return false }
            return ((o["incidents"] as? [[String: Any]])?.first?["status"] as? String) == "closed"
        }
        let record = try #require((try await HTTPClient.getObject("\(rig.liaison)/v1/incidents/I-ZD")["incidents"] as? [[String: Any]])?.first)
        #expect(record["zeroDisturbance"] as? Bool == true && record["coordinationRequired"] as? Bool == true)
        #expect(((record["dispatches"] as? [[String: Any]])?.first?["coordinationAlertId"] as? String) != nil)

        let events = try await rig.published()
        let enterprise = events.filter { $0.topic == "alert.enterprise.E0004" }.map { json(Data($0.payload)) }
        #expect(enterprise.compactMap { $0["transition"] as? String } == ["opened", "arrived", "closed"])
        #expect(enterprise.allSatisfy { $0["zeroDisturbance"] as? Bool == true })
        let toOfficer = events.filter { $0.topic == "alert.officer.\(officer)" }.map { json(Data($0.payload)) }
        let coordination = toOfficer.filter { $0["kind"] as? String == "coordination" }
        #expect(coordination.count == 1 && coordination[0]["unitId"] as? String == "U020")
        #expect(toOfficer.count == 4, "opened, coordination, arrived, closed")
        let stats = try await HTTPClient.getObject("\(rig.liaison)/v1/stats")
        #expect(stats["alerts"] as? Int == 1 && stats["incidentsAlerted"] as? Int == 1 && stats["alertsTotal"] as? Int == 3)
        #expect(stats["coordinationAlerts"] as? Int == 1)
    }

    @Test func casesWorkLogOverdueProfileAndPortfolio() async throws {
        let rig = try await Rig(extra: ["--work-period-days", "30"])
        defer { rig.stop() }
        let base = rig.liaison
        let enterprise = demoEnterprise("E0002")
        let officer = enterprise["liaisonOfficerId"] as! String
        let (lat, lon) = location(enterprise)
        rig.opened("I-C", lat: lat, lon: lon, category: "criminal")

        let (c1, b1) = try await HTTPClient.request(
            "PUT", "\(base)/v1/cases/K-1", json: ["enterpriseId": "E0002", "title": "仓库盗窃案", "incidentId": "I-C"])
        #expect(c1 == 201, "\(String(decoding: b1, as: UTF8.self))")
        let (c2, b2) = try await HTTPClient.request(
            "PUT", "\(base)/v1/cases/K-1", json: ["status": "solved", "suspectsCaught": 2, "lossesRecovered": 5000.25])
        #expect(c2 == 200, "\(String(decoding: b2, as: UTF8.self))")
        let (c3, _) = try await HTTPClient.request("PUT", "\(base)/v1/cases/K-1", json: ["status": "open"])
        #expect(c3 == 409)
        let (c4, _) = try await HTTPClient.request("PUT", "\(base)/v1/cases/K-2", json: ["enterpriseId": "E0003", "title": "x", "status": "bogus"])
        #expect(c4 == 400)
        let (c5, _) = try await HTTPClient.request(
            "PUT", "\(base)/v1/cases/K-3", json: ["enterpriseId": "E0003", "title": "诈骗案", "suspectsCaught": 1])
        #expect(c5 == 201)

        let byEnterprise = try await HTTPClient.getObject("\(base)/v1/cases/totals?by=enterprise")
        let city = try #require(byEnterprise["city"] as? [String: Any])
        #expect(city["casesOpened"] as? Int == 2 && city["casesSolved"] as? Int == 1 && city["suspectsCaught"] as? Int == 3)
        #expect(city["lossesRecovered"] as? Double == 5000.25)
        #expect(((byEnterprise["rows"] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String } == ["E0002", "E0003"])
        let byOfficer = try await HTTPClient.getObject("\(base)/v1/cases/totals?by=officer")
        #expect(((byOfficer["rows"] as? [[String: Any]]) ?? []).contains { $0["key"] as? String == officer && $0["suspectsCaught"] as? Int == 2 })
        let past = try await HTTPClient.getObject("\(base)/v1/cases/totals?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z")
        #expect((past["city"] as? [String: Any])?["casesOpened"] as? Int == 0)
        let (badPeriod, _) = try await HTTPClient.get("\(base)/v1/cases/totals?from=yesterday")
        #expect(badPeriod == 400)

        let (w1, wb) = try await HTTPClient.request(
            "POST", "\(base)/v1/worklog", json: ["entryId": "W-1", "enterpriseId": "E0002", "kind": "visit", "note": "走访"])
        #expect(w1 == 201, "\(String(decoding: wb, as: UTF8.self))")
        let (w2, _) = try await HTTPClient.request(
            "POST", "\(base)/v1/worklog", json: ["entryId": "W-1", "enterpriseId": "E0002", "kind": "visit", "note": "走访"])
        #expect(w2 == 200)
        let (w3, _) = try await HTTPClient.request(
            "POST", "\(base)/v1/worklog", json: ["enterpriseId": "E0002", "kind": "meeting", "at": "2099-01-01T00:00:00Z"])
        #expect(w3 == 422)
        let overdue = try await HTTPClient.getObject("\(base)/v1/worklog/overdue")
        let ids = ((overdue["overdue"] as? [[String: Any]]) ?? []).compactMap { $0["enterpriseId"] as? String }
        #expect(!ids.contains("E0002") && ids.contains("E0003") && ids.count == 29 && (overdue["periodDays"] as? NSNumber)?.doubleValue == 30)

        try await eventually("the incident to reach liaison") {
            (try await HTTPClient.get("\(base)/v1/incidents/I-C")).status == 200
        }
        let profile = try await HTTPClient.getObject("\(base)/v1/enterprises/E0002")
        #expect(((profile["openIncidents"] as? [[String: Any]]) ?? []).compactMap { $0["incidentId"] as? String } == ["I-C"])
        #expect(((profile["cases"] as? [[String: Any]]) ?? []).compactMap { $0["caseId"] as? String } == ["K-1"])
        #expect(
            ((profile["alerts"] as? [[String: Any]]) ?? []).contains {
                $0["audience"] as? String == "enterprise" && $0["incidentId"] as? String == "I-C"
            })
        #expect(profile["overdue"] as? Bool == false && ((profile["workLog"] as? [Any]) ?? []).count == 1)

        let portfolio = try await HTTPClient.getObject("\(base)/v1/officers/\(officer)/portfolio")
        let entry = try #require(((portfolio["enterprises"] as? [[String: Any]]) ?? []).first { $0["enterpriseId"] as? String == "E0002" })
        #expect(entry["role"] as? String == "liaison" && entry["openIncidents"] as? Int == 1 && entry["overdue"] as? Bool == false)
        #expect((portfolio["caseTotals"] as? [String: Any])?["suspectsCaught"] as? Int == 2)
        #expect(((portfolio["alerts"] as? [Any]) ?? []).count == 1)
        let (unknown, _) = try await HTTPClient.get("\(base)/v1/officers/O9999/portfolio")
        #expect(unknown == 404)
    }
}
