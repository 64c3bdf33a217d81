import Bus
import Foundation
import Testing
import Wire

/// Issue 15, points 10, 7 and 11 through the real processes: dispatcher overrides over HTTP and
/// the ROUTER, zero-disturbance holds between dispatch and liaison, and one event clock.
@Suite(.serialized, .processLevel)
struct OverrideAndHoldTests {
    typealias D = DispatchServiceTests

    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    /// Posts as the person the body names (`dispatcher`, `officerId`): who acts is the token's subject.
    static func post(_ url: String, _ json: [String: Any], as subject: String? = nil) async throws -> (status: Int, body: [String: Any]) {
        let who = subject ?? (json["dispatcher"] as? String) ?? (json["officerId"] as? String) ?? "integration"
        let (status, body) = try await HTTPClient.request("POST", url, json: json, token: try await TestTokens.token(Role.people, subject: who))
        return (status, object(body))
    }

    static func errorField(_ body: [String: Any]) -> String? { (body["error"] as? [String: Any])?["field"] as? String }
    static func errorMessage(_ body: [String: Any]) -> String { (body["error"] as? [String: Any])?["message"] as? String ?? "" }

    static let rulesWithoutShifts: String = {
        try! D.rulesFile { r in r["shifts"] = ["enforce": false, "timeZone": "Asia/Shanghai"] }
    }()

    @Test func dispatcherOverridesOverHTTPAndTheRouter() async throws {
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", Self.rulesWithoutShifts]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch", "intake"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")

        let place = try #require(D.addresses.first)
        let id = try await D.post("\(intake)/v1/calls", D.call("publicOrder", place.lat, place.lon, ref: "o-1"))["incidentId"] as! String
        var first: String?
        try await eventually("dispatch to assign \(id)", timeout: .seconds(60)) {
            first = try await D.incident(dispatch, id)?["unitId"] as? String
            return first != nil
        }

        // Recommendations: free units by ETA, never the unit already there.
        let rec = try await HTTPClient.getObject("\(dispatch)/v1/incidents/\(id)/recommendations?limit=5")
        let units = try #require(rec["units"] as? [[String: Any]])
        #expect(rec["incidentId"] as? String == id && (1...5).contains(units.count))
        let etas = units.map { $0["etaSeconds"] as! Double }
        #expect(etas == etas.sorted() && !units.contains { $0["unitId"] as? String == first })
        #expect(units.allSatisfy { $0["state"] as? String == "available" && $0["rule"] is String && $0["kind"] is String && $0["distanceMeters"] != nil })
        let chosen = units[0]["unitId"] as! String

        // Assign the recommended unit: 200 with the incident; the event names the dispatcher.
        let assigned = try await Self.post("\(dispatch)/v1/incidents/\(id)/assign", ["unitId": chosen, "dispatcher": "D07", "reason": "closest crew"])
        #expect(assigned.status == 200, "\(assigned.body)")
        #expect(D.units(assigned.body).contains { $0["unitId"] as? String == chosen && $0["rule"] as? String == "override" })
        // Refusals in the one error shape: 409 with the state machine's reason, 404, 400.
        let again = try await Self.post("\(dispatch)/v1/incidents/\(id)/assign", ["unitId": chosen, "dispatcher": "D07", "reason": "again"])
        #expect(again.status == 409 && Self.errorField(again.body) == "unitId" && Self.errorMessage(again.body).contains("already on"), "\(again.body)")
        let unknown = try await Self.post("\(dispatch)/v1/incidents/I-none/assign", ["unitId": chosen, "dispatcher": "D07", "reason": "x"])
        #expect(unknown.status == 404 && Self.errorField(unknown.body) == "id")
        let noReason = try await Self.post("\(dispatch)/v1/incidents/\(id)/assign", ["unitId": chosen, "dispatcher": "D07", "reason": " "])
        #expect(noReason.status == 400 && Self.errorField(noReason.body) == "reason")
        // No dispatcher in the body: the token's subject is the dispatcher (the request reaches the state machine).
        let noDispatcher = try await Self.post("\(dispatch)/v1/incidents/\(id)/assign", ["unitId": chosen, "reason": "x"], as: "D07")
        #expect(noDispatcher.status == 409 && Self.errorField(noDispatcher.body) == "unitId", "\(noDispatcher.body)")
        let impostor = try await Self.post("\(dispatch)/v1/incidents/\(id)/assign", ["unitId": chosen, "dispatcher": "D01", "reason": "x"], as: "D07")
        #expect(impostor.status == 403 && Self.errorField(impostor.body) == "dispatcher", "\(impostor.body)")

        // Reassign the first unit to the next recommendation, reclassify, mark major.
        let next = units[1]["unitId"] as! String
        let reassigned = try await Self.post(
            "\(dispatch)/v1/incidents/\(id)/reassign", ["fromUnitId": first!, "toUnitId": next, "dispatcher": "D07", "reason": "stuck"])
        #expect(reassigned.status == 200, "\(reassigned.body)")
        #expect(D.units(reassigned.body).first { $0["unitId"] as? String == first }?["endReason"] as? String == "reassigned")
        let reclassified = try await Self.post("\(dispatch)/v1/incidents/\(id)/reclassify", ["category": "criminal", "dispatcher": "D07", "reason": "weapon seen"])
        #expect(reclassified.status == 200 && reclassified.body["category"] as? String == "criminal", "\(reclassified.body)")
        let badCategory = try await Self.post("\(dispatch)/v1/incidents/\(id)/reclassify", ["category": "alien", "dispatcher": "D07", "reason": "x"])
        #expect(badCategory.status == 400 && Self.errorField(badCategory.body) == "category", "\(badCategory.body)")
        let major = try await Self.post("\(dispatch)/v1/incidents/\(id)/major", ["major": true, "dispatcher": "D07", "reason": "crowd"])
        #expect(major.status == 200 && major.body["major"] as? Bool == true, "\(major.body)")
        let escalation = try #require((major.body["escalations"] as? [[String: Any]])?.first { $0["reason"] as? String == "major" })
        let escalationId = escalation["id"] as! String

        // Acknowledge the escalation once; the second time is refused.
        let ack = try await Self.post("\(dispatch)/v1/escalations/\(escalationId)/acknowledge", ["dispatcher": "D09", "reason": "centre informed"])
        #expect(ack.status == 200 && ack.body["acknowledgedBy"] as? String == "D09", "\(ack.body)")
        let ackAgain = try await Self.post("\(dispatch)/v1/escalations/\(escalationId)/acknowledge", ["dispatcher": "D09", "reason": "x"])
        #expect(ackAgain.status == 409 && Self.errorMessage(ackAgain.body).contains("already acknowledged by D09"))
        // Who acknowledges is the token's subject: a body naming someone else is refused, one naming no one is the subject's.
        let impostorAck = try await Self.post("\(dispatch)/v1/escalations/\(escalationId)/acknowledge", ["dispatcher": "D01", "reason": "x"], as: "D09")
        #expect(impostorAck.status == 403 && Self.errorField(impostorAck.body) == "dispatcher", "\(impostorAck.body)")
        let unnamed = try await Self.post("\(dispatch)/v1/escalations/\(escalationId)/acknowledge", ["reason": "x"], as: "D11")
        #expect(unnamed.status == 409 && Self.errorMessage(unnamed.body).contains("already acknowledged by D09"), "\(unnamed.body)")
        let noEscalation = try await Self.post("\(dispatch)/v1/escalations/dispatch-99999999/acknowledge", ["dispatcher": "D09", "reason": "x"])
        #expect(noEscalation.status == 404)

        // Cancel an assignment; the timeline has every override with its dispatcher.
        let cancelled = try await Self.post("\(dispatch)/v1/incidents/\(id)/cancel-assignment", ["unitId": chosen, "dispatcher": "D07", "reason": "not needed"])
        #expect(cancelled.status == 200 && D.units(cancelled.body).first { $0["unitId"] as? String == chosen }?["active"] as? Bool == false)
        let overrides = ((cancelled.body["timeline"] as? [[String: Any]]) ?? []).filter { $0["kind"] as? String == "override" }
        #expect(overrides.count == 6, "\(overrides)")

        // The same operations over the ROUTER.
        let context = try ZMQContext()
        let dealer = try Socket(context, .dealer)
        defer { dealer.close() }
        try dealer.connect(cluster.endpoint("dispatch", "router"))
        _ = try dealer.send(
            multipart: [[], FlatJSON.encode(["op": .string("recommendations"), "id": .string("r1")]), Array(#"{"id":"\#(id)","limit":3}"#.utf8)])
        _ = try dealer.send(
            multipart: [
                [], FlatJSON.encode(["op": .string("assign"), "id": .string("a1")]),
                Array(#"{"id":"\#(id)","unitId":"\#(chosen)","dispatcher":"D07","reason":"back again"}"#.utf8),
            ])
        var replies: [String: (status: Int?, body: [String: Any])] = [:]
        try await eventually("dispatch to answer over the ROUTER") {
            while let frames = try dealer.receiveMultipart(dontWait: true) {
                guard frames.count >= 2 else { continue }
                let header = Self.object(Data(frames[frames.count - 2]))
                guard let rid = header["id"] as? String else { continue }
                replies[rid] = (header["status"] as? Int, Self.object(Data(frames[frames.count - 1])))
            }
            return replies.count == 2
        }
        #expect(replies["r1"]?.status == 200 && (replies["r1"]?.body["units"] as? [Any])?.count ?? 0 > 0, "\(replies)")
        // The cancelled unit was sent to this incident before: the state machine refuses it again.
        #expect(replies["a1"]?.status == 409 && Self.errorField(replies["a1"]?.body ?? [:]) == "unitId", "\(replies)")
    }

    /// A zero-disturbance site of the demo city: id, position, liaison officer.
    static let site: (id: String, lat: Double, lon: Double, officer: String) = {
        let url = Cluster.packageRoot.appendingPathComponent("cities/demo/enterprises.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let e = (root["enterprises"] as! [[String: Any]]).first { $0["zeroDisturbance"] as? Bool == true }!
        let location = e["location"] as! [String: Double]
        return (e["id"] as! String, location["lat"]!, location["lon"]!, e["liaisonOfficerId"] as! String)
    }()

    @Test func zeroDisturbanceHoldWaitsForTheLiaisonOfficer() async throws {
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", Self.rulesWithoutShifts]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try cluster.start("liaison")
        try await cluster.waitReady(["dispatch", "intake", "liaison"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let liaison = try await cluster.http("liaison")
        try await eventually("dispatch to learn the zero-disturbance sites from liaison", timeout: .seconds(60)) {
            (try await HTTPClient.getObject("\(dispatch)/v1/stats")["zeroDisturbanceSites"] as? Int ?? 0) > 0
        }

        // Ordinary police action at the site: held, liaison asks the officer.
        let id = try await D.post("\(intake)/v1/calls", D.call("dispute", Self.site.lat, Self.site.lon, ref: "zd-1"))["incidentId"] as! String
        try await eventually("dispatch to hold \(id)", timeout: .seconds(60)) {
            try await D.incident(dispatch, id)?["status"] as? String == "held"
        }
        let held = try #require(try await D.incident(dispatch, id))
        #expect(D.units(held).isEmpty && (held["hold"] as? [String: Any])?["liaisonOfficerId"] as? String == Self.site.officer)
        let holds = try await HTTPClient.get("\(dispatch)/v1/holds?status=held")
        #expect(String(decoding: holds.body, as: UTF8.self).contains(id))
        try await eventually("liaison to ask the liaison officer", timeout: .seconds(60)) {
            let list = try await HTTPClient.getObject("\(liaison)/v1/coordination?officer=\(Self.site.officer)")
            return (list["holds"] as? [[String: Any]] ?? []).contains { $0["incidentId"] as? String == id && $0["status"] as? String == "held" }
        }

        // Only the enterprise's officers may acknowledge; the acknowledgement releases the hold.
        let stranger = try await Self.post("\(liaison)/v1/coordination/\(id)/acknowledge", ["officerId": "O9999"])
        #expect(stranger.status == 403 && Self.errorField(stranger.body) == "officerId", "\(stranger.body)")
        // A liaison officer's token alone (no `enterprises` claim): its enterprises are the registry's for its subject.
        let otherOfficer = try await TestTokens.token([.liaisonOfficer], subject: "O9999")
        let (foreign, foreignBody) = try await HTTPClient.request(
            "POST", "\(liaison)/v1/coordination/\(id)/acknowledge", json: ["note": "x"], token: otherOfficer)
        #expect(foreign == 403 && Self.errorField(Self.object(foreignBody)) == "id", "\(String(decoding: foreignBody, as: UTF8.self))")
        let (_, foreignList) = try await HTTPClient.request("GET", "\(liaison)/v1/coordination", token: otherOfficer)
        #expect(!String(decoding: foreignList, as: UTF8.self).contains(id), "another officer's holds are not listed")
        let siteOfficer = try await TestTokens.token([.liaisonOfficer], subject: Self.site.officer)
        let (_, ownList) = try await HTTPClient.request("GET", "\(liaison)/v1/coordination", token: siteOfficer)
        #expect(String(decoding: ownList, as: UTF8.self).contains(id), "the site's officer sees its hold")
        let ack = try await Self.post("\(liaison)/v1/coordination/\(id)/acknowledge", ["officerId": Self.site.officer, "note": "gate 2"])
        #expect(ack.status == 200 && ack.body["acknowledgedBy"] as? String == Self.site.officer, "\(ack.body)")
        try await eventually("dispatch to release \(id) and send a unit", timeout: .seconds(60)) {
            let v = try await D.incident(dispatch, id)
            return v?["status"] as? String == "assigned" && !D.units(v ?? [:]).isEmpty
        }
        let released = try #require(try await D.incident(dispatch, id)?["hold"] as? [String: Any])
        #expect(released["status"] as? String == "released" && released["reason"] as? String == "acknowledged")
        #expect(released["acknowledgedBy"] as? String == Self.site.officer)

        // An emergency at the site goes at once; the officer is told.
        let urgent = try await D.post("\(intake)/v1/calls", D.call("criminal", Self.site.lat, Self.site.lon, ref: "zd-2"))["incidentId"] as! String
        try await eventually("dispatch to send a unit to \(urgent) at once", timeout: .seconds(60)) {
            let v = try await D.incident(dispatch, urgent)
            return v?["status"] as? String == "assigned" && (v?["hold"] as? [String: Any])?["status"] as? String == "bypassed"
        }
        try await eventually("liaison to tell the officer of the emergency", timeout: .seconds(60)) {
            let list = try await HTTPClient.getObject("\(liaison)/v1/coordination?officer=\(Self.site.officer)&status=bypassed")
            return (list["holds"] as? [[String: Any]] ?? []).contains { $0["incidentId"] as? String == urgent }
        }
    }

    @Test func servicesStartedApartReadOneEventClock() async throws {
        let clock = ["--time-factor", "300", "--time-origin", "2026-11-22T00:00:00Z"]
        let cluster = try Cluster(extraArguments: ["intake": clock, "dispatch": clock + ["--rules", Self.rulesWithoutShifts]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        // intake is not ready before dispatch answers it; once it listens, it has been running a
        // while. dispatch starts after that: with clocks of their own they would disagree by
        // 300 × the gap (minutes of event time).
        _ = try await cluster.http("intake")
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch", "intake"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")

        let place = try #require(D.addresses.first)
        let receipt = try await D.post("\(intake)/v1/calls", D.call("criminal", place.lat, place.lon, ref: "clock-1"))
        let id = receipt["incidentId"] as! String
        var view: [String: Any]?
        try await eventually("dispatch to assign \(id)", timeout: .seconds(60)) {
            view = try await D.incident(dispatch, id)
            return view?["assignedAt"] is String
        }
        let opened = try #require(EventTime.date(view!["openedAt"] as! String))
        let assigned = try #require(EventTime.date(view!["assignedAt"] as! String))
        // Intake's receipt, dispatch's assignment: in order, and apart by the handling time × 300 only.
        #expect(assigned >= opened, "assigned \(assigned) before received \(opened)")
        #expect(assigned.timeIntervalSince(opened) < 300 * 20)

        // dispatch's heartbeats carry event time, like its events.
        let context = try ZMQContext()
        let sub = try Socket(context, .sub)
        defer { sub.close() }
        try sub.subscribe(HeartbeatMessage.topic(source: "dispatch"))
        try sub.connect(cluster.endpoint("dispatch", "pub"))
        var beat: Date?
        try await eventually("a heartbeat from dispatch") {
            while let frames = try sub.receiveMultipart(dontWait: true) {
                if frames.count == 3, let header = try? EventHeader.decode(frames[1]) { beat = EventTime.date(header.time) }
            }
            return beat != nil
        }
        let wall = Date()
        #expect(abs(beat!.timeIntervalSince(wall)) > 86_400, "heartbeat time \(beat!) is the wall clock")
        #expect(beat! >= opened && beat!.timeIntervalSince(opened) < 300 * 120)
    }
}
