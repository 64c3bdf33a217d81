import EventStore
import Foundation
@testable import LiaisonCore
import Model
import Testing
import Wire

// Liaison decodes the fields it reads of each inbound event, not the whole payload: bad input
// is still dead-lettered in the words the whole payload type gave, and a field it does not read
// is not checked.

@Suite struct InboundFieldsTests {
    @Test func badEventsAreDeadLetteredWithTheReasonTheWholePayloadGaveAndLiaisonGoesOn() async throws {
        let h = try Harness()
        let e = demo("E0002")
        let at = t0.addingTimeInterval(60)
        try await h.deliver(opened("I-1", at: e.location), from: "intake")
        var expected: [String] = []

        try await h.deliver(field("I-1", .arrived, at: at), from: "dispatch") { $0.header.version = 2 }
        expected.append("unknown schema version 2 of dispatch.field (this service reads version 1)")
        try await h.deliver(assigned("I-1", at: at), from: "dispatch") { $0.header.version = 0 }
        expected.append("unknown schema version 0 of dispatch.assigned (this service reads version 1)")
        try await h.deliver(opened("I-2", at: e.location), from: "intake") { $0.header.version = 3 }
        expected.append("unknown schema version 3 of incident.opened (this service reads version 1)")

        let malformed: [(String, (inout [String: Any]) -> Void)] = [
            ("no incident", { $0["incidentId"] = nil }),
            ("an unknown stage", { $0["stage"] = "flying" }),
            ("a time that is not one", { $0["at"] = "yesterday" }),
            ("closed said as a word", { $0["incidentClosed"] = "yes" }),
        ]
        for (_, edit) in malformed {
            let bytes = try editedJSON(field("I-1", .arrived, at: at), edit)
            try await h.deliver(field("I-1", .arrived, at: at), from: "dispatch") { $0.payload = bytes }
            expected.append(wholePayloadRefusal(FieldReported.self, bytes))
        }
        let callSignAsNumber = try editedJSON(assigned("I-1", at: at)) { $0["callSign"] = 7 }
        try await h.deliver(assigned("I-1", at: at), from: "dispatch") { $0.payload = callSignAsNumber }
        expected.append(wholePayloadRefusal(UnitAssigned.self, callSignAsNumber))
        let noPlace = try editedJSON(opened("I-2", at: e.location)) { $0["place"] = nil }
        try await h.deliver(opened("I-2", at: e.location), from: "intake") { $0.payload = noPlace }
        expected.append(wholePayloadRefusal(IncidentOpened.self, noPlace))
        let cutShort = Array(#"{"incidentId":"I-1","stage":"arr"#.utf8)
        try await h.deliver(field("I-1", .arrived, at: at), from: "dispatch") { $0.payload = cutShort }
        expected.append(wholePayloadRefusal(FieldReported.self, cutShort))

        let reasons = try h.store.deadLetters().map(\.reason)
        #expect(reasons == expected)
        #expect(reasons.contains("payload of dispatch.field v1 is malformed: incidentId is required"), "\(reasons)")
        #expect(try h.published(EnterpriseAlert.self).map(\.transition) == ["opened"], "no bad event alerted anybody")

        try await h.deliver(field("I-1", .arrived, at: at), from: "dispatch")
        #expect(try h.published(EnterpriseAlert.self).map(\.transition) == ["opened", "arrived"])
    }

    @Test func aFieldLiaisonDoesNotReadIsNotChecked() async throws {
        let h = try Harness()
        let site = demo("E0004")
        let opening = try editedJSON(opened("I-zd", at: site.location)) {
            for key in ["callId", "channel", "priority", "caller", "callTaker", "partiesConsent"] { $0[key] = nil }
        }
        try await h.deliver(opened("I-zd", at: site.location), from: "intake") { $0.payload = opening }
        let assignment = try editedJSON(assigned("I-zd", unit: "U010", at: t0.addingTimeInterval(30))) {
            for key in ["unitKind", "officerIds", "rule", "distanceMeters"] { $0[key] = nil }
        }
        try await h.deliver(assigned("I-zd", unit: "U010", at: t0.addingTimeInterval(30)), from: "dispatch") { $0.payload = assignment }
        let arrival = try editedJSON(field("I-zd", .arrived, at: t0.addingTimeInterval(300))) {
            for key in ["unitId", "officerIds"] { $0[key] = nil }
        }
        try await h.deliver(field("I-zd", .arrived, at: t0.addingTimeInterval(300)), from: "dispatch") { $0.payload = arrival }

        #expect(try h.store.deadLetters().map(\.reason) == [])
        #expect(try h.published(EnterpriseAlert.self).map(\.transition) == ["opened", "arrived"])
        let coordination = try h.published(OfficerAlert.self).filter { $0.kind == .coordination }
        #expect(coordination.map(\.unitId) == ["U010"] && coordination.map(\.callSign) == ["台子巡1"])
    }
}

/// `payload`'s JSON with `edit` applied to its top-level object.
private func editedJSON<P: EventPayload>(_ payload: P, _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
    var object = try #require(try JSONSerialization.jsonObject(with: JSONCodec.encoder().encode(payload)) as? [String: Any])
    edit(&object)
    return Array(try JSONSerialization.data(withJSONObject: object))
}

/// The dead letter's reason when the whole payload type is decoded, as liaison did before it
/// decoded only the fields it reads (every refusal of the streaming decoder ends in Foundation's).
private func wholePayloadRefusal<P: EventPayload>(_ type: P.Type, _ bytes: [UInt8]) -> String {
    do {
        _ = try JSONCodec.decoder().decode(P.self, from: Data(bytes))
        return "(decoded)"
    } catch {
        let (field, reason) = describe(error)
        return "payload of \(P.type) v\(P.version) is malformed: \(field.isEmpty ? "" : field + " ")\(reason)"
    }
}
