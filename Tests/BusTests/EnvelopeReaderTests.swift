import Bus
import TestSupport
import Testing
import Wire

/// The SUB's hot-path reader (issue 14): the same envelopes and the same refusals as
/// `Envelope(frames:)`, with the frames of a refused message kept byte for byte.
@Suite("EnvelopeReader")
struct EnvelopeReaderTests {
    /// A connected PAIR over inproc: no slow joiner, so the test needs no synchronisation.
    func pair() throws -> (send: Socket, receive: Socket) {
        let context = try ZMQContext()
        let receive = try Socket(context, .pair)
        try receive.bind("inproc://envelope-reader")
        let send = try Socket(context, .pair)
        try send.connect("inproc://envelope-reader")
        return (send, receive)
    }

    let header = EventHeader(type: "incident.opened", version: 1, source: "intake", epoch: "e1", seq: 9, time: "2026-12-01T22:00:00.000Z")

    @Test("reads envelope after envelope into reused buffers, the same as Envelope(frames:)")
    func envelopes() throws {
        let (send, receive) = try pair()
        var reader = EnvelopeReader()
        #expect(try reader.receive(from: receive, dontWait: true) == nil)  // nothing waiting
        for (seq, topic) in [(1, "incident.opened.R1"), (2, "incident.opened.unlocated-and-longer-than-the-last"), (3, "incident.opened")] {
            var h = header
            h.seq = UInt64(seq)
            let frames = [bytes(topic), h.encoded(), bytes(#"{"n":\#(seq)}"#)]
            try send.send(multipart: frames)
            let received = try #require(try reader.receive(from: receive))
            guard case .envelope(let envelope) = received else {
                Issue.record("expected an envelope, got \(received)")
                return
            }
            #expect(envelope == (try Envelope(frames: frames)))
            #expect(reader.frames == frames)
        }
    }

    @Test(
        "refuses what Envelope(frames:) refuses, with the frames as they came",
        arguments: [
            ([bytes("incident.opened.R1"), bytes("{}")], "expected 3 frames"),
            ([bytes("incident.opened.R1"), bytes("{}"), bytes("{}"), bytes("extra")], "expected 3 frames"),
            ([[0xFF, 0xFE], bytes("{}"), []], "not UTF-8"),
            ([bytes("incident.opened.R1"), bytes("not json"), []], "not a flat JSON object"),
            (
                [
                    bytes("dispatch.assigned.R1"),
                    EventHeader(type: "incident.opened", version: 1, source: "intake", epoch: "e", seq: 1, time: "T").encoded(), [],
                ], "does not start with the header type"
            ),
        ] as [([[UInt8]], String)])
    func refusals(frames: [[UInt8]], reason: String) throws {
        let (send, receive) = try pair()
        var reader = EnvelopeReader()
        try send.send(multipart: frames)
        let received = try #require(try reader.receive(from: receive))
        guard case .malformed(let kept, let error) = received else {
            Issue.record("expected a refusal, got \(received)")
            return
        }
        #expect(kept == frames)
        #expect(error.description.contains(reason), "\(error)")
        #expect(throws: EnvelopeError.self) { try Envelope(frames: frames) }
    }
}
