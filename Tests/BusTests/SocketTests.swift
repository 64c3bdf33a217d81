import Bus
import CZeroMQ
import Foundation
import TestSupport
import Testing

@Suite("Socket")
struct SocketTests {
    @Test("binding to a tcp wildcard reads the chosen port back")
    func wildcardEndpoint() throws {
        let context = try ZMQContext()
        let socket = try Socket(context, .pub)
        let endpoint = try socket.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = try #require(Int(endpoint.split(separator: ":").last ?? ""))
        #expect(port > 0 && port < 65536)
        #expect(try socket.lastEndpoint == endpoint)
    }

    @Test("SUB receives only the topics it subscribed to, in order")
    func pubSubPrefixFilter() async throws {
        let context = try ZMQContext()
        let pub = try Socket(context, .pub)
        let endpoint = try pub.bind("tcp://127.0.0.1:*")
        let sub = try Socket(context, .sub)
        try sub.subscribe("incident.")
        try sub.connect(endpoint)

        // A late subscriber misses the first messages: publish a probe until one arrives.
        let deadline = ContinuousClock.now + .seconds(30)  // generous: CI runs every suite at once on two cores
        while try sub.receiveMultipart(dontWait: true) == nil {
            #expect(ContinuousClock.now < deadline, "the subscription never took effect")
            if ContinuousClock.now >= deadline { return }
            try pub.send(multipart: [bytes("incident.sync"), bytes("probe")])
            try await Task.sleep(for: .milliseconds(1))
        }

        let sent = [
            "dispatch.assigned.R1", "incident.opened.R1", "score.awarded.S01", "incident.closed.R2",
            "dispatch.assigned.R2", "incidentX", "incident.opened.R3", "incident.zz-marker",
        ]
        for topic in sent { try pub.send(multipart: [bytes(topic), bytes("body of \(topic)")]) }

        var received: [String] = []
        while received.last != "incident.zz-marker" {
            let frames = try await receive(sub, "the marker")
            #expect(frames.count == 2)
            let topic = text(frames[0])
            if topic == "incident.sync" { continue }  // probes still in flight
            #expect(text(frames[1]) == "body of \(topic)")
            received.append(topic)
        }
        #expect(received == ["incident.opened.R1", "incident.closed.R2", "incident.opened.R3", "incident.zz-marker"])
    }

    @Test("ROUTER and DEALER exchange multipart requests and replies, empty and large frames included")
    func routerDealer() async throws {
        let context = try ZMQContext()
        let router = try Socket(context, .router)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context, .dealer)
        try dealer.connect(endpoint)

        let large = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }  // not inline in zmq_msg_t
        try dealer.send(multipart: [[], bytes(#"{"op":"echo"}"#), [], large])
        let request = try await receive(router, "the request")
        #expect(request.count == 5)
        let identity = try #require(request.first)
        #expect(!identity.isEmpty)
        #expect(request[1] == [])
        #expect(request[2] == bytes(#"{"op":"echo"}"#))
        #expect(request[3] == [])
        #expect(request[4] == large)

        try router.send(multipart: [identity, [], bytes("reply 1")])
        try router.send(multipart: [identity, [], bytes("reply 2"), large])
        #expect(try await receive(dealer, "reply 1") == [[], bytes("reply 1")])
        #expect(try await receive(dealer, "reply 2") == [[], bytes("reply 2"), large])
    }

    @Test("REQ and REP take turns (over ipc:// in a fresh directory)")
    func reqRep() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-bus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        let context = try ZMQContext()
        let rep = try Socket(context, .rep)
        let endpoint = try rep.bind("ipc://\(dir.path)/rep.sock")
        #expect(endpoint == "ipc://\(dir.path)/rep.sock")
        let req = try Socket(context, .req)
        try req.connect(endpoint)

        for round in 1...3 {
            try req.send("ping \(round)")
            #expect(try await receive(rep, "ping \(round)") == [bytes("ping \(round)")])
            try rep.send("pong \(round)")
            #expect(try await receive(req, "pong \(round)") == [bytes("pong \(round)")])
        }
        // REQ enforces the turn: a second send before the reply is a libzmq error, reported as such.
        try req.send("one")
        let error = try #require(throws: ZMQError.self) { try req.send("two") }
        #expect(error.operation == "zmq_send")
        #expect(error.code == EFSM)
    }

    @Test("a receive with dontWait and nothing waiting returns nil")
    func nothingWaiting() throws {
        let context = try ZMQContext()
        let pull = try Socket(context, .pull)
        _ = try pull.bind("tcp://127.0.0.1:*")
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
        #expect(!pull.isReadable)
    }

    @Test("a ZMQError carries the failing call, the errno and zmq_strerror's text")
    func errors() throws {
        let context = try ZMQContext()
        let socket = try Socket(context, .pub)

        let badProtocol = try #require(throws: ZMQError.self) { try socket.bind("bogus://nowhere") }
        #expect(badProtocol.code == EPROTONOSUPPORT)
        #expect(badProtocol.message == String(cString: zmq_strerror(EPROTONOSUPPORT)))
        #expect(badProtocol.message == "Protocol not supported")
        #expect(badProtocol.operation.contains("zmq_bind"))
        #expect(badProtocol.operation.contains("bogus://nowhere"))
        #expect(badProtocol.description.contains("Protocol not supported"))

        let badPort = try #require(throws: ZMQError.self) { try socket.bind("tcp://127.0.0.1:notaport") }
        #expect(badPort.code == EINVAL)
        #expect(badPort.message == "Invalid argument")

        let endpoint = try socket.bind("tcp://127.0.0.1:*")
        let other = try Socket(context, .pub)
        let inUse = try #require(throws: ZMQError.self) { try other.bind(endpoint) }
        #expect(inUse.code == EADDRINUSE)
        #expect(inUse.message == "Address already in use")
        #expect(inUse.description.contains(endpoint))
    }

    @Test("a closed socket refuses every call with ENOTSOCK, and closing twice is harmless")
    func closed() throws {
        let context = try ZMQContext()
        let socket = try Socket(context, .dealer)
        #expect(!socket.isClosed)
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        let error = try #require(throws: ZMQError.self) { try socket.connect("tcp://127.0.0.1:5555") }
        #expect(error.code == ENOTSOCK)
        #expect(throws: ZMQError.self) { try socket.send("x") }
        #expect(throws: ZMQError.self) { try socket.receiveMultipart(dontWait: true) }
        #expect(throws: ZMQError.self) { try socket.getInt32Option(ZMQ_SNDHWM) }
    }

    @Test("socket options round-trip: SNDHWM, RCVHWM, LINGER, MAXMSGSIZE")
    func options() throws {
        let context = try ZMQContext()
        let socket = try Socket(context, .dealer)
        // The wrapper sets linger to 0 so that closing never hangs.
        #expect(try socket.getInt32Option(ZMQ_LINGER) == 0)

        try socket.setOption(ZMQ_SNDHWM, Int32(1234))
        try socket.setOption(ZMQ_RCVHWM, Int32(5678))
        try socket.setOption(ZMQ_LINGER, Int32(250))
        try socket.setOption(ZMQ_MAXMSGSIZE, Int64(1 << 20))
        #expect(try socket.getInt32Option(ZMQ_SNDHWM) == 1234)
        #expect(try socket.getInt32Option(ZMQ_RCVHWM) == 5678)
        #expect(try socket.getInt32Option(ZMQ_LINGER) == 250)
        #expect(try socket.getInt64Option(ZMQ_MAXMSGSIZE) == 1 << 20)

        try socket.configure(
            SocketOptions(
                linger: .milliseconds(120), sendHighWaterMark: 77, receiveHighWaterMark: 88,
                reconnectInterval: .milliseconds(150), reconnectIntervalMax: .seconds(3), maxMessageSize: 4096,
                tcpKeepalive: true, tcpKeepaliveIdle: .seconds(30), tcpKeepaliveInterval: .seconds(5),
                heartbeatInterval: .milliseconds(400), heartbeatTimeout: .milliseconds(1200), immediate: true))
        #expect(try socket.getInt32Option(ZMQ_LINGER) == 120)
        #expect(try socket.getInt32Option(ZMQ_SNDHWM) == 77)
        #expect(try socket.getInt32Option(ZMQ_RCVHWM) == 88)
        #expect(try socket.getInt32Option(ZMQ_RECONNECT_IVL) == 150)
        #expect(try socket.getInt32Option(ZMQ_RECONNECT_IVL_MAX) == 3000)
        #expect(try socket.getInt64Option(ZMQ_MAXMSGSIZE) == 4096)
        #expect(try socket.getInt32Option(ZMQ_TCP_KEEPALIVE) == 1)
        #expect(try socket.getInt32Option(ZMQ_TCP_KEEPALIVE_IDLE) == 30)
        #expect(try socket.getInt32Option(ZMQ_TCP_KEEPALIVE_INTVL) == 5)
        #expect(try socket.getInt32Option(ZMQ_HEARTBEAT_IVL) == 400)
        #expect(try socket.getInt32Option(ZMQ_HEARTBEAT_TIMEOUT) == 1200)
        #expect(try socket.getInt32Option(ZMQ_IMMEDIATE) == 1)

        // nil fields leave the values alone.
        try socket.configure(SocketOptions())
        #expect(try socket.getInt32Option(ZMQ_SNDHWM) == 77)
    }

    @Test("the context reports libzmq's version and capabilities")
    func contextInfo() {
        let v = ZMQContext.version
        #expect(v.major == 4)
        #expect(ZMQContext.has("ipc"))
        #expect(!ZMQContext.has("no-such-capability"))
    }

    @Test("Poller reports which sockets are readable and times out when none is")
    func poller() async throws {
        let context = try ZMQContext()
        let a = try Socket(context, .pull)
        let b = try Socket(context, .pull)
        let endpointB = try b.bind("tcp://127.0.0.1:*")
        _ = try a.bind("tcp://127.0.0.1:*")
        let push = try Socket(context, .push)
        try push.connect(endpointB)

        let poller = Poller()
        #expect(try poller.poll([.socket(a), .socket(b)], timeout: .zero) == [])
        try push.send("hello")
        var ready: [Int] = []
        await eventually("b readable") {
            ready = (try? poller.poll([.socket(a), .socket(b)], timeout: .zero)) ?? []
            return !ready.isEmpty
        }
        #expect(ready == [1])
        #expect(b.isReadable)
        #expect(try b.receiveMultipart(dontWait: true) == [bytes("hello")])
    }
}
