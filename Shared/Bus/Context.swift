import CZeroMQ

/// A libzmq context. Thread-safe and immutable, so it is `Sendable`; every socket keeps its
/// context alive, and the context is terminated only after the last socket has been closed
/// (libzmq's `zmq_ctx_term` would otherwise block).
public final class ZMQContext: Sendable {
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// - Parameter ioThreads: libzmq's background I/O threads (one is plenty below ~1 GB/s).
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        try check(zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads), "zmq_ctx_set(ZMQ_IO_THREADS)")
        // The default of 1024 sockets is low for a process with many peers and tests running in parallel.
        try check(zmq_ctx_set(handle, ZMQ_MAX_SOCKETS, 4096), "zmq_ctx_set(ZMQ_MAX_SOCKETS)")
    }

    deinit {
        while zmq_ctx_term(handle) == -1 && zmq_errno() == EINTR {}
    }

    /// libzmq's version as (major, minor, patch). (`ZMQ_VERSION` is a macro Swift cannot import.)
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability (`"curve"`, `"ipc"`, `"draft"` ...).
    public static func has(_ capability: String) -> Bool { zmq_has(capability) == 1 }
}
