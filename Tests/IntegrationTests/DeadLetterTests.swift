import Bus
import Foundation
import Testing
import Wire

/// Frames a service cannot use are stored and published on `deadletter.<service>` with the
/// reason; the service keeps running and keeps applying what follows.
@Suite(.serialized, .processLevel)
struct DeadLetterTests {
    static func incident(_ id: String) -> String {
        """
        {"incidentId":"\(id)","callId":"C1","channel":"110","category":"criminal","priority":1,
         "place":{"coordinate":{"lat":36.90,"lon":117.70}},"casualties":0,"partiesConsent":false,"receivedAt":"2026-11-22T08:00:00.000Z"}
        """
    }

    @Test func malformedFramesAndUnknownVersionsGoToDeadLettersAndTheServiceGoesOn() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let context = try ZMQContext()
        let fake = try SocketThread(name: "fake-intake") {
            try FakeSourceLoop(context: context, name: "intake", pub: cluster.endpoint("intake", "pub"), router: cluster.endpoint("intake", "router"))
        }
        defer { fake.stop() }
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch"])
        let dispatch = try await cluster.http("dispatch")

        // A two-frame message, repeated until the service has seen one (its SUB may still be joining).
        try await eventually("dispatch to reject a malformed frame") {
            fake.execute { $0.publishRaw([Array("incident.opened.R1".utf8), Array("not a header".utf8)]) }
            let (_, body) = try await HTTPClient.get("\(dispatch)/metrics")
            return String(decoding: body, as: UTF8.self).contains("precinct_bus_rejected_frames_total{service=\"dispatch\"} ")
                && !String(decoding: body, as: UTF8.self).contains("precinct_bus_rejected_frames_total{service=\"dispatch\"} 0")
        }
        // An unknown schema version, then a good event: the first is dead-lettered, the second applied.
        fake.execute {
            $0.publish(topic: "incident.opened.R1", type: "incident.opened", version: 99, payload: Self.incident("I-V99"), correlationId: "I-V99")
        }
        fake.execute {
            $0.publish(topic: "incident.opened.R1", type: "incident.opened", version: 1, payload: Self.incident("I-OK"), correlationId: "I-OK")
        }
        try await eventually("dispatch to apply the good event after the bad one") {
            let (status, body) = try await HTTPClient.get("\(dispatch)/v1/incidents/I-OK")
            return status == 200 && String(decoding: body, as: UTF8.self).contains("assigned")
        }
        let (missing, _) = try await HTTPClient.get("\(dispatch)/v1/incidents/I-V99")
        #expect(missing == 404, "an event of an unknown version must not be applied")

        let (reply, events) = try await replay(context: context, router: cluster.endpoint("dispatch", "router"), source: "dispatch")
        #expect(reply["ok"] == .bool(true))
        let deadLetters = events.filter { $0.topic == "deadletter.dispatch" }.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(deadLetters.contains { $0.contains("expected 3 frames") }, "\(deadLetters)")
        #expect(deadLetters.contains { $0.contains("unknown schema version 99") }, "\(deadLetters)")
        #expect(events.contains { $0.topic.hasPrefix("dispatch.assigned.") && $0.header.correlationId == "I-OK" })

        let (_, metrics) = try await HTTPClient.get("\(dispatch)/metrics")
        #expect(String(decoding: metrics, as: UTF8.self).contains("precinct_dead_letters_total{service=\"dispatch\"}"))
    }
}
