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
///
/// Kept as a sorted array rather than a binary heap: serving walks the needs in order and skips
/// the ones no free unit fits, which a heap cannot do without popping everything. Every lookup
/// that used to scan the queue is indexed, so a backlog of tens of thousands costs a binary search
/// and a move per change: the place of a new need (binary search), an incident's needs (their
/// places' keys per incident, so closing it finds them without comparing every entry's incident),
/// and which needs are due for escalation (the level-1 needs in `queuedAt` order, walked only as
/// far as the due ones).
public struct WaitingQueue: Sendable {
    public private(set) var entries: [QueueEntry] = []
    /// The serving-order keys of each incident's waiting needs (absent: none).
    private var perIncident: [String: [(priority: Int, id: Int64)]] = [:]
    /// The needs still at level 1, by (queuedAt, id): the escalation candidates, oldest first.
    private var levelOne: [(queuedAt: Date, id: Int64, priority: Int)] = []

    /// The queue of `entries` in serving order (in any order given).
    public init(_ entries: [QueueEntry] = []) {
        self.entries = entries.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
        for entry in self.entries {
            perIncident[entry.incidentId, default: []].append((entry.priority, entry.id))
            if entry.level < 2 { levelOne.append((entry.queuedAt, entry.id, entry.priority)) }
        }
        levelOne.sort { ($0.queuedAt, $0.id) < ($1.queuedAt, $1.id) }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Whether `incidentId` has a need waiting.
    public func contains(incidentId: String) -> Bool { perIncident[incidentId] != nil }

    /// The place of the first entry at or after (`priority`, `id`) in serving order.
    private func place(priority: Int, id: Int64) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            let e = entries[mid]
            if (e.priority, e.id) < (priority, id) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The place of the level-1 candidate (`queuedAt`, `id`).
    private func levelOnePlace(_ queuedAt: Date, _ id: Int64) -> Int {
        var low = 0
        var high = levelOne.count
        while low < high {
            let mid = (low + high) / 2
            if (levelOne[mid].queuedAt, levelOne[mid].id) < (queuedAt, id) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func forgetLevelOne(_ entry: QueueEntry) {
        guard entry.level < 2 else { return }
        let at = levelOnePlace(entry.queuedAt, entry.id)
        if at < levelOne.count && levelOne[at].id == entry.id { levelOne.remove(at: at) }
    }

    private mutating func forget(_ entry: QueueEntry) {
        forgetLevelOne(entry)
        guard var keys = perIncident[entry.incidentId] else { return }
        keys.removeAll { $0.id == entry.id }
        perIncident[entry.incidentId] = keys.isEmpty ? nil : keys
    }

    /// Adds `entry` at its place in serving order.
    public mutating func insert(_ entry: QueueEntry) {
        entries.insert(entry, at: place(priority: entry.priority, id: entry.id))
        perIncident[entry.incidentId, default: []].append((entry.priority, entry.id))
        if entry.level < 2 { levelOne.insert((entry.queuedAt, entry.id, entry.priority), at: levelOnePlace(entry.queuedAt, entry.id)) }
    }

    public mutating func remove(at index: Int) { forget(entries.remove(at: index)) }

    /// Drops every need of `incidentId`; whether there was one.
    @discardableResult
    public mutating func removeAll(incidentId: String) -> Bool {
        guard let keys = perIncident.removeValue(forKey: incidentId) else { return false }
        for key in keys {
            let at = place(priority: key.priority, id: key.id)
            guard at < entries.count, entries[at].id == key.id else { continue }
            forgetLevelOne(entries.remove(at: at))
        }
        return true
    }

    /// The places of the needs still at level 1 after waiting `escalateAfter` seconds at `now`.
    public func dueForEscalation(at now: Date, after escalateAfter: Double) -> [Int] {
        var due: [Int] = []
        for candidate in levelOne {
            guard now.timeIntervalSince(candidate.queuedAt) >= escalateAfter else { break }
            due.append(place(priority: candidate.priority, id: candidate.id))
        }
        return due.sorted()
    }

    /// Raises the need at `index` to the city command centre (level 2); the raised entry.
    public mutating func escalate(at index: Int) -> QueueEntry {
        forgetLevelOne(entries[index])
        entries[index].level = 2
        return entries[index]
    }
}
