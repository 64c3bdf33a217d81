import Foundation
import Testing
import Wire

/// The same calls and queries over intake's ROUTER: `[{"op": …}, <JSON>]` → `[{"ok", "status"}, <JSON>]`.
@Suite(.serialized, .processLevel)
struct IntakeZMQTests {
    @Test("a call over the ROUTER takes the same JSON and answers the same receipt; rejections name field and reason")
    func callsAndRejections() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        var (status, o) = try await rig.request("call", json: intakeCall(["clientRef": "z-1"]))
        #expect(status["ok"] == .bool(true) && status["status"] == .integer(201), "\(status)")
        #expect(o["outcome"] as? String == "opened" && o["incidentId"] is String)
        let first = o
        (status, o) = try await rig.request("call", json: intakeCall(["clientRef": "z-1"]))
        #expect(status["status"] == .integer(200) && o["callId"] as? String == first["callId"] as? String, "a retry answers the first receipt")

        let cases: [(String, [UInt8], Int64, String, String)] = [
            ("broken JSON", Array("{\"channel\":".utf8), 400, "invalid-json", ""),
            (
                "wrong type", Array(try JSONSerialization.data(withJSONObject: intakeCall(["location": ["lat": "north", "lon": 117.7]]))), 400,
                "wrong-type", "location.lat"
            ),
            ("unknown channel", Array(try JSONSerialization.data(withJSONObject: intakeCall(["channel": "120"]))), 422, "unknown-channel", "channel"),
            (
                "impossible time", Array(try JSONSerialization.data(withJSONObject: intakeCall(["receivedAt": "2001-01-01T00:00:00Z"]))), 422,
                "impossible-time", "receivedAt"
            ),
            (
                "outside the jurisdiction", Array(try JSONSerialization.data(withJSONObject: intakeCall(["location": ["lat": 36.5, "lon": 117.7]]))),
                422, "outside-jurisdiction", "location"
            ),
            (
                "12345 without work order or phone",
                Array(try JSONSerialization.data(withJSONObject: intakeCall(["channel": "12345", "caller": [:] as [String: Any]]))), 422,
                "missing-field", "referral.ticketId"
            ),
            ("oversized", Array(("{\"description\":\"" + String(repeating: "y", count: 70_000) + "\"}").utf8), 413, "too-large", ""),
        ]
        for (what, body, code, reasonCode, field) in cases {
            let (s, reply) = try await rig.request("call", raw: body)
            let e = errorDetail(reply)
            #expect(s["ok"] == .bool(false) && s["status"] == .integer(code), "\(what): \(s)")
            #expect(
                e["code"] as? String == reasonCode && e["field"] as? String == (field.isEmpty ? nil : field) && e["callId"] is String,
                "\(what): \(reply)")
        }
        (status, o) = try await rig.request("stats", json: [:])
        #expect(o["calls"] as? Int == 1 + cases.count && o["calls_rejected"] as? Int == cases.count)
        #expect(o["calls_rejected_too-large"] as? Int == 1 && o["calls_rejected_invalid-json"] as? Int == 1)
    }

    @Test("classification, review, merge, diversion, read queries and the caller ledger over the ROUTER")
    func everyOperation() async throws {
        let rig = try await IntakeRig.start()
        defer { rig.stop() }
        var (s, o) = try await rig.request(
            "call",
            json: intakeCall([
                "categoryHint": NSNull(), "description": "two cars crash, driver injured",
                "caller": ["phone": "13900000040"],
            ]))
        #expect(s["status"] == .integer(201) && o["category"] as? String == "accidentCasualty" && o["priority"] as? Int == 1, "\(o)")
        let incidentId = try #require(o["incidentId"] as? String)
        (s, o) = try await rig.request(
            "call",
            json: intakeCall([
                "categoryHint": NSNull(), "description": "crash, someone bleeding",
                "caller": ["phone": "13900000041"], "location": ["lat": 36.8560, "lon": 117.7235],
            ]))
        #expect(o["outcome"] as? String == "merged" && o["incidentId"] as? String == incidentId && o["mergeReason"] as? String == "samePlace", "\(o)")
        (s, o) = try await rig.request(
            "call",
            json: intakeCall([
                "categoryHint": NSNull(), "description": "hello?", "caller": ["phone": "13900000042"],
                "location": ["lat": 36.95, "lon": 117.65],
            ]))
        #expect(s["status"] == .integer(202) && o["outcome"] as? String == "review")
        let reviewId = try #require(o["callId"] as? String)
        (s, o) = try await rig.request("classify", json: ["callId": reviewId, "category": "nonPolice"])
        #expect(s["status"] == .integer(201) && o["outcome"] as? String == "diverted", "\(o)")
        (s, o) = try await rig.request("classify", json: ["callId": "C99999999", "category": "dispute"])
        #expect(s["status"] == .integer(404) && errorDetail(o)["field"] as? String == "callId")

        (s, o) = try await rig.request("incident", json: ["id": incidentId])
        #expect(s["status"] == .integer(200) && o["callCount"] as? Int == 2 && (o["calls"] as? [Any])?.count == 2)
        (s, o) = try await rig.request("calls", json: ["outcome": "diverted"])
        #expect(((o["calls"] as? [[String: Any]]) ?? []).compactMap { $0["callId"] as? String } == [reviewId])
        (s, o) = try await rig.request("calls", json: ["limit": 9999])
        #expect(s["status"] == .integer(400) && errorDetail(o)["field"] as? String == "limit")
        (s, o) = try await rig.request("caller", json: ["phone": "13900000041"])
        #expect(s["status"] == .integer(200) && (o["byOutcome"] as? [String: Int]) == ["merged": 1])
        (s, o) = try await rig.request("callers", json: ["flag": "repeat"])
        #expect(s["status"] == .integer(200) && (o["callers"] as? [Any])?.isEmpty == true)

        let types = try await rig.events().map(\.header.type)
        #expect(types == ["incident.opened", "incident.merged", "incident.diverted"])
    }
}
