import Synchronization
import Wire

/// Readiness: the store is open, the bus is bound, every followed source has caught up, and the
/// service is not shutting down.
public final class Health: Sendable {
    private let sources = Mutex<[String: FollowState]>([:])
    private let shuttingDown = Atomic<Bool>(false)
    private let busUp = Atomic<Bool>(false)
    /// Sources whose state does not gate readiness (`ServiceDefinition.readinessIgnores`).
    private let ignored: Set<String>

    public init(ignoring ignored: Set<String> = []) { self.ignored = ignored }

    func set(_ source: String, _ state: FollowState) { sources.withLock { $0[source] = state } }
    func markBusUp() { busUp.store(true, ordering: .releasing) }
    func markShuttingDown() { shuttingDown.store(true, ordering: .releasing) }

    public var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }

    /// `nil` when ready, otherwise why not.
    public func notReadyReason(engineRunning: Bool) -> String? {
        if shuttingDown.load(ordering: .acquiring) { return "shutting down" }
        if !engineRunning { return "database not open" }
        if !busUp.load(ordering: .acquiring) { return "bus not bound" }
        for (source, state) in sourceStates.sorted(by: { $0.key < $1.key }) where !ignored.contains(source) {
            switch state {
            case .live: continue
            case .replaying: return "catching up with \(source)"
            case .pruned(let oldest, let last):
                return "\(source) pruned events this service never applied (last applied \(last), oldest available \(oldest)): "
                    + "resynchronise it (README, 'Resynchronising')"
            }
        }
        return nil
    }

    public var sourceStates: [String: FollowState] { sources.withLock { $0 } }
}
