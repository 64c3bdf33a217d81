import CZeroMQ
import Logging
import Wire

/// The integrator gateway: an XPUB forwarding the integrator-facing committed events (and their
/// renderings), where each subscription is applied only inside the subscriber's keyring grants.
final class IntegratorGateway {
    let socket: Socket
    let monitor: SocketMonitor
    let endpoint: String
    private let config: GatewayConfig
    private let security: BusSecurity?
    private let stats: BusStats
    private let logger: Logger

    /// Creates, secures and binds the XPUB (the ZAP handler must already be bound).
    init(config: GatewayConfig, security: BusSecurity?, context: ZMQContext, monitorID: String, stats: BusStats, logger: Logger) throws {
        self.config = config
        self.security = security
        self.stats = stats
        self.logger = logger
        socket = try Socket(context, .xpub)
        try socket.configure(config.options)
        // Manual: libzmq applies no subscription until ``readSubscriptions()`` has checked it against the keyring.
        try socket.setOption(ZMQ_XPUB_MANUAL, Int32(1))
        if let security { try socket.makeCurveServer(security, domain: BusSecurity.integratorDomain) }
        monitor = try SocketMonitor(watching: socket, name: "integrators", context: context, id: monitorID)
        endpoint = try socket.bind(config.endpoint)
    }

    /// Forwards the committed events integrators may see, each followed by its renderings.
    func forward(_ events: [OutboundEvent]) {
        for event in events where config.forwards(event.topic) {
            send(event)
            for extra in config.render(event) { send(extra) }
        }
    }

    /// Never blocks: an integrator too slow to keep up loses messages past the high-water mark,
    /// and must not hold up the service's own bus.
    private func send(_ event: OutboundEvent) {
        _ = try? socket.send(multipart: [event.topic, event.header, event.payload], dontWait: true)
    }

    /// Subscriptions arrive as `\u{1}prefix` (subscribe) or `\u{0}prefix` (unsubscribe), with
    /// the ZAP user id of the integrator's key. Applied only inside the integrator's grants.
    func readSubscriptions() {
        for _ in 0..<256 {
            guard let (frames, userID) = (try? socket.receiveMultipart(property: "User-Id", dontWait: true)) ?? nil else { return }
            guard frames.count == 1, let first = frames[0].first, first <= 1 else {
                stats.count("subscriptions_refused", [("reason", "malformed")])
                logger.warning(
                    "integrator gateway: not a subscription, ignored",
                    metadata: ["integrator": "\(userID ?? "?")", "frames": "\(frames.count)"])
                continue
            }
            apply(subscribe: first == 1, prefix: Array(frames[0].dropFirst()), userID: userID)
        }
    }

    private func apply(subscribe: Bool, prefix: [UInt8], userID: String?) {
        let shown = String(decoding: prefix, as: UTF8.self)
        if let security {
            guard let name = userID, let entry = security.keyring.entry(named: name), entry.mayRead(prefix) else {
                if subscribe {
                    stats.count("subscriptions_refused", [("reason", "not_granted")])
                    logger.warning(
                        "integrator gateway: subscription refused, outside the key's grants",
                        metadata: [
                            "integrator": "\(userID ?? "?")", "prefix": "\(shown)",
                            "grants": "\(userID.flatMap { security.keyring.entry(named: $0)?.grants } ?? [])",
                        ])
                }
                return
            }
        }
        do {
            if subscribe {
                try socket.subscribe(shown)
                stats.count("subscriptions_accepted")
                logger.info("integrator gateway: subscribed", metadata: ["integrator": "\(userID ?? "plaintext")", "prefix": "\(shown)"])
            } else {
                try socket.unsubscribe(shown)
            }
        } catch {
            logger.error("integrator gateway: cannot apply subscription", metadata: ["prefix": "\(shown)", "error": "\(error)"])
        }
    }

    func close() { socket.close() }
}
