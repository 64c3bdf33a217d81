import Wire

/// A message read off a SUB: an envelope, or the frames of one that is not and why (for the
/// dead-letter topic, nothing is dropped silently).
public enum ReceivedMessage {
    case envelope(Envelope)
    case malformed(frames: [[UInt8]], EnvelopeError)
}

/// Reads envelopes off a socket with the fewest allocations: the topic and header frames are
/// copied into two buffers reused from message to message (no array per frame, no array of
/// frames), and only the payload, which the envelope keeps, gets storage of its own. The checks
/// are ``Envelope/init(frames:)``'s.
public struct EnvelopeReader {
    private var topic: [UInt8] = []
    private var header: [UInt8] = []
    private var payload: [UInt8] = []

    /// The three frames of the last message read, byte for byte as they came (for a dead letter
    /// of a well-formed envelope that nobody follows).
    public var frames: [[UInt8]] { [topic, header, payload] }

    public init() {
        topic.reserveCapacity(64)
        header.reserveCapacity(256)
    }

    /// The next message on `socket`, or `nil` when `dontWait` was set and none was waiting.
    public mutating func receive(from socket: Socket, dontWait: Bool = false) throws(ZMQError) -> ReceivedMessage? {
        topic.removeAll(keepingCapacity: true)
        header.removeAll(keepingCapacity: true)
        payload = []
        var extra: [[UInt8]] = []
        var count = 0
        let received = try socket.receive(dontWait: dontWait) { index, bytes in
            count += 1
            switch index {
            case 0: topic.append(contentsOf: bytes)
            case 1: header.append(contentsOf: bytes)
            case 2: payload = [UInt8](bytes)
            default: extra.append([UInt8](bytes))
            }
        }
        guard received else { return nil }
        guard count == 3 else {
            let frames = ([topic, header, payload].prefix(count) + extra)
            return .malformed(frames: Array(frames), .wrongFrameCount(count))
        }
        do {
            return .envelope(try Envelope(topicFrame: topic, headerFrame: header, payload: payload))
        } catch {
            return .malformed(frames: [topic, header, payload], error)
        }
    }
}
