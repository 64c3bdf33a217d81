import Bus
import Foundation
import Logging
import TestSupport
import Testing
import Wire

/// A loop that remembers its thread, reads a PULL socket, and counts ticks and shutdowns.
final class ProbeLoop: SocketLoop {
    let threadID = pthread_self()
    let pull: Socket?
    let endpoint: String
    let events: Locked<[String]>
    var tickEvery: Duration?

    init(context: ZMQContext?, events: Locked<[String]>, tickEvery: Duration? = nil) throws {
        self.events = events
        self.tickEvery = tickEvery
        if let context {
            let pull = try Socket(context, .pull)
            endpoint = try pull.bind("tcp://127.0.0.1:*")
            self.pull = pull
        } else {
            pull = nil
            endpoint = ""
        }
    }

    var onThread: Bool { pthread_equal(threadID, pthread_self()) != 0 }
    var inputs: [Socket] { pull.map { [$0] } ?? [] }

    func readable(_ index: Int) {
        while let frames = (try? pull?.receiveMultipart(dontWait: true)) ?? nil {
            events.withLock { $0.append("recv \(text(frames[0])) onThread=\(onThread)") }
        }
    }

    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let tickEvery else { return nil }
        events.withLock { $0.append("tick") }
        return now + tickEvery
    }

    func shutdown() {
        events.withLock { $0.append("shutdown onThread=\(onThread)") }
        pull?.close()
    }
}

@Suite("SocketThread")
struct SocketThreadTests {
    @Test("execute runs the work on the loop's thread, in the order handed over")
    func executeInOrder() async throws {
        let events = Locked<[String]>([])
        let thread = try SocketThread(name: "st-order") { try ProbeLoop(context: nil, events: events) }
        defer { thread.stop() }
        // Hand work over from several tasks at once: each task's items must stay in order.
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for i in 0..<250 {
                        thread.execute { loop in loop.events.withLock { $0.append("\(producer):\(i):\(loop.onThread)") } }
                    }
                }
            }
        }
        await eventually("1000 work items") { events.current.count == 1000 }
        let seen = events.current
        #expect(seen.allSatisfy { $0.hasSuffix(":true") }, "every item ran on the loop's thread")
        for producer in 0..<4 {
            let order = seen.filter { $0.hasPrefix("\(producer):") }.map { Int($0.split(separator: ":")[1])! }
            #expect(order == Array(0..<250))
        }
    }

    @Test("the loop wakes for socket input and for its tick deadline")
    func wakesForInputAndTicks() async throws {
        let context = try ZMQContext()
        let events = Locked<[String]>([])
        let endpoint = Locked("")
        let thread = try SocketThread(name: "st-input") {
            let loop = try ProbeLoop(context: context, events: events, tickEvery: .milliseconds(5))
            endpoint.withLock { $0 = loop.endpoint }
            return loop
        }
        defer { thread.stop() }
        let push = try Socket(context, .push)
        try push.connect(endpoint.current)
        for i in 1...3 { try push.send("m\(i)") }
        await eventually("three messages") { events.current.filter { $0.hasPrefix("recv") }.count == 3 }
        #expect(events.current.filter { $0.hasPrefix("recv") } == ["recv m1 onThread=true", "recv m2 onThread=true", "recv m3 onThread=true"])
        await eventually("ticks every 5 ms") { events.current.filter { $0 == "tick" }.count >= 5 }
    }

    @Test("stop() shuts the loop down on its thread, returns after the thread's loop ended, and may be called twice")
    func stop() async throws {
        let events = Locked<[String]>([])
        let thread = try SocketThread(name: "st-stop") { try ProbeLoop(context: nil, events: events) }
        thread.stop()
        // stop() waits for the loop: shutdown has already run, exactly once, on the loop's thread.
        #expect(events.current == ["shutdown onThread=true"])
        thread.stop()
        #expect(events.current == ["shutdown onThread=true"])
        // Work handed over after stop never runs.
        thread.execute { $0.events.withLock { $0.append("late") } }
        #expect(!events.current.contains("late"))
    }

    @Test("a loop that fails to start makes init throw its error")
    func startFailure() throws {
        struct Boom: Error, Equatable {}
        #expect(throws: Boom.self) {
            _ = try SocketThread<ProbeLoop>(name: "st-fail") { throw Boom() }
        }
        let context = try ZMQContext()
        let error = try #require(throws: ZMQError.self) {
            let config = BusConfig(service: "bad", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "bogus://x", epoch: "e", latestSeq: 0)
            _ = try ServiceBus(config: config, context: context, delegate: NullDelegate(), logger: quietLogger)
        }
        #expect(error.operation.contains("zmq_bind(bogus://x)"))
    }

    @Test("a loop that fails to start closes its wake descriptor exactly once")
    func startFailureClosesOnce() async throws {
        // A prober thread keeps opening descriptors and checks that they stay open until it closes
        // them itself; a second close(2) of a number already given back takes one of them away.
        let stolen = Locked(0)
        let done = Locked(false)
        let proberEnded = Locked(false)
        Thread.detachNewThread {
            while !done.current {
                let fd = open("/dev/null", O_RDONLY)
                var intact = true
                for _ in 0..<200 where fcntl(fd, F_GETFD) == -1 {
                    intact = false
                    break
                }
                if intact { close(fd) } else { stolen.withLock { $0 += 1 } }
            }
            proberEnded.withLock { $0 = true }
        }
        struct Boom: Error {}
        for _ in 0..<500 {
            #expect(throws: Boom.self) { _ = try SocketThread<ProbeLoop>(name: "st-fail") { throw Boom() } }
        }
        done.withLock { $0 = true }
        await eventually("the prober to end") { proberEnded.current }
        #expect(stolen.current == 0, "descriptors closed under another thread")
    }

    @Test("creating and stopping 20 SocketThreads and 20 ServiceBuses leaks no thread and no context")
    func noLeakedThreads() async throws {
        // Thread names are not usable here (Foundation's Thread.name does not reach the OS thread on
        // Linux), so each loop reports its own kernel thread id from its thread.
        let before = Set(processThreads().keys)
        let loopThreads = Locked<Set<Int>>([])
        let contexts = Locked<[WeakContext]>([])
        var zmqThreads: Set<Int> = []
        do {
            var threads: [SocketThread<ProbeLoop>] = []
            var buses: [ServiceBus] = []
            for i in 0..<20 {
                let context = try ZMQContext()
                contexts.withLock { $0.append(WeakContext(context)) }
                threads.append(
                    try SocketThread(name: "lkT\(i)") {
                        loopThreads.withLock { _ = $0.insert(currentThreadID()) }
                        return try ProbeLoop(context: context, events: Locked([]))
                    })
            }
            for i in 0..<20 {
                let context = try ZMQContext()
                contexts.withLock { $0.append(WeakContext(context)) }
                // Each bus follows the previous one (the first a silent endpoint), so SUB and DEALER
                // sockets exist too, and the delegate hears from the bus thread as it starts.
                let follow =
                    i == 0
                    ? FollowSpec(source: "nobody", pubEndpoint: "tcp://127.0.0.1:9", routerEndpoint: "tcp://127.0.0.1:9")
                    : FollowSpec(source: "lk\(i - 1)", pubEndpoint: buses[i - 1].pubEndpoint, routerEndpoint: buses[i - 1].routerEndpoint)
                var config = BusConfig(
                    service: "lk\(i)", pubEndpoint: "tcp://127.0.0.1:*", routerEndpoint: "tcp://127.0.0.1:*",
                    follow: [follow], epoch: "e\(i)", latestSeq: 0)
                config.heartbeatInterval = .milliseconds(10)
                buses.append(try ServiceBus(config: config, context: context, delegate: ThreadIDDelegate(loopThreads), logger: quietLogger))
            }
            // The check can fail: while they run, the 40 loop threads and libzmq's threads are there.
            let running = processThreads()
            let ours = loopThreads.current
            #expect(ours.count == 40)
            #expect(ours.isSubset(of: Set(running.keys)))
            zmqThreads = Set(running.filter { !before.contains($0.key) && $0.value.hasPrefix("ZMQbg") }.keys)
            #expect(zmqThreads.count >= 80, "an I/O and a reaper thread per context")

            for t in threads { t.stop() }
            for b in buses { b.stop() }
        }
        // stop() returns when the loop has ended; the OS thread exits right after.
        let ours = loopThreads.current
        await eventually("the loop threads to exit") { ours.isDisjoint(with: processThreads().keys) }
        // Every context is released once its sockets are gone; its deinit runs zmq_ctx_term,
        // which joins libzmq's I/O and reaper threads for that context.
        await eventually("every context to be released") { contexts.current.allSatisfy { $0.context == nil } }
        // libzmq threads that appeared meanwhile are gone too (other tests' contexts included,
        // once those tests end: hence the longer deadline).
        await eventually(timeout: .seconds(20), "libzmq's threads to exit") { zmqThreads.isDisjoint(with: processThreads().keys) }
    }
}

/// The kernel id of the calling thread (`/proc/thread-self` links to `<pid>/task/<tid>`).
func currentThreadID() -> Int {
    let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
    return Int(link.split(separator: "/").last ?? "") ?? -1
}

/// Records the thread the bus calls it on.
final class ThreadIDDelegate: BusDelegate {
    let ids: Locked<Set<Int>>
    init(_ ids: Locked<Set<Int>>) { self.ids = ids }
    func bus(received events: [Envelope], from source: String) {}
    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) { ids.withLock { _ = $0.insert(currentThreadID()) } }
    func busBacklog() -> Int { 0 }
}

final class WeakContext: @unchecked Sendable {
    weak var context: ZMQContext?
    init(_ context: ZMQContext) { self.context = context }
}

/// A delegate that ignores everything.
final class NullDelegate: BusDelegate {
    func bus(received events: [Envelope], from source: String) {}
    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) {}
    func busBacklog() -> Int { 0 }
}
