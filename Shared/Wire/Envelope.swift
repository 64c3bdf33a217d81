import Foundation

/// Why a message could not be read as an envelope.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongFrameCount(Int)
    case topicNotUTF8
    case malformedHeader(String)
    case topicMismatch(topic: String, type: String)

    public var description: String {
        switch self {
        case .wrongFrameCount(let n): "expected 3 frames [topic, header, payload], got \(n)"
        case .topicNotUTF8: "topic frame is not UTF-8"
        case .malformedHeader(let reason): reason
        case .topicMismatch(let topic, let type): "topic '\(topic)' does not start with the header type '\(type)'"
        }
    }
}

/// One message on the bus: `[topic, header, payload]`. The payload stays as bytes until a
/// service that needs its fields decodes it.
public struct Envelope: Sendable, Equatable {
    public var topic: String
    public var header: EventHeader
    public var payload: [UInt8]

    public init(topic: String, header: EventHeader, payload: [UInt8]) {
        self.topic = topic
        self.header = header
        self.payload = payload
    }

    public var frames: [[UInt8]] { [Array(topic.utf8), header.encoded(), payload] }

    /// Reads a multipart message. Heartbeats are envelopes too (type `heartbeat`, topic `heartbeat.<source>`).
    public init(frames: [[UInt8]]) throws(EnvelopeError) {
        guard frames.count == 3 else { throw .wrongFrameCount(frames.count) }
        try self.init(topicFrame: frames[0], headerFrame: frames[1], payload: frames[2])
    }

    /// Reads the three frames of a message: what ``init(frames:)`` checks once the count is right.
    public init(topicFrame: [UInt8], headerFrame: [UInt8], payload: [UInt8]) throws(EnvelopeError) {
        guard let topic = UTF8Text.string(topicFrame) else { throw .topicNotUTF8 }
        let header = try EventHeader.decode(headerFrame)
        guard Topics.topic(topic, isOfType: header.type) else { throw .topicMismatch(topic: topic, type: header.type) }
        self.topic = topic
        self.header = header
        self.payload = payload
    }
}
