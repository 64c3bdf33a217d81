import Foundation
import TestSupport
import Testing
import Wire

@Suite("EventHeader and Envelope")
struct EnvelopeTests {
    static let headers: [EventHeader] = [
        // Optional fields absent.
        EventHeader(type: "incident.opened", version: 1, source: "intake", epoch: "a1b2c3d4", seq: 1, time: "2026-11-22T08:00:00.123Z"),
        // Optional fields present, a large sequence.
        EventHeader(
            type: "dispatch.assigned", version: 3, source: "dispatch", epoch: "e", seq: UInt64(Int64.max),
            time: "2026-11-22T08:00:00.000Z", correlationId: "I-000042", causationId: "intake:a1b2c3d4:7"),
        // Strings that need escaping, Chinese text and an emoji.
        EventHeader(
            type: "alert.enterprise", version: 1, source: "li\"ai\\son", epoch: "tab\there\nnewline\r\u{01}\u{1F}",
            seq: 0, time: "2026-11-22T08:00:00Z", correlationId: "邹平示例化工有限公司 / 台子派出所", causationId: "🚓 \u{7F} é"),
    ]

    @Test("header encode → decode round-trips", arguments: headers)
    func headerRoundTrip(header: EventHeader) throws {
        let encoded = header.encoded()
        let decoded = try EventHeader.decode(encoded)
        #expect(decoded == header)
        #expect(decoded.id == "\(header.source):\(header.epoch):\(header.seq)")

        // An independent reader agrees that it is valid JSON with the same fields.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any])
        #expect(object["type"] as? String == header.type)
        #expect(object["source"] as? String == header.source)
        #expect(object["epoch"] as? String == header.epoch)
        #expect((object["seq"] as? NSNumber)?.uint64Value == header.seq)
        #expect(object["correlationId"] as? String == header.correlationId)
        #expect(object["causationId"] as? String == header.causationId)
        // Absent optionals are left out, not written as null.
        #expect((object["correlationId"] == nil) == (header.correlationId == nil))
        #expect((object["causationId"] == nil) == (header.causationId == nil))
    }

    @Test("decode accepts null optionals and ignores unknown fields")
    func headerNullsAndExtras() throws {
        let json =
            #"{"id":"x:e:5","type":"t","version":1,"source":"x","epoch":"e","seq":5,"time":"T","correlationId":null,"causationId":null,"extra":true}"#
        let header = try EventHeader.decode(bytes(json))
        #expect(header.correlationId == nil)
        #expect(header.causationId == nil)
        #expect(header.seq == 5)
    }

    @Test("envelope frames → Envelope(frames:) round-trips", arguments: headers)
    func envelopeRoundTrip(header: EventHeader) throws {
        let payload = bytes(#"{"note":"台子 \"quoted\""}"#) + [0xFF, 0x00]  // payload bytes are opaque
        let envelope = Envelope(topic: header.type + ".R1", header: header, payload: payload)
        let frames = envelope.frames
        #expect(frames.count == 3)
        #expect(frames[0] == bytes(header.type + ".R1"))
        let back = try Envelope(frames: frames)
        #expect(back == envelope)
        #expect(back.payload == payload)
    }

    @Test("an empty payload and a topic equal to the type are fine")
    func minimalEnvelope() throws {
        let header = EventHeader(type: "heartbeat", version: 1, source: "intake", epoch: "e", seq: 9, time: "T")
        let back = try Envelope(frames: [bytes("heartbeat"), header.encoded(), []])
        #expect(back.topic == "heartbeat")
        #expect(back.payload.isEmpty)
    }

    // MARK: Rejections

    static func header(_ fields: KeyValuePairs<String, FlatJSON.Value>) -> [UInt8] { FlatJSON.encode(fields) }

    static let good = EventHeader(type: "incident.opened", version: 1, source: "intake", epoch: "e1", seq: 3, time: "2026-11-22T08:00:00.000Z")

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var frames: [[UInt8]]
        var error: EnvelopeError?  // nil: any .malformedHeader
        var mentions: [String]
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        Rejection(
            name: "2 frames", frames: [bytes("incident.opened.R1"), good.encoded()],
            error: .wrongFrameCount(2), mentions: ["3 frames", "got 2"]),
        Rejection(
            name: "4 frames", frames: [bytes("incident.opened.R1"), good.encoded(), [], []],
            error: .wrongFrameCount(4), mentions: ["3 frames", "got 4"]),
        Rejection(
            name: "topic not UTF-8", frames: [[0x69, 0x6E, 0xFF, 0xFE], good.encoded(), []],
            error: .topicNotUTF8, mentions: ["topic", "UTF-8"]),
        Rejection(
            name: "header not JSON", frames: [bytes("incident.opened.R1"), bytes("seq=3; type=incident.opened"), []],
            error: nil, mentions: ["header", "JSON"]),
        Rejection(
            name: "header is JSON but not an object", frames: [bytes("incident.opened.R1"), bytes("[1,2,3]"), []],
            error: nil, mentions: ["header"]),
        Rejection(
            name: "header missing seq",
            frames: [
                bytes("incident.opened.R1"),
                header([
                    "id": .string("intake:e1:3"), "type": .string("incident.opened"), "version": .integer(1),
                    "source": .string("intake"), "epoch": .string("e1"), "time": .string("T"),
                ]), [],
            ],
            error: .malformedHeader("header field 'seq' is missing or not an integer"), mentions: ["'seq'"]),
        Rejection(
            name: "seq is a string",
            frames: [
                bytes("incident.opened.R1"),
                header([
                    "id": .string("intake:e1:3"), "type": .string("incident.opened"), "version": .integer(1),
                    "source": .string("intake"), "epoch": .string("e1"), "seq": .string("3"), "time": .string("T"),
                ]), [],
            ],
            error: nil, mentions: ["'seq'"]),
        Rejection(
            name: "negative seq",
            frames: [
                bytes("incident.opened.R1"),
                header([
                    "id": .string("intake:e1:-1"), "type": .string("incident.opened"), "version": .integer(1),
                    "source": .string("intake"), "epoch": .string("e1"), "seq": .integer(-1), "time": .string("T"),
                ]), [],
            ],
            error: .malformedHeader("header field 'seq' is negative"), mentions: ["'seq'", "negative"]),
        Rejection(
            name: "header missing source",
            frames: [
                bytes("incident.opened.R1"),
                header([
                    "id": .string("intake:e1:3"), "type": .string("incident.opened"), "version": .integer(1),
                    "epoch": .string("e1"), "seq": .integer(3), "time": .string("T"),
                ]), [],
            ],
            error: nil, mentions: ["'source'"]),
        Rejection(
            name: "correlationId not a string",
            frames: [
                bytes("incident.opened.R1"),
                header([
                    "id": .string("intake:e1:3"), "type": .string("incident.opened"), "version": .integer(1),
                    "source": .string("intake"), "epoch": .string("e1"), "seq": .integer(3), "time": .string("T"),
                    "correlationId": .integer(7),
                ]), [],
            ],
            error: nil, mentions: ["'correlationId'"]),
        Rejection(
            name: "topic does not start with the type", frames: [bytes("dispatch.assigned.R1"), good.encoded(), []],
            error: .topicMismatch(topic: "dispatch.assigned.R1", type: "incident.opened"),
            mentions: ["dispatch.assigned.R1", "incident.opened"]),
    ]

    @Test("Envelope(frames:) rejects a bad message with the right error, naming the field", arguments: rejections)
    func rejects(_ case_: Rejection) throws {
        let error = try #require(throws: EnvelopeError.self) { try Envelope(frames: case_.frames) }
        if let expected = case_.error {
            #expect(error == expected)
        } else {
            guard case .malformedHeader = error else {
                Issue.record("expected .malformedHeader, got \(error)")
                return
            }
        }
        for word in case_.mentions {
            #expect(error.description.contains(word), "'\(error.description)' should mention \(word)")
        }
    }

    @Test("a topic that only shares characters with the type, not a whole segment, is rejected")
    func topicMustMatchWholeSegments() throws {
        let error = try #require(throws: EnvelopeError.self) {
            try Envelope(frames: [bytes("incident.openedX.R1"), Self.good.encoded(), []])
        }
        #expect(error == .topicMismatch(topic: "incident.openedX.R1", type: "incident.opened"))
    }

    @Test("EventTime writes UTC with milliseconds and reads it back")
    func eventTime() throws {
        let date = Date(timeIntervalSince1970: 1_795_334_400.25)  // 2026-11-22T08:00:00.250Z
        let s = EventTime.string(date)
        #expect(s == "2026-11-22T08:00:00.250Z")
        let back = try #require(EventTime.date(s))
        #expect(abs(back.timeIntervalSince(date)) < 0.000_5)
        #expect(EventTime.date("2026-11-22T08:00:00Z") == Date(timeIntervalSince1970: 1_795_334_400))
        #expect(EventTime.date("yesterday") == nil)
    }
}

extension EnvelopeTests {
    @Test(
        "EventTime keeps every millisecond",
        arguments: [1, 7, 123, 300, 580, 999])
    func eventTimeMilliseconds(ms: Int) throws {
        let text = String(format: "2026-11-22T08:00:00.%03dZ", ms)
        #expect(EventTime.string(Date(timeIntervalSince1970: 1_795_334_400 + Double(ms) / 1000)) == text)
        #expect(EventTime.string(try #require(EventTime.date(text))) == text)
    }
}

extension EventHeader: CustomTestStringConvertible {
    public var testDescription: String { "\(type) seq \(seq)\(correlationId == nil ? "" : " +optionals")" }
}
