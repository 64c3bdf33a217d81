import Bus
import Foundation
import Synchronization
import Wire

/// Plays a source service on the bus (its PUB and ROUTER), so a test can put exactly the frames
/// it wants in front of a real service: malformed ones, unknown schema versions, gaps.
final class FakeSourceLoop: SocketLoop {
    let pub: Socket
    let router: Socket
    let name: String
    var stored: [OutboundEvent] = []

    init(context: ZMQContext, name: String, pub: String, router: String) throws {
        self.name = name
        self.pub = try Socket(context, .pub)
        try self.pub.bind(pub)
        self.router = try Socket(context, .router)
        try self.router.bind(router)
    }

    var inputs: [Socket] { [router] }

    /// Answers replay requests from what was stored, like `Store.answerReplay`.
    func readable(_ index: Int) {
        while let frames = (try? router.receiveMultipart(dontWait: true)) ?? nil {
            let split = frames.firstIndex(where: \.isEmpty).map { $0 + 1 } ?? 1
            let route = Array(frames[..<split])
            guard let body = try? FlatJSON.parseObject(frames[split...].first ?? []) else { continue }
            let after: Int64 = if case .integer(let n)? = body["after"] { n } else { 0 }
            if body["op"] == .string("ping") {
                _ = try? router.send(
                    multipart: route + [FlatJSON.encode(["ok": .bool(true), "epoch": .string("fake"), "latest": .integer(Int64(stored.count))])])
                continue
            }
            let events = stored.filter { $0.seq > UInt64(after) }
            var reply =
                route + [
                    FlatJSON.encode([
                        "id": body["id"] ?? .null, "ok": .bool(true), "source": .string(name), "epoch": .string("fake"),
                        "latest": .integer(Int64(stored.count)), "oldest": .integer(1), "count": .integer(Int64(events.count)),
                    ])
                ]
            for e in events { reply += [e.topic, e.header, e.payload] }
            _ = try? router.send(multipart: reply)
        }
    }

    /// Stores (so replay finds it) and publishes an event with the next sequence.
    func publish(topic: String, type: String, version: Int, payload: String, correlationId: String) {
        let seq = UInt64(stored.count + 1)
        let header = EventHeader(
            type: type, version: version, source: name, epoch: "fake", seq: seq, time: EventTime.string(Date()), correlationId: correlationId)
        let event = OutboundEvent(seq: seq, topic: Array(topic.utf8), header: header.encoded(), payload: Array(payload.utf8))
        stored.append(event)
        _ = try? pub.send(multipart: [event.topic, event.header, event.payload])
    }

    func publishRaw(_ frames: [[UInt8]]) {
        _ = try? pub.send(multipart: frames)
    }

    func shutdown() {
        pub.close()
        router.close()
    }
}

/// Runs blocking socket work on a thread of its own, never on the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// `[reply, (topic, header, payload)*]` from a service's ROUTER: its outbox after `after`.
func replay(context: ZMQContext, router: String, source: String, after: Int = 0) async throws -> (reply: [String: FlatJSON.Value], events: [Envelope])
{
    try await onThread {
        let socket = try Socket(context, .req)
        defer { socket.close() }
        try socket.configure(SocketOptions(receiveTimeout: .seconds(10)))
        try socket.connect(router)
        try socket.send(
            FlatJSON.encode([
                "op": .string("replay"), "id": .string("t"), "source": .string(source), "after": .integer(Int64(after)), "limit": .integer(5000),
            ]))
        guard let frames = try socket.receiveMultipart() else { throw ClusterError("no replay answer from \(router)") }
        let reply = try FlatJSON.parseObject(frames[0])
        var events: [Envelope] = []
        var i = 1
        while i + 3 <= frames.count {
            events.append(try Envelope(frames: Array(frames[i..<i + 3])))
            i += 3
        }
        return (reply, events)
    }
}
