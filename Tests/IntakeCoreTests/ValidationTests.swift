import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing

@Suite("1–2 channels and validation")
struct ChannelAndValidationTests {
    @Test("each channel requires its fields; a call missing one is recorded as rejected, naming the field")
    func channelRequirements() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(.traffic, phone: nil))
        #expect(r.1.field == "caller.phone" && r.1.code == "missing-field")
        r = try await h.rejected(call(.traffic, callTaker: nil))
        #expect(r.1.field == "callTaker")
        r = try await h.rejected(call(.hotline12345, phone: nil))
        #expect(r.1.field == "referral.ticketId")
        var referral = call(.hotline12345, phone: nil)
        referral.referral = Referral(ticketId: "GD20261122001")
        _ = try await h.accepted(referral)
        r = try await h.rejected(call(.enterprise, at: nil))
        #expect(r.1.field == "location")
        _ = try await h.accepted(call(.enterprise, at: nil, enterpriseId: "E0002"))
        r = try await h.rejected(call(.enterprise, description: " "))
        #expect(r.1.field == "description")
        // 110 takes anonymous calls.
        _ = try await h.accepted(call(.police, phone: nil, callTaker: nil))
        let stats = try h.stats()
        #expect(stats["calls"] == 8)
        #expect(stats["calls_rejected"] == 5)
        #expect(stats["calls_rejected_missing-field"] == 5)
        let stored = try h.read { try IntakeSQL.call(r.0, jurisdiction: Demo.jurisdiction, $0) }
        #expect(stored?.outcome == "rejected" && stored?.reasonField == "description" && stored?.callTaker == "CT01")
    }

    @Test("every call records its call-taker")
    func callTakerRecorded() async throws {
        let h = try Harness()
        let receipt = try await h.accepted(call(callTaker: "CT07"))
        let record = try h.read { try IntakeSQL.call(receipt.callId, jurisdiction: Demo.jurisdiction, $0) }
        #expect(record?.callTaker == "CT07")
        let page = try h.read { try IntakeSQL.calls(CallQuery(callTaker: "CT07"), jurisdiction: nil, $0) }
        #expect(page.calls.map(\.callId) == [receipt.callId])
    }

    @Test("impossible times: too far ahead of intake's clock, or too old")
    func impossibleTimes() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(receivedAt: t0.addingTimeInterval(301)))
        #expect(r.1.field == "receivedAt" && r.1.code == "impossible-time" && r.1.reason.contains("after intake's clock"))
        r = try await h.rejected(call(receivedAt: t0.addingTimeInterval(-25 * 3600)))
        #expect(r.1.field == "receivedAt" && r.1.reason.contains("before intake's clock"))
        _ = try await h.accepted(call(receivedAt: t0.addingTimeInterval(120)))
        #expect(try h.stats()["calls_rejected_impossible-time"] == 2)
    }

    @Test("coordinates outside the jurisdiction or not a position are rejected, naming location")
    func coordinates() async throws {
        let h = try Harness()
        var r = try await h.rejected(call(at: Coordinate(lat: 39.9, lon: 116.4)))
        #expect(r.1.field == "location" && r.1.code == "outside-jurisdiction")
        r = try await h.rejected(call(at: Coordinate(lat: 91, lon: 117.7)))
        #expect(r.1.code == "invalid-coordinates")
        var half = call(at: nil)
        half.location = CallLocation(lat: 36.85, lon: nil)
        r = try await h.rejected(half)
        #expect(r.1.field == "location.lon")
        #expect(try h.payloads(IncidentOpened.self).isEmpty, "a rejected call opens nothing")
    }

    @Test("unreadable bodies are recorded as rejected with the code and the readable hints")
    func unreadableRecorded() async throws {
        let h = try Harness()
        let parser = CallParser()
        let bodies: [(String, Int, String, String)] = [
            ("{not json", 400, "invalid-json", ""),
            (#"[1,2]"#, 400, "invalid-json", ""),
            (#"{"channel":"110","casualties":"two","callTaker":"CT02"}"#, 400, "wrong-type", "casualties"),
            (#"{"channel":"119","callTaker":"CT02"}"#, 422, "unknown-channel", "channel"),
            (#"{"channel":"110","categoryHint":"arson"}"#, 422, "unknown-category", "categoryHint"),
            (#"{"caller":{"phone":"1"}}"#, 422, "missing-field", "channel"),
            (#"{"channel":"110","receivedAt":"yesterday"}"#, 422, "impossible-time", "receivedAt"),
            (String(repeating: " ", count: CallParser.maxCallBytes + 1), 413, "too-large", ""),
        ]
        for (body, status, code, field) in bodies {
            guard case .unreadable(let problem, let s, let hints) = parser.parse(Array(body.utf8)) else {
                Issue.record("\(body.prefix(40)) parsed as a call")
                continue
            }
            #expect(s == status, "\(body.prefix(40))")
            #expect(problem.code == code, "\(body.prefix(40)): \(problem)")
            #expect(problem.field == field, "\(body.prefix(40)): \(problem)")
            let reply = try await h.engine.submit(.unreadable(problem, status: s, hints: hints, raw: Array(body.utf8)))
            guard case .rejected(_, _, let recordedStatus) = reply else {
                Issue.record("not rejected: \(reply)")
                continue
            }
            #expect(recordedStatus == status)
        }
        let stats = try h.stats()
        #expect(stats["calls_rejected"] == bodies.count)
        #expect(stats["calls_rejected_invalid-json"] == 2)
        #expect(stats["calls_rejected_too-large"] == 1)
        let wrongType = try h.read { try IntakeSQL.calls(CallQuery(reason: "wrong-type"), jurisdiction: nil, $0) }.calls.first
        #expect(wrongType?.callTaker == "CT02" && wrongType?.channel == "110", "hints are kept on the record")
    }

    @Test("a retried clientRef returns the first answer and records nothing new, also for a rejection")
    func idempotency() async throws {
        let h = try Harness()
        let first = try await h.accepted(call(clientRef: "ref-1"))
        guard case .duplicate(let again) = try await h.call(call(clientRef: "ref-1")) else {
            Issue.record("not a duplicate")
            return
        }
        #expect(again.callId == first.callId && again.incidentId == first.incidentId && again.outcome == .opened)
        let rejected = try await h.rejected(call(at: Coordinate(lat: 39.9, lon: 116.4), clientRef: "ref-2"))
        guard case .rejected(let id, let problem, _) = try await h.call(call(at: Coordinate(lat: 39.9, lon: 116.4), clientRef: "ref-2")) else {
            Issue.record("a retried rejection must be rejected again")
            return
        }
        #expect(id == rejected.callId && problem.code == "outside-jurisdiction")
        #expect(try h.stats()["calls"] == 2)
        #expect(try h.payloads(IncidentOpened.self).count == 1)
    }
}
