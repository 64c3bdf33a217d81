import EventStore
import Foundation
import Synchronization
import Wire

/// An in-memory bus for tests, in the role NIOEmbedded plays for swift-nio: services built on
/// ``MemoryTransport``s of one hub publish into it and follow each other through it, with no
/// sockets. Delivery keeps the bus's promise (each source's events gap-free and in order, from
/// the follower's inbox position on) because a follower always reads its source's event log.
public final class MemoryHub: Sendable {
    private struct State {
        var transports: [String: MemoryTransport] = [:]
        var pending: [UInt64: CheckedContinuation<[[UInt8]], Never>] = [:]
        var nextRequest: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    func register(_ transport: MemoryTransport) {
        let others = state.withLock { state -> [MemoryTransport] in
            state.transports[transport.service] = transport
            return Array(state.transports.values)
        }
        // A source that arrives late is caught up with by whoever follows it, and the newcomer
        // catches up with the sources already here.
        for other in others { other.sourceChanged(transport.service) }
        for other in others where other !== transport { transport.sourceChanged(other.service) }
    }

    func unregister(_ transport: MemoryTransport) {
        state.withLock { state in
            if state.transports[transport.service] === transport { state.transports[transport.service] = nil }
        }
    }

    func log(of source: String) -> (any EventLog)? { state.withLock { $0.transports[source]?.log } }

    func published(by source: String) {
        let followers = state.withLock { Array($0.transports.values) }
        for follower in followers { follower.sourceChanged(source) }
    }

    /// Sends an operation to a service as its ROUTER would carry it, and returns the reply's
    /// frames (`[{"id","ok","status"}, body]`, or a replay's frames).
    public func request(_ service: String, header: RequestHeader, body: [UInt8]? = nil) async throws -> [[UInt8]] {
        guard let transport = state.withLock({ $0.transports[service] }) else { throw HubError(message: "no service '\(service)' on this hub") }
        return await withCheckedContinuation { continuation in
            let id = state.withLock { state -> UInt64 in
                state.nextRequest += 1
                state.pending[state.nextRequest] = continuation
                return state.nextRequest
            }
            var frames = [header.encoded()]
            if let body { frames.append(body) }
            let route = [withUnsafeBytes(of: id.bigEndian) { Array($0) }]
            transport.deliver(BusRequest(route: route, frames: frames, header: .success(header)))
        }
    }

    func reply(route: [[UInt8]], frames: [[UInt8]]) {
        guard let first = route.first, first.count == 8 else { return }
        let id = first.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
        let continuation = state.withLock { $0.pending.removeValue(forKey: id) }
        continuation?.resume(returning: frames)
    }

    public struct HubError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
