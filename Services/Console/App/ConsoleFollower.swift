import Foundation
import Model
import Synchronization
import Wire

/// Follows every service like a service does (gap-free, with replay, from the start of each
/// source's log, so a restarted console rebuilds the same model) and tells the live stream's
/// subscribers what each batch changed.
final class ConsoleFollower: BusDelegate {
    private struct State {
        var model: ReadModel
        var subscribers: [UUID: AsyncStream<String>.Continuation] = [:]
    }

    private let state: Mutex<State>
    private let clock: ConsoleClock
    private static let encoder = JSONCodec.encoder()

    init(model: ReadModel, clock: ConsoleClock = ConsoleClock(clock: SystemClock(), factor: 1)) {
        state = Mutex(State(model: model))
        self.clock = clock
    }

    /// Ready once every followed source is live.
    var ready: Bool { state.withLock { s in !s.model.sourceStates.isEmpty && s.model.sourceStates.values.allSatisfy { $0 == "live" } } }

    var status: ConsoleStatus { state.withLock { Self.status($0.model) } }

    /// A stream whose first message is the whole model and every later one a change; taken under
    /// the same lock as the changes, so nothing falls between the snapshot and the stream.
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        state.withLock { s in
            continuation.yield(
                message(
                    kind: "snapshot", s.model, incidents: Array(s.model.incidents.values), units: Array(s.model.units.values),
                    officers: Array(s.model.officers.values)))
            s.subscribers[id] = continuation
        }
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        return stream
    }

    /// One incident as it stands (for the detail page).
    func incident(_ id: String) -> ConsoleIncident? { state.withLock { $0.model.incidents[id] } }

    func bus(received events: [Envelope], from source: String) {
        state.withLock { s in
            var changes = ModelChanges()
            for event in events { s.model.apply(event, changes: &changes) }
            guard !changes.isEmpty, !s.subscribers.isEmpty else { return }
            let text = message(
                kind: "delta", s.model, incidents: changes.incidents.compactMap { s.model.incidents[$0] },
                units: changes.units.compactMap { s.model.units[$0] }, officers: changes.officers.compactMap { s.model.officers[$0] })
            for continuation in s.subscribers.values { continuation.yield(text) }
        }
    }

    func bus(request: BusRequest) {}

    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {
        state.withLock { $0.model.deadLetters += 1 }
    }

    func bus(source: String, state followState: FollowState) {
        let text: String
        switch followState {
        case .replaying: text = "replaying"
        case .live: text = "live"
        case .pruned(let oldest, let last): text = "pruned (oldest \(oldest), applied \(last))"
        }
        state.withLock { s in
            s.model.sourceStates[source] = text
            let update = message(kind: "delta", s.model, incidents: [], units: [], officers: [])
            for continuation in s.subscribers.values { continuation.yield(update) }
        }
    }

    func busBacklog() -> Int { 0 }

    private static func status(_ model: ReadModel) -> ConsoleStatus {
        ConsoleStatus(positions: model.positions, sources: model.sourceStates, deadLetters: model.deadLetters, applied: model.applied)
    }

    private func message(
        kind: String, _ model: ReadModel, incidents: [ConsoleIncident], units: [ConsoleUnit], officers: [ConsoleOfficer]
    ) -> String {
        let body = StreamMessage(
            kind: kind, sentAt: Date(), eventNow: clock.now(), clockFactor: clock.factor, status: Self.status(model), incidents: incidents,
            units: units, officers: officers)
        return (try? String(decoding: Self.encoder.encode(body), as: UTF8.self)) ?? "{}"
    }
}

/// The console's own view of the bus (the operations page).
struct ConsoleStatus: Codable, Sendable {
    var positions: [String: UInt64]
    var sources: [String: String]
    var deadLetters: Int
    var applied: Int
}

/// One message of the live stream (`snapshot` first, then `delta`s).
struct StreamMessage: Codable, Sendable {
    var kind: String
    var sentAt: Date
    /// The set's event time when the message was made, and its speed: the page's timers count
    /// down on this clock (`ConsoleClock`), whatever the browser's own clock says.
    var eventNow: Date
    var clockFactor: Double
    var status: ConsoleStatus
    var incidents: [ConsoleIncident]
    var units: [ConsoleUnit]
    var officers: [ConsoleOfficer]
}
