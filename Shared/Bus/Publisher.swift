import Foundation
import Logging
import Wire

/// The service's PUB socket: its committed events, in sequence order, and a heartbeat every
/// interval announcing the latest sequence, so a follower that missed the tail asks for it.
final class Publisher {
    let socket: Socket
    let monitor: SocketMonitor
    let endpoint: String
    private let service: String
    private let epoch: String
    private let heartbeatInterval: Duration
    private let eventTime: @Sendable () -> Date
    private let stats: BusStats
    private let logger: Logger
    /// The last sequence in the outbox as far as this bus knows: published or announced.
    private(set) var latestSeq: UInt64
    private var nextHeartbeat: ContinuousClock.Instant

    /// Creates, secures and binds the PUB (the ZAP handler must already be bound).
    init(config: BusConfig, context: ZMQContext, monitorID: String, stats: BusStats, logger: Logger) throws {
        service = config.service
        epoch = config.epoch
        heartbeatInterval = config.heartbeatInterval
        eventTime = config.eventTime
        latestSeq = config.latestSeq
        self.stats = stats
        self.logger = logger
        socket = try Socket(context, .pub)
        try socket.configure(config.pubOptions)
        if let security = config.security { try socket.makeCurveServer(security, domain: BusSecurity.publisherDomain) }
        monitor = try SocketMonitor(watching: socket, name: "pub", context: context, id: monitorID)
        endpoint = try socket.bind(config.pubEndpoint)
        nextHeartbeat = ContinuousClock.now
    }

    /// Publishes committed events (in sequence order). A PUB never blocks: past the high-water
    /// mark a subscriber loses messages, and replays them.
    func publish(_ events: [OutboundEvent]) {
        for event in events {
            do {
                try socket.send(event.topic, more: true)
                try socket.send(event.header, more: true)
                try socket.send(event.payload)
                latestSeq = max(latestSeq, event.seq)
            } catch {
                logger.error("publish failed; subscribers will replay", metadata: ["seq": "\(event.seq)", "error": "\(error)"])
            }
        }
        stats.published.increment(by: events.count)
    }

    /// A new latest sequence without an event (after a restart, say).
    func announce(latestSeq seq: UInt64) { latestSeq = max(latestSeq, seq) }

    /// Sends the heartbeat when it is due; returns when the next one is.
    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        if now >= nextHeartbeat {
            let frames = HeartbeatMessage.frames(source: service, epoch: epoch, latestSeq: latestSeq, time: eventTime())
            _ = try? socket.send(multipart: frames, dontWait: true)
            nextHeartbeat = now + heartbeatInterval
        }
        return nextHeartbeat
    }

    func close() { socket.close() }
}
