import Logging
import Wire

/// The service's ROUTER: requests in (refused over the size limit, ping answered here, anything
/// else handed to the delegate with the requester's identity), replies out.
final class RequestRouter {
    let socket: Socket
    let monitor: SocketMonitor
    let endpoint: String
    private let service: String
    private let epoch: String
    private let maxRequestBytes: Int
    private let security: BusSecurity?
    private let delegate: any BusDelegate
    private let stats: BusStats
    private let logger: Logger

    /// Creates, secures and binds the ROUTER (the ZAP handler must already be bound).
    init(config: BusConfig, context: ZMQContext, monitorID: String, delegate: any BusDelegate, stats: BusStats, logger: Logger) throws {
        service = config.service
        epoch = config.epoch
        maxRequestBytes = config.maxRequestBytes
        security = config.security
        self.delegate = delegate
        self.stats = stats
        self.logger = logger
        socket = try Socket(context, .router)
        try socket.configure(config.routerOptions)
        // With a gateway, integrators may also reach the ROUTER, for their filtered replay only.
        if let security {
            try socket.makeCurveServer(security, domain: config.gateway == nil ? BusSecurity.serviceDomain : BusSecurity.requestDomain)
        }
        monitor = try SocketMonitor(watching: socket, name: "router", context: context, id: monitorID)
        endpoint = try socket.bind(config.routerEndpoint)
    }

    /// Reads the requests waiting (a bounded number). `latestSeq` is what a ping announces.
    func read(latestSeq: UInt64) {
        for _ in 0..<256 {
            guard let (frames, userID) = (try? socket.receiveMultipart(property: security == nil ? nil : "User-Id", dontWait: true)) ?? nil
            else { return }
            stats.requests.increment()
            // REQ and DEALER clients put an empty delimiter after the identity frames.
            let split = frames.firstIndex(where: \.isEmpty).map { $0 + 1 } ?? min(1, frames.count)
            let route = Array(frames[..<split])
            let size = frames.reduce(0) { $0 + $1.count }
            if size > maxRequestBytes {
                refuseOversize(route: route, size: size)
                continue
            }
            let body = Array(frames[split...])
            let header = Result { () throws(RequestError) in try RequestHeader(decoding: body.first ?? []) }
            var request = BusRequest(route: route, frames: body, header: header)
            if let security {
                request.requester = userID
                if let entry = userID.flatMap(security.keyring.entry(named:)), entry.role == .integrator { request.grants = entry.grants }
            }
            if case .success(let parsed) = header, parsed.op == PingReply.op {
                reply(route: route, frames: [PingReply(service: service, epoch: epoch, latest: latestSeq).encoded()])
                continue
            }
            delegate.bus(request: request)
        }
    }

    /// Never blocks: a requester that stopped reading loses its replies past the high-water mark.
    func reply(route: [[UInt8]], frames: [[UInt8]]) {
        _ = try? socket.send(multipart: route + frames, dontWait: true)
    }

    private func refuseOversize(route: [[UInt8]], size: Int) {
        stats.rejected(.oversize)
        logger.warning("request refused: too large", metadata: ["bytes": "\(size)", "limit": "\(maxRequestBytes)"])
        let body = FlatJSON.encode([
            "error": .string("request-too-large"), "message": .string("request of \(size) bytes is over the limit of \(maxRequestBytes)"),
        ])
        reply(route: route, frames: [ReplyHeader(id: .null, status: 413).encoded(), body])
    }

    func close() { socket.close() }
}
