import Foundation

/// A need no unit could serve yet.
public struct QueueEntry: Sendable, Hashable {
    /// The queue row's id: the order of arrival.
    public var id: Int64
    public var incidentId: String
    public var need: Need
    public var priority: Int
    public var queuedAt: Date
    /// 1: escalated to the region's centre station; 2: to the city command centre.
    public var level: Int

    public init(id: Int64, incidentId: String, need: Need, priority: Int, queuedAt: Date, level: Int = 1) {
        self.id = id
        self.incidentId = incidentId
        self.need = need
        self.priority = priority
        self.queuedAt = queuedAt
        self.level = level
    }
}

/// Waiting needs in serving order: most urgent (priority 1) first, then oldest (lowest id).
public struct WaitingQueue: Sendable {
    public private(set) var entries: [QueueEntry] = []

    /// The queue of `entries` in serving order (in any order given).
    public init(_ entries: [QueueEntry] = []) {
        self.entries = entries.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds `entry` at its place in serving order.
    public mutating func insert(_ entry: QueueEntry) {
        let at = entries.firstIndex { ($0.priority, $0.id) > (entry.priority, entry.id) } ?? entries.endIndex
        entries.insert(entry, at: at)
    }

    public mutating func remove(at index: Int) { entries.remove(at: index) }

    /// Drops every need of `incidentId`; whether there was one.
    @discardableResult
    public mutating func removeAll(incidentId: String) -> Bool {
        guard entries.contains(where: { $0.incidentId == incidentId }) else { return false }
        entries.removeAll { $0.incidentId == incidentId }
        return true
    }

    /// The places of the needs still at level 1 after waiting `escalateAfter` seconds at `now`.
    public func dueForEscalation(at now: Date, after escalateAfter: Double) -> [Int] {
        entries.indices.filter { entries[$0].level < 2 && now.timeIntervalSince(entries[$0].queuedAt) >= escalateAfter }
    }

    /// Raises the need at `index` to the city command centre (level 2); the raised entry.
    public mutating func escalate(at index: Int) -> QueueEntry {
        entries[index].level = 2
        return entries[index]
    }
}
