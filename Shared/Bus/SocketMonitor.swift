import CZeroMQ
import Logging

/// Watches a bound socket's connections (libzmq's socket monitor) and counts what failed.
final class SocketMonitor {
    let socket: Socket
    let name: String

    /// The monitor events counted: failed handshakes (wrong keys, garbage, wrong socket type)
    /// and disconnects (a peer gone, or dropped by libzmq for a frame over the size limit).
    static let events =
        ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED

    init(watching target: Socket, name: String, context: ZMQContext, id: String) throws {
        self.name = name
        let endpoint = "inproc://monitor.\(id).\(name)"
        try target.monitor(endpoint, events: SocketMonitor.events)
        socket = try Socket(context, .pair)
        try socket.connect(endpoint)
    }

    enum Event: String, CaseIterable {
        case handshakeFailedAuth = "auth"
        case handshakeFailedProtocol = "protocol"
        case handshakeFailedOther = "other"
        case disconnected
    }

    /// The events waiting, decoded.
    func drain() -> [Event] {
        var out: [Event] = []
        for _ in 0..<256 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil else { break }
            guard let first = frames.first, first.count >= 2 else { continue }
            let code = Int32(first[0]) | Int32(first[1]) << 8  // uint16, host order (little-endian here)
            switch code {
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(.handshakeFailedAuth)
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: out.append(.handshakeFailedProtocol)
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: out.append(.handshakeFailedOther)
            case ZMQ_EVENT_DISCONNECTED: out.append(.disconnected)
            default: continue
            }
        }
        return out
    }

    /// Counts the events waiting; a failed handshake is also logged (a wrong key, a port scan).
    func count(into stats: BusStats, logger: Logger) {
        for event in drain() {
            if event == .disconnected {
                stats.count("disconnects", [("socket", name)])
            } else {
                stats.count("handshake_failures", [("socket", name), ("reason", event.rawValue)])
                logger.warning("handshake failed", metadata: ["socket": "\(name)", "reason": "\(event.rawValue)"])
            }
        }
    }
}
