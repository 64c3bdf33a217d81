import CZeroMQ
import Foundation

/// The socket types of libzmq that Precinct uses.
public enum SocketType: Sendable {
    case pub, sub, xpub, xsub, router, dealer, req, rep, push, pull, pair

    var raw: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        }
    }
}

/// One libzmq socket.
///
/// A libzmq socket is not thread-safe, so this type is deliberately not `Sendable`: create it on
/// the thread that uses it (see ``SocketThread``) and never hand it to another. The compiler then
/// refuses to capture it in a `@Sendable` closure.
public final class Socket {
    public let type: SocketType
    let context: ZMQContext  // keeps the context alive until this socket is closed
    private var handle: UnsafeMutableRawPointer?
    /// One message buffer for every receive: `zmq_msg_t` keeps small messages inline, so it must
    /// stay at one address from init through close.
    private let message: UnsafeMutablePointer<zmq_msg_t>

    public init(_ context: ZMQContext, _ type: SocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw ZMQError.last("zmq_socket") }
        self.handle = handle
        self.type = type
        self.context = context
        self.message = .allocate(capacity: 1)
        // Never let a close hang the process: pending messages get at most this long.
        try setOption(ZMQ_LINGER, Int32(0))
    }

    deinit {
        close()
        message.deallocate()
    }

    /// Closes the socket now. Pending outgoing messages are dropped after the linger period.
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    public var isClosed: Bool { handle == nil }

    private func live(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(operation: operation, code: ENOTSOCK) }
        return handle
    }

    /// The raw handle, for `zmq_poll`.
    var rawHandle: UnsafeMutableRawPointer? { handle }

    // MARK: Endpoints

    /// Binds and returns the endpoint actually bound (a `tcp://127.0.0.1:*` wildcard resolves to the port chosen).
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        try check(zmq_bind(try live("zmq_bind"), endpoint), "zmq_bind(\(endpoint))")
        return (try? lastEndpoint) ?? endpoint
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        try check(zmq_connect(try live("zmq_connect"), endpoint), "zmq_connect(\(endpoint))")
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        try check(zmq_disconnect(try live("zmq_disconnect"), endpoint), "zmq_disconnect(\(endpoint))")
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        try check(zmq_unbind(try live("zmq_unbind"), endpoint), "zmq_unbind(\(endpoint))")
    }

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind, with the port a wildcard resolved to.
    public var lastEndpoint: String {
        get throws(ZMQError) {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            try check(zmq_getsockopt(try live("zmq_getsockopt"), ZMQ_LAST_ENDPOINT, &buffer, &size), "zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Options

    public func setOption(_ option: Int32, _ value: Int32) throws(ZMQError) {
        var v = value
        try check(zmq_setsockopt(try live("zmq_setsockopt"), option, &v, MemoryLayout<Int32>.size), "zmq_setsockopt(\(option))")
    }

    public func setOption(_ option: Int32, _ value: Int64) throws(ZMQError) {
        var v = value
        try check(zmq_setsockopt(try live("zmq_setsockopt"), option, &v, MemoryLayout<Int64>.size), "zmq_setsockopt(\(option))")
    }

    public func setOption(_ option: Int32, bytes: some Collection<UInt8>) throws(ZMQError) {
        let array = Array(bytes)
        let handle = try live("zmq_setsockopt")
        let rc = array.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        try check(rc, "zmq_setsockopt(\(option))")
    }

    public func setOption(_ option: Int32, _ value: String) throws(ZMQError) {
        try setOption(option, bytes: Array(value.utf8))
    }

    public func getInt32Option(_ option: Int32) throws(ZMQError) -> Int32 {
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        try check(zmq_getsockopt(try live("zmq_getsockopt"), option, &v, &size), "zmq_getsockopt(\(option))")
        return v
    }

    public func getInt64Option(_ option: Int32) throws(ZMQError) -> Int64 {
        var v: Int64 = 0
        var size = MemoryLayout<Int64>.size
        try check(zmq_getsockopt(try live("zmq_getsockopt"), option, &v, &size), "zmq_getsockopt(\(option))")
        return v
    }

    /// The options an operator tunes, applied in one call. `nil` leaves libzmq's default.
    public func configure(_ options: SocketOptions) throws(ZMQError) {
        if let v = options.linger { try setOption(ZMQ_LINGER, Int32(v.milliseconds)) }
        if let v = options.sendHighWaterMark { try setOption(ZMQ_SNDHWM, Int32(v)) }
        if let v = options.receiveHighWaterMark { try setOption(ZMQ_RCVHWM, Int32(v)) }
        if let v = options.reconnectInterval { try setOption(ZMQ_RECONNECT_IVL, Int32(v.milliseconds)) }
        if let v = options.reconnectIntervalMax { try setOption(ZMQ_RECONNECT_IVL_MAX, Int32(v.milliseconds)) }
        if let v = options.maxMessageSize { try setOption(ZMQ_MAXMSGSIZE, Int64(v)) }
        if let v = options.tcpKeepalive {
            try setOption(ZMQ_TCP_KEEPALIVE, Int32(v ? 1 : 0))
            if v {
                if let idle = options.tcpKeepaliveIdle { try setOption(ZMQ_TCP_KEEPALIVE_IDLE, Int32(idle.seconds)) }
                if let intvl = options.tcpKeepaliveInterval { try setOption(ZMQ_TCP_KEEPALIVE_INTVL, Int32(intvl.seconds)) }
            }
        }
        if let v = options.heartbeatInterval { try setOption(ZMQ_HEARTBEAT_IVL, Int32(v.milliseconds)) }
        if let v = options.heartbeatTimeout { try setOption(ZMQ_HEARTBEAT_TIMEOUT, Int32(v.milliseconds)) }
        if let v = options.immediate { try setOption(ZMQ_IMMEDIATE, Int32(v ? 1 : 0)) }
        if let v = options.routerMandatory, type == .router { try setOption(ZMQ_ROUTER_MANDATORY, Int32(v ? 1 : 0)) }
        if let v = options.receiveTimeout { try setOption(ZMQ_RCVTIMEO, Int32(v.milliseconds)) }
        if let v = options.sendTimeout { try setOption(ZMQ_SNDTIMEO, Int32(v.milliseconds)) }
    }

    // MARK: Subscriptions

    public func subscribe(_ prefix: String) throws(ZMQError) { try setOption(ZMQ_SUBSCRIBE, prefix) }
    public func unsubscribe(_ prefix: String) throws(ZMQError) { try setOption(ZMQ_UNSUBSCRIBE, prefix) }

    // MARK: Sending

    /// Sends one frame. `more` marks it as part of a multipart message still to be completed.
    /// - Returns: `false` when `dontWait` was set and the socket could not take the frame now.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try live("zmq_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) != -1 { return true }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN && dontWait { return false }
            throw ZMQError(operation: "zmq_send", code: code)
        }
    }

    @discardableResult
    public func send(_ frame: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        do {
            return try frame.withUnsafeBytes { buffer throws(ZMQError) in try send(buffer, more: more, dontWait: dontWait) }
        } catch let error as ZMQError { throw error } catch { fatalError("unreachable") }
    }

    @discardableResult
    public func send(_ frame: String, more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        try send(Array(frame.utf8), more: more, dontWait: dontWait)
    }

    /// Sends a whole multipart message.
    /// - Returns: `false` when `dontWait` was set and the first frame could not be queued (nothing was sent).
    @discardableResult
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        for (index, frame) in frames.enumerated() {
            let sent = try send(frame, more: index < frames.count - 1, dontWait: dontWait && index == 0)
            if !sent { return false }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one whole multipart message.
    /// - Returns: `nil` when `dontWait` was set and no message was waiting, or the receive timed out.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        try receiveMultipart(property: nil, dontWait: dontWait)?.frames
    }

    /// Receives one whole multipart message and a metadata property of the connection it came
    /// on: `"User-Id"` is the name the ZAP handler gave the client's key.
    public func receiveMultipart(property: String?, dontWait: Bool = false) throws(ZMQError) -> (frames: [[UInt8]], property: String?)? {
        let handle = try live("zmq_msg_recv")
        var value: String?
        var frames: [[UInt8]] = []
        frames.reserveCapacity(3)
        while true {
            zmq_msg_init(message)
            defer { zmq_msg_close(message) }
            let flags = (dontWait && frames.isEmpty) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(message, handle, flags)
            if rc == -1 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && frames.isEmpty { return nil }
                throw ZMQError(operation: "zmq_msg_recv", code: code)
            }
            let size = zmq_msg_size(message)
            let frame: [UInt8]
            if size == 0 {
                frame = []
            } else {
                let data = zmq_msg_data(message)!
                frame = [UInt8](UnsafeRawBufferPointer(start: data, count: size))
            }
            // A ROUTER's routing-id frame is made locally and carries no metadata: ask every frame.
            if value == nil, let property, let raw = zmq_msg_gets(message, property) { value = String(cString: raw) }
            frames.append(frame)
            if zmq_msg_more(message) == 0 { return (frames, value) }
        }
    }

    /// Receives one whole multipart message and lends each frame's bytes, in order, to `frame`
    /// without copying them: the hot path reads headers in place (``EnvelopeReader``). The bytes
    /// are valid only during the call.
    /// - Returns: `false` when `dontWait` was set and no message was waiting, or the receive timed out.
    public func receive(dontWait: Bool = false, frame: (_ index: Int, _ bytes: UnsafeRawBufferPointer) -> Void) throws(ZMQError) -> Bool {
        let handle = try live("zmq_msg_recv")
        var index = 0
        while true {
            zmq_msg_init(message)
            defer { zmq_msg_close(message) }
            let flags = (dontWait && index == 0) ? ZMQ_DONTWAIT : 0
            if zmq_msg_recv(message, handle, flags) == -1 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN && index == 0 { return false }
                throw ZMQError(operation: "zmq_msg_recv", code: code)
            }
            frame(index, UnsafeRawBufferPointer(start: zmq_msg_data(message), count: zmq_msg_size(message)))
            index += 1
            if zmq_msg_more(message) == 0 { return true }
        }
    }

    /// Starts libzmq's socket monitor: `events` are published on a PAIR socket at `endpoint` (inproc).
    public func monitor(_ endpoint: String, events: Int32) throws(ZMQError) {
        try check(zmq_socket_monitor(try live("zmq_socket_monitor"), endpoint, events), "zmq_socket_monitor(\(endpoint))")
    }

    /// `ZMQ_EVENTS` says the socket has a message to read now.
    public var isReadable: Bool {
        ((try? getInt32Option(ZMQ_EVENTS)) ?? 0) & Int32(ZMQ_POLLIN) != 0
    }
}

/// Socket options an operator tunes; every field `nil` keeps libzmq's default.
public struct SocketOptions: Sendable, Equatable {
    public var linger: Duration?
    public var sendHighWaterMark: Int?
    public var receiveHighWaterMark: Int?
    public var reconnectInterval: Duration?
    public var reconnectIntervalMax: Duration?
    public var maxMessageSize: Int?
    public var tcpKeepalive: Bool?
    public var tcpKeepaliveIdle: Duration?
    public var tcpKeepaliveInterval: Duration?
    /// ZMTP heartbeats: detect a dead peer on an idle connection.
    public var heartbeatInterval: Duration?
    public var heartbeatTimeout: Duration?
    public var immediate: Bool?
    public var routerMandatory: Bool?
    /// A blocking receive gives up after this long (returns `nil`).
    public var receiveTimeout: Duration?
    public var sendTimeout: Duration?

    public init(
        linger: Duration? = nil, sendHighWaterMark: Int? = nil, receiveHighWaterMark: Int? = nil,
        reconnectInterval: Duration? = nil, reconnectIntervalMax: Duration? = nil, maxMessageSize: Int? = nil,
        tcpKeepalive: Bool? = nil, tcpKeepaliveIdle: Duration? = nil, tcpKeepaliveInterval: Duration? = nil,
        heartbeatInterval: Duration? = nil, heartbeatTimeout: Duration? = nil, immediate: Bool? = nil,
        routerMandatory: Bool? = nil, receiveTimeout: Duration? = nil, sendTimeout: Duration? = nil
    ) {
        self.receiveTimeout = receiveTimeout
        self.sendTimeout = sendTimeout
        self.linger = linger
        self.sendHighWaterMark = sendHighWaterMark
        self.receiveHighWaterMark = receiveHighWaterMark
        self.reconnectInterval = reconnectInterval
        self.reconnectIntervalMax = reconnectIntervalMax
        self.maxMessageSize = maxMessageSize
        self.tcpKeepalive = tcpKeepalive
        self.tcpKeepaliveIdle = tcpKeepaliveIdle
        self.tcpKeepaliveInterval = tcpKeepaliveInterval
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.immediate = immediate
        self.routerMandatory = routerMandatory
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (s, attos) = components
        return s * 1000 + attos / 1_000_000_000_000_000
    }
    var seconds: Int64 { components.seconds }
}
