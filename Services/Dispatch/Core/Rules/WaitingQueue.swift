import Foundation
import HeapModule

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
/// Every change costs the same whatever the backlog. A sorted array paid a move of every later
/// need per change: at 218,000 waiting needs (the million-call run) that was tens of megabytes
/// moved per need served, and dispatch slowed as the backlog grew. Here:
/// - each priority is a lane in arrival order; a new need's id is the highest yet, so it is
///   appended (any other id is still put in its place, by binary search);
/// - a served or dropped need is marked gone where it is, and a lane is compacted once more of
///   it is gone than is waiting, so its cost is spread over the removals that made it;
/// - serving walks by key (`first`, `entry(after:)`), so removing the need in hand, or any other,
///   never invalidates the walk;
/// - the escalation candidates are a heap by (`queuedAt`, id), popped as they fall due; a need
///   served before that is skipped when it surfaces;
/// - each incident's needs are found by their keys, without looking at any other need.
public struct WaitingQueue: Sendable {
    /// One priority's needs by id, with the ones gone still in place until compaction.
    private struct Lane: Sendable {
        let priority: Int
        var slots: [QueueEntry] = []
        var gone: [Bool] = []
        /// The first slot that may still wait (every slot before it is gone).
        var head = 0
        var goneCount = 0
        var live: Int { slots.count - goneCount }

        init(priority: Int) { self.priority = priority }

        /// The first slot whose id is at least `id`.
        func slot(atLeast id: Int64) -> Int {
            var low = head
            var high = slots.count
            while low < high {
                let mid = (low + high) / 2
                if slots[mid].id < id { low = mid + 1 } else { high = mid }
            }
            return low
        }

        /// The slot holding the waiting need `id`.
        func slot(of id: Int64) -> Int? {
            let at = slot(atLeast: id)
            return at < slots.count && slots[at].id == id && !gone[at] ? at : nil
        }

        /// The first waiting slot at or after `slot`.
        func firstWaiting(from slot: Int) -> Int? {
            var at = slot
            while at < slots.count {
                if !gone[at] { return at }
                at += 1
            }
            return nil
        }

        mutating func insert(_ entry: QueueEntry) {
            if let last = slots.last, last.id >= entry.id {
                let at = slot(atLeast: entry.id)
                slots.insert(entry, at: at)
                gone.insert(false, at: at)
            } else {
                slots.append(entry)
                gone.append(false)
            }
        }

        mutating func remove(at slot: Int) {
            gone[slot] = true
            goneCount += 1
            while head < slots.count && gone[head] { head += 1 }
            if goneCount > 64 && goneCount > live { compact() }
        }

        private mutating func compact() {
            var kept: [QueueEntry] = []
            kept.reserveCapacity(live)
            for at in head..<slots.count where !gone[at] { kept.append(slots[at]) }
            slots = kept
            gone = Array(repeating: false, count: kept.count)
            head = 0
            goneCount = 0
        }
    }

    /// A need waiting at level 1, by when it was queued: the next to escalate is the minimum.
    private struct Candidate: Comparable, Sendable {
        var queuedAt: Date
        var id: Int64
        var priority: Int
        static func < (a: Candidate, b: Candidate) -> Bool { (a.queuedAt, a.id) < (b.queuedAt, b.id) }
    }

    /// The lanes by priority, most urgent first.
    private var lanes: [Lane] = []
    /// The serving-order keys of each incident's waiting needs (absent: none).
    private var perIncident: [String: [(priority: Int, id: Int64)]] = [:]
    /// Needs at level 1 (and ones since served or raised, skipped when they surface).
    private var candidates = Heap<Candidate>()
    /// How many of `candidates` are still waiting at level 1: the heap is rebuilt from the lanes
    /// when the rest outnumber them, so needs served long before they fall due do not pile up.
    private var levelOneCount = 0
    public private(set) var count = 0

    /// The queue of `entries` in serving order (in any order given).
    public init(_ entries: [QueueEntry] = []) {
        for entry in entries.sorted(by: { ($0.priority, $0.id) < ($1.priority, $1.id) }) { insert(entry) }
    }

    public var isEmpty: Bool { count == 0 }

    /// Every waiting need in serving order (a copy: for reads and tests, not the hot path).
    public var entries: [QueueEntry] {
        lanes.flatMap { lane in (lane.head..<lane.slots.count).filter { !lane.gone[$0] }.map { lane.slots[$0] } }
    }

    /// Whether `incidentId` has a need waiting.
    public func contains(incidentId: String) -> Bool { perIncident[incidentId] != nil }

    /// Whether `entry` (its priority and id) is still waiting.
    public func contains(_ entry: QueueEntry) -> Bool { find(priority: entry.priority, id: entry.id) != nil }

    /// `incidentId`'s waiting needs in serving order.
    public func entries(of incidentId: String) -> [QueueEntry] {
        guard let keys = perIncident[incidentId] else { return [] }
        return keys.sorted { $0 < $1 }.compactMap { key in find(priority: key.priority, id: key.id).map { lanes[$0.lane].slots[$0.slot] } }
    }

    /// The most urgent, oldest waiting need.
    public var first: QueueEntry? { firstWaiting(fromLane: 0) }

    /// The need after `entry` in serving order, whether or not `entry` is still waiting.
    public func entry(after entry: QueueEntry) -> QueueEntry? {
        guard let laneIndex = lanes.firstIndex(where: { $0.priority >= entry.priority }) else { return nil }
        if lanes[laneIndex].priority == entry.priority {
            let lane = lanes[laneIndex]
            if let slot = lane.firstWaiting(from: lane.slot(atLeast: entry.id &+ 1)) { return lane.slots[slot] }
            return firstWaiting(fromLane: laneIndex + 1)
        }
        return firstWaiting(fromLane: laneIndex)
    }

    private func firstWaiting(fromLane start: Int) -> QueueEntry? {
        var index = start
        while index < lanes.count {
            if let slot = lanes[index].firstWaiting(from: lanes[index].head) { return lanes[index].slots[slot] }
            index += 1
        }
        return nil
    }

    private func find(priority: Int, id: Int64) -> (lane: Int, slot: Int)? {
        guard let lane = lanes.firstIndex(where: { $0.priority == priority }), let slot = lanes[lane].slot(of: id) else { return nil }
        return (lane, slot)
    }

    /// Adds `entry` at its place in serving order.
    public mutating func insert(_ entry: QueueEntry) {
        let laneIndex: Int
        if let found = lanes.firstIndex(where: { $0.priority >= entry.priority }), lanes[found].priority == entry.priority {
            laneIndex = found
        } else {
            laneIndex = lanes.firstIndex(where: { $0.priority > entry.priority }) ?? lanes.count
            lanes.insert(Lane(priority: entry.priority), at: laneIndex)
        }
        lanes[laneIndex].insert(entry)
        count += 1
        perIncident[entry.incidentId, default: []].append((entry.priority, entry.id))
        if entry.level < 2 {
            candidates.insert(Candidate(queuedAt: entry.queuedAt, id: entry.id, priority: entry.priority))
            levelOneCount += 1
        }
    }

    /// Bookkeeping for a need that left the queue.
    private mutating func left(_ entry: QueueEntry) {
        count -= 1
        guard entry.level < 2 else { return }
        levelOneCount -= 1
        if candidates.count > 2 * levelOneCount + 1_024 {
            var waiting: [Candidate] = []
            waiting.reserveCapacity(levelOneCount)
            for lane in lanes {
                for slot in lane.head..<lane.slots.count where !lane.gone[slot] && lane.slots[slot].level < 2 {
                    let entry = lane.slots[slot]
                    waiting.append(Candidate(queuedAt: entry.queuedAt, id: entry.id, priority: entry.priority))
                }
            }
            candidates = Heap(waiting)
        }
    }

    /// Removes `entry` (by its priority and id); whether it was waiting.
    @discardableResult
    public mutating func remove(_ entry: QueueEntry) -> Bool {
        guard let (lane, slot) = find(priority: entry.priority, id: entry.id) else { return false }
        let removed = lanes[lane].slots[slot]
        lanes[lane].remove(at: slot)
        left(removed)
        guard var keys = perIncident[removed.incidentId] else { return true }
        keys.removeAll { $0.id == removed.id && $0.priority == removed.priority }
        perIncident[removed.incidentId] = keys.isEmpty ? nil : keys
        return true
    }

    /// Drops every need of `incidentId`; whether there was one.
    @discardableResult
    public mutating func removeAll(incidentId: String) -> Bool {
        guard let keys = perIncident.removeValue(forKey: incidentId) else { return false }
        for key in keys {
            guard let (lane, slot) = find(priority: key.priority, id: key.id) else { continue }
            let removed = lanes[lane].slots[slot]
            lanes[lane].remove(at: slot)
            left(removed)
        }
        return true
    }

    /// Raises every need still at level 1 after waiting `escalateAfter` seconds at `now` to the
    /// city command centre (level 2); the raised needs in serving order.
    public mutating func escalateDue(at now: Date, after escalateAfter: Double) -> [QueueEntry] {
        var raised: [QueueEntry] = []
        while let next = candidates.min, now.timeIntervalSince(next.queuedAt) >= escalateAfter {
            candidates.removeMin()
            // A need served (or raised) since it was queued: gone, or its id now another need's.
            guard let (lane, slot) = find(priority: next.priority, id: next.id) else { continue }
            let entry = lanes[lane].slots[slot]
            guard entry.level < 2, entry.queuedAt == next.queuedAt else { continue }
            lanes[lane].slots[slot].level = 2
            levelOneCount -= 1
            raised.append(lanes[lane].slots[slot])
        }
        return raised.sorted { ($0.priority, $0.id) < ($1.priority, $1.id) }
    }
}
