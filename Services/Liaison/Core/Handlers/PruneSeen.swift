import EventStore
import Foundation

/// The timer: forgets incidents (and dispatch events parked for them) long past, at most once an
/// hour of event time.
struct PruneSeen {
    /// How long liaison remembers the incidents it saw (to tell late dispatch events from early ones).
    static let retention: TimeInterval = 30 * 86_400
    static let interval: TimeInterval = 3_600

    /// `true` when it pruned.
    @discardableResult
    func tick(lastPrune: inout Date?, _ tx: Transaction) throws -> Bool {
        if let last = lastPrune, tx.now.timeIntervalSince(last) < Self.interval { return false }
        lastPrune = tx.now
        try IncidentStore.prune(before: tx.now.addingTimeInterval(-Self.retention), tx)
        return true
    }
}
