import CZeroMQ

/// A libzmq call that failed, with the `errno` it left and libzmq's own text for it.
public struct ZMQError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The libzmq function that failed (`zmq_bind`, `zmq_msg_recv`, ...).
    public var operation: String
    /// The `errno` value (`EAGAIN`, `ETERM`, `EINVAL`, ...).
    public var code: Int32
    /// `zmq_strerror(code)`.
    public var message: String

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    /// The error for the calling thread's current `zmq_errno()`.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(operation: operation, code: zmq_errno())
    }

    public var description: String { "\(operation): \(message) (errno \(code))" }

    /// The operation would have blocked (non-blocking call with nothing to do).
    public var wouldBlock: Bool { code == EAGAIN }
    /// The context was terminated under the socket.
    public var contextTerminated: Bool { code == ETERM }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(ZMQError) {
    if rc == -1 { throw ZMQError.last(operation()) }
}
