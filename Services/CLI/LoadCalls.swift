import Bus
import Foundation
import Model
import Synchronization
import Wire

// `precinct load`, the call generator: which calls a run sends, and the clients that send them.

/// The calls of a run, generated on demand: positions spread over the city, a share inside
/// enterprise geofences, every caller distinct.
struct CallPlan: Sendable {
    let count: Int
    let runId: String
    let positions: [Coordinate]
    let enterpriseHit: [Bool]
    static let categories = ["criminal", "publicOrder", "dispute", "accidentMinor", "accidentCasualty", "helpRequest"]

    init(count: Int, runId: String, jurisdiction: Jurisdiction, enterprises: [Enterprise], enterpriseShare: Double) {
        self.count = count
        self.runId = runId
        var generator = SplitMix64(seed: 0x5EED)
        var positions: [Coordinate] = []
        var hits: [Bool] = []
        positions.reserveCapacity(count)
        let box = jurisdiction.city.bbox
        for _ in 0..<count {
            if !enterprises.isEmpty, generator.unit() < enterpriseShare {
                let e = enterprises[Int(generator.next() % UInt64(enterprises.count))]
                positions.append(e.location)
                hits.append(true)
                continue
            }
            while true {
                let c = Coordinate(
                    lat: box.minLat + (box.maxLat - box.minLat) * (0.01 + 0.98 * generator.unit()),
                    lon: box.minLon + (box.maxLon - box.minLon) * (0.01 + 0.98 * generator.unit()))
                if !enterprises.contains(where: { $0.geofence.boundingBox.contains(c) && $0.geofence.contains(c) }) {
                    positions.append(c)
                    hits.append(false)
                    break
                }
            }
        }
        self.positions = positions
        self.enterpriseHit = hits
    }

    func clientRef(_ index: Int) -> String { "\(runId)-\(index)" }

    /// `index` modulo 10⁸, zero-padded to eight digits (a mobile number's tail), without a
    /// formatter per call: the load generator's own CPU is part of what the bench reports.
    static func eightDigits(_ index: Int) -> String {
        let digits = String(index % 100_000_000)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    func body(_ index: Int) -> [UInt8] {
        let p = positions[index]
        let category = Self.categories[index % Self.categories.count]
        return Array(
            """
            {"channel":"110","caller":{"name":"load \(index)","phone":"139\(Self.eightDigits(index))"},\
            "location":{"lat":\(p.lat),"lon":\(p.lon)},"categoryHint":"\(category)","description":"load test call \(index)",\
            "callTaker":"CT\(index % 7 + 1)","clientRef":"\(clientRef(index))"}
            """.utf8)
    }
}

/// One client: a DEALER to intake's ROUTER with up to `window` calls in flight, resending a call
/// (same clientRef, so intake records it once) when its answer is late.
final class CallClientLoop: SocketLoop {
    let socket: Socket
    let plan: CallPlan
    let results: LoadResults
    let rate: Double
    let window: Int
    let retryAfter: UInt64
    let start: UInt64
    var next: Int
    let stride: Int
    var inFlight: [Int: (intended: UInt64, sent: UInt64)] = [:]

    init(
        context: ZMQContext, endpoint: String, security: BusSecurity?, index: Int, clients: Int, plan: CallPlan, results: LoadResults,
        rate: Double, window: Int, retryAfter: Double, start: UInt64
    ) throws {
        socket = try Socket(context, .dealer)
        try socket.configure(
            SocketOptions(
                sendHighWaterMark: 0, receiveHighWaterMark: 0, reconnectInterval: .milliseconds(50),
                reconnectIntervalMax: .milliseconds(500)))
        try CurveOptions.prepare(socket, for: "intake", security)
        try socket.connect(endpoint)
        self.plan = plan
        self.results = results
        self.rate = rate
        self.window = window
        self.retryAfter = UInt64(retryAfter * 1e9)
        self.start = start
        self.next = index
        self.stride = clients
    }

    var inputs: [Socket] { [socket] }

    func readable(_ index: Int) {
        for _ in 0..<1024 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil, frames.count >= 3,
                let reply = try? ReplyHeader(decoding: frames[1]), case .string(let id) = reply.id, let n = Int(id)
            else { return }
            guard let call = inFlight.removeValue(forKey: n) else { continue }
            if reply.ok {
                results.acknowledge(index: n, intended: call.intended, reply: frames[2])
            } else {
                inFlight[n] = (call.intended, 0)  // refused (e.g. shutting down): resend
            }
        }
    }

    func tick(now _: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let now = DispatchTime.now().uptimeNanoseconds
        for (n, call) in inFlight where now - call.sent > retryAfter {
            results.retries.add(1, ordering: .relaxed)
            send(n, intended: call.intended, now: now)
        }
        while next < plan.count && inFlight.count < window {
            let intended = rate > 0 ? start + UInt64(Double(next) / rate * 1e9) : now
            if intended > now { break }
            send(next, intended: intended, now: now)
            next += stride
        }
        if next >= plan.count && inFlight.isEmpty { return ContinuousClock.now + .seconds(1) }
        if rate > 0 && next < plan.count && inFlight.count < window {
            let intended = start + UInt64(Double(next) / rate * 1e9)
            return ContinuousClock.now + .nanoseconds(Int64(intended > now ? intended - now : 0))
        }
        return ContinuousClock.now + .milliseconds(inFlight.isEmpty ? 1 : 100)
    }

    func send(_ n: Int, intended: UInt64, now: UInt64) {
        let header = RequestHeader(op: "call", id: .string(String(n))).encoded()
        if (try? socket.send(multipart: [[], header, plan.body(n)], dontWait: true)) == true {
            inFlight[n] = (intended, now)
        } else {
            inFlight[n] = (intended, 0)
        }
    }

    func shutdown() { socket.close() }
}
