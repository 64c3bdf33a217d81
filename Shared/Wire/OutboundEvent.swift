/// An event committed to an outbox, as the bytes that go on the wire: publishing and replay send
/// these stored bytes, never a re-encoding.
public struct OutboundEvent: Sendable, Equatable {
    public var seq: UInt64
    public var topic: [UInt8]
    public var header: [UInt8]
    public var payload: [UInt8]

    public init(seq: UInt64, topic: [UInt8], header: [UInt8], payload: [UInt8]) {
        self.seq = seq
        self.topic = topic
        self.header = header
        self.payload = payload
    }

    /// The three frames of the message.
    public var frames: [[UInt8]] { [topic, header, payload] }
}

/// Where committed events go once their transaction has committed: the ZeroMQ publisher in a
/// running service, an in-memory hub in tests.
public protocol EventPublisher: Sendable {
    /// Publishes events in the order given, which is sequence order.
    func publish(_ events: [OutboundEvent])
}
