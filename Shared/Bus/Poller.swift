import CZeroMQ

/// `zmq_poll` over sockets and plain file descriptors. Level-triggered, unlike `ZMQ_FD`.
public struct Poller {
    public enum Item {
        case socket(Socket)
        case fd(Int32)
    }

    public init() {}

    /// Waits until at least one item is readable or `timeout` passes (`nil` waits forever).
    /// - Returns: the indices of the readable items.
    public func poll(_ items: [Item], timeout: Duration?) throws(ZMQError) -> [Int] {
        var raw = items.map { item -> zmq_pollitem_t in
            switch item {
            case .socket(let s): zmq_pollitem_t(socket: s.rawHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fd(let fd): zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        let ms: Int = timeout.map { max(0, Int($0.milliseconds)) } ?? -1
        while true {
            let rc = zmq_poll(&raw, Int32(raw.count), ms)
            if rc >= 0 { break }
            let code = zmq_errno()
            if code == EINTR { continue }
            throw ZMQError(operation: "zmq_poll", code: code)
        }
        return raw.indices.filter { raw[$0].revents & Int16(ZMQ_POLLIN) != 0 }
    }
}
