import Bus
import Foundation
import GRDB

extension Store {
    /// Answers a `replay` request from a follower: `[reply, (topic, header, payload)*]` with the
    /// stored bytes, read on a reader connection so the writer never waits for it.
    ///
    /// Request: `{"op":"replay","id":…,"source":<this service>,"after":N,"limit":K}`.
    /// Reply: `{"id":…,"ok":true,"source":…,"epoch":…,"latest":L,"oldest":O,"count":n,"through":T}`
    /// (`through`: the last sequence examined; ask again after it), or
    /// `{"id":…,"ok":false,"code":"pruned"|"bad-request","error":…}`.
    ///
    /// With a `view` (an integrator's request) the events are what the gateway would have sent
    /// that integrator: only forwarded topics, with their renderings, inside its grants.
    public func answerReplay(_ request: BusRequest, fields: [String: FlatJSON.Value], bus: ServiceBus, maxBatch: Int = 5_000, view: ReplayView? = nil) {
        let id: FlatJSON.Value = fields["id"] ?? .null
        @Sendable func refuse(_ code: String, _ message: String, oldest: UInt64? = nil) {
            let reply = FlatJSON.encode([
                "id": id, "ok": .bool(false), "code": .string(code), "error": .string(message),
                "oldest": oldest.map { .integer(Int64($0)) } ?? .null,
            ])
            bus.reply(request, frames: [reply])
        }
        guard case .string(let source)? = fields["source"], source == service else {
            return refuse("bad-request", "field 'source' must be '\(service)', the service that answers")
        }
        guard case .integer(let after)? = fields["after"], after >= 0 else {
            return refuse("bad-request", "field 'after' must be a sequence number >= 0")
        }
        let limit: Int = if case .integer(let l)? = fields["limit"] { max(1, min(maxBatch, Int(l))) } else { maxBatch }
        let epoch = self.epoch
        let service = self.service
        pool.asyncRead { result in
            do {
                let db = try result.get()
                let batch = try Store.replay(db, after: UInt64(after), limit: limit)
                let through = batch.events.last?.seq ?? max(UInt64(after), batch.latest)
                let events = view.map { $0.apply(batch.events) } ?? batch.events
                var frames: [[UInt8]] = [FlatJSON.encode([
                    "id": id, "ok": .bool(true), "source": .string(service), "epoch": .string(epoch),
                    "latest": .integer(Int64(batch.latest)), "oldest": .integer(Int64(batch.oldest)), "count": .integer(Int64(events.count)),
                    "through": .integer(Int64(through)),
                ])]
                frames.reserveCapacity(1 + events.count * 3)
                for e in events {
                    frames.append(e.topic)
                    frames.append(e.header)
                    frames.append(e.payload)
                }
                bus.reply(request, frames: frames)
            } catch ReplayError.pruned(let oldest, let after) {
                refuse("pruned", ReplayError.pruned(oldestAvailable: oldest, requestedAfter: after).description, oldest: oldest)
            } catch {
                refuse("internal", "\(error)")
            }
        }
    }
}

/// What an integrator may replay: the events the gateway forwards, with their renderings (CAP),
/// inside the integrator's grants.
public struct ReplayView: Sendable {
    public var gateway: GatewayConfig
    public var grants: [String]

    public init(gateway: GatewayConfig, grants: [String]) {
        self.gateway = gateway
        self.grants = grants
    }

    func apply(_ events: [OutboundEvent]) -> [OutboundEvent] {
        events.filter { gateway.forwards($0.topic) }
            .flatMap { [$0] + gateway.render($0) }
            .filter { event in grants.contains { event.topic.starts(with: $0.utf8) } }
    }
}
