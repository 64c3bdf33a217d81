import CPrecinctShims
import CZeroMQ
import Foundation
import Synchronization

/// The code that runs on a ``SocketThread``: it owns the thread's sockets.
///
/// It is created on the thread and never leaves it, which is what makes non-`Sendable` sockets
/// safe to use; other threads reach it only through ``SocketThread/execute(_:)``.
public protocol SocketLoop: AnyObject, SendableMetatype {
    /// Sockets to wait on for input, polled in this order.
    var inputs: [Socket] { get }
    /// `inputs[index]` has a message to read. Read what is there (a bounded number) and return.
    func readable(_ index: Int)
    /// Called after every wake-up; returns when it wants to be called next (`nil`: no deadline).
    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant?
    /// Closes the sockets. Called on the thread when it stops.
    func shutdown()
}

extension SocketLoop {
    public func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? { nil }
}

/// A dedicated OS thread that owns a ``SocketLoop`` and blocks in `zmq_poll`, so that no socket
/// ever blocks Swift's cooperative thread pool (two threads on this machine).
///
/// Other threads hand work to the loop with ``execute(_:)``; a mailbox and an `eventfd` wake it.
public final class SocketThread<Loop: SocketLoop>: Sendable {
    private let mailbox = Mutex<[@Sendable (Loop) -> Void]>([])
    private let stopping = Atomic<Bool>(false)
    private let wakeFD: Int32
    private let finished = DispatchSemaphore(value: 0)
    public let name: String

    /// Starts the thread, builds the loop on it, and returns once the loop exists.
    /// - Throws: whatever `make` threw (a bind that failed, say), after the thread has ended.
    public init(name: String, make: @escaping @Sendable () throws -> Loop) throws {
        self.name = name
        let fd = precinct_eventfd()
        guard fd >= 0 else { throw ZMQError(operation: "eventfd", code: errno) }
        self.wakeFD = fd
        let started = DispatchSemaphore(value: 0)
        let startError = Mutex<(any Error)?>(nil)
        let thread = Thread { [self] in
            precinct_set_thread_name(String(name.prefix(15)))
            let loop: Loop
            do {
                loop = try make()
            } catch {
                startError.withLock { $0 = error }
                started.signal()
                finished.signal()
                return
            }
            started.signal()
            run(loop)
            loop.shutdown()
            finished.signal()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        started.wait()
        // On failure `deinit` closes the eventfd (closing it here too would close a stranger's fd).
        if let error = startError.withLock({ $0 }) { throw error }
    }

    deinit {
        close(wakeFD)
    }

    /// Runs `work` on the loop's thread, after the work handed over before it.
    public func execute(_ work: @escaping @Sendable (Loop) -> Void) {
        let wasEmpty = mailbox.withLock { queue in
            queue.append(work)
            return queue.count == 1
        }
        if wasEmpty { wake() }
    }

    /// Stops the loop, closes its sockets and waits for the thread to end. Safe to call twice.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        wake()
        finished.wait()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { write(wakeFD, $0.baseAddress, 8) }
    }

    private func run(_ loop: Loop) {
        let poller = Poller()
        let clock = ContinuousClock()
        var deadline: ContinuousClock.Instant? = loop.tick(now: clock.now)
        while !stopping.load(ordering: .acquiring) {
            let sockets = loop.inputs
            var items = sockets.map { Poller.Item.socket($0) }
            items.append(.fd(wakeFD))
            let timeout = deadline.map { max(.zero, $0 - clock.now) }
            let ready: [Int]
            do {
                ready = try poller.poll(items, timeout: timeout)
            } catch {
                if error.contextTerminated { return }
                ready = []
            }
            for index in ready where index < sockets.count {
                loop.readable(index)
            }
            if ready.contains(sockets.count) {
                var counter: UInt64 = 0
                _ = withUnsafeMutableBytes(of: &counter) { read(wakeFD, $0.baseAddress, 8) }
            }
            let work = mailbox.withLock { queue in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return taken
            }
            for item in work { item(loop) }
            deadline = loop.tick(now: clock.now)
        }
    }
}
