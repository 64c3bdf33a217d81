import EventStore
import Foundation
import Synchronization
import Wire

/// One service's place on a ``MemoryHub``: what it publishes is announced to the hub, its
/// requests arrive from ``MemoryHub/request(_:header:body:)``, and it follows its sources by
/// reading their event logs after its own position, on a serial queue of its own.
public final class MemoryTransport: ServiceTransport {
    public let service: String
    let log: any EventLog
    private let hub: MemoryHub
    private let delegate: any BusDelegate
    private let queue: DispatchQueue
    private let positions: Mutex<[String: Position]>
    private let stopped = Atomic<Bool>(false)

    struct Position {
        var delivered: UInt64
        var epoch: String?
        var state: FollowState = .replaying
    }

    /// A transport for `service`, following `sources` from the positions its inbox gives.
    public init(
        hub: MemoryHub, service: String, log: any EventLog, follows sources: [(source: String, lastApplied: UInt64, epoch: String?)],
        delegate: any BusDelegate
    ) {
        self.hub = hub
        self.service = service
        self.log = log
        self.delegate = delegate
        queue = DispatchQueue(label: "memory-transport-\(service)")
        positions = Mutex(Dictionary(uniqueKeysWithValues: sources.map { ($0.source, Position(delivered: $0.lastApplied, epoch: $0.epoch)) }))
        for source in sources { delegate.bus(source: source.source, state: .replaying) }
        hub.register(self)
    }

    public var endpoints: TransportEndpoints { TransportEndpoints(pub: "memory://\(service)/pub", router: "memory://\(service)/router") }

    public func publish(_ events: [OutboundEvent]) {
        guard !events.isEmpty, !stopped.load(ordering: .acquiring) else { return }
        hub.published(by: service)
    }

    public func reply(_ request: BusRequest, frames: [[UInt8]]) { hub.reply(route: request.route, frames: frames) }

    public func rewind(source: String, to seq: UInt64) {
        positions.withLock { if let p = $0[source], seq < p.delivered { $0[source]?.delivered = seq } }
        sourceChanged(source)
    }

    public func resume(source: String, after seq: UInt64) {
        positions.withLock { $0[source]?.delivered = seq }
        sourceChanged(source)
    }

    public func stop() {
        stopped.store(true, ordering: .releasing)
        hub.unregister(self)
        queue.sync {}  // what was being delivered is done
    }

    func deliver(_ request: BusRequest) {
        guard !stopped.load(ordering: .acquiring) else { return }
        delegate.bus(request: request)
    }

    /// `source` has new events (or has just arrived): read them from its log after our position.
    func sourceChanged(_ source: String) {
        guard positions.withLock({ $0[source] != nil }) else { return }
        queue.async { [self] in catchUp(source) }
    }

    private func catchUp(_ source: String) {
        guard !stopped.load(ordering: .acquiring), let sourceLog = hub.log(of: source) else { return }
        while true {
            guard var position = positions.withLock({ $0[source] }) else { return }
            if position.epoch != nil && position.epoch != sourceLog.epoch { position.delivered = 0 }  // the source was created anew
            position.epoch = sourceLog.epoch
            let batch: ReplayBatch
            do { batch = try sourceLog.replay(after: position.delivered, limit: 1_000) } catch ReplayError.pruned(let oldest, _) {
                setState(source, .pruned(oldestAvailable: oldest, lastApplied: position.delivered), position: position)
                return
            } catch {
                return
            }
            var envelopes: [Envelope] = []
            for event in batch.events {
                position.delivered = event.seq
                do { envelopes.append(try Envelope(frames: event.frames)) } catch {
                    delegate.bus(deadLetter: event.frames, source: source, reason: error.description)
                }
            }
            positions.withLock { $0[source] = position }
            if !envelopes.isEmpty { delegate.bus(received: envelopes, from: source) }
            if position.delivered >= batch.latest {
                setState(source, .live, position: position)
                return
            }
        }
    }

    private func setState(_ source: String, _ state: FollowState, position: Position) {
        let changed = positions.withLock { positions -> Bool in
            guard positions[source]?.state != state else { return false }
            positions[source]?.state = state
            return true
        }
        if changed { delegate.bus(source: source, state: state) }
    }
}
