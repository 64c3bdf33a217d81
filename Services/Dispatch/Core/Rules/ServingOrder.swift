/// A waiting need's place in serving order: most urgent (priority 1) first, then oldest (lowest
/// queue id).
public struct NeedKey: Hashable, Comparable, Sendable {
    public var priority: Int
    public var id: Int64

    public init(priority: Int, id: Int64) {
        self.priority = priority
        self.id = id
    }

    public static func < (a: NeedKey, b: NeedKey) -> Bool { (a.priority, a.id) < (b.priority, b.id) }
}

/// A set of ``NeedKey`` in serving order, where every change costs the same whatever its size.
///
/// A sorted array paid a move of every later key per change: at 218,000 waiting needs (the
/// million-call run) that was megabytes moved per need served. Here each priority is a lane in
/// arrival order: a new need's id is the highest yet, so it is appended (any other id is still put
/// in its place, by binary search); a removed key is marked gone where it is, and a lane is
/// compacted once more of it is gone than is left, so that cost is spread over the removals that
/// made it. Reading is by key (`first`, `first(after:)`), so a removal never invalidates a walk.
struct ServingOrder: Sendable {
    private struct Lane: Sendable {
        let priority: Int
        var ids: [Int64] = []
        var gone: [Bool] = []
        /// Every slot before it is gone.
        var head = 0
        var goneCount = 0
        var live: Int { ids.count - goneCount }

        init(priority: Int) { self.priority = priority }

        /// The first slot whose id is at least `id`.
        func slot(atLeast id: Int64) -> Int {
            var low = head
            var high = ids.count
            while low < high {
                let mid = (low + high) / 2
                if ids[mid] < id { low = mid + 1 } else { high = mid }
            }
            return low
        }

        func slot(of id: Int64) -> Int? {
            let at = slot(atLeast: id)
            return at < ids.count && ids[at] == id && !gone[at] ? at : nil
        }

        /// The first id still in the lane at or after `slot`.
        func firstLive(from slot: Int) -> Int64? {
            var at = slot
            while at < ids.count {
                if !gone[at] { return ids[at] }
                at += 1
            }
            return nil
        }

        mutating func insert(_ id: Int64) {
            if let last = ids.last, last >= id {
                let at = slot(atLeast: id)
                ids.insert(id, at: at)
                gone.insert(false, at: at)
            } else {
                ids.append(id)
                gone.append(false)
            }
        }

        mutating func remove(at slot: Int) {
            gone[slot] = true
            goneCount += 1
            while head < ids.count && gone[head] { head += 1 }
            if goneCount > 64 && goneCount > live { compact() }
        }

        private mutating func compact() {
            var kept: [Int64] = []
            kept.reserveCapacity(live)
            for at in head..<ids.count where !gone[at] { kept.append(ids[at]) }
            ids = kept
            gone = Array(repeating: false, count: kept.count)
            head = 0
            goneCount = 0
        }
    }

    /// The lanes by priority, most urgent first (a handful: priorities are 1 to 4 or so).
    private var lanes: [Lane] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func insert(_ key: NeedKey) {
        let index = lanes.firstIndex { $0.priority >= key.priority } ?? lanes.count
        if index == lanes.count || lanes[index].priority != key.priority { lanes.insert(Lane(priority: key.priority), at: index) }
        lanes[index].insert(key.id)
        count += 1
    }

    /// Removes `key`; whether it was there.
    @discardableResult
    mutating func remove(_ key: NeedKey) -> Bool {
        guard let lane = lanes.firstIndex(where: { $0.priority == key.priority }), let slot = lanes[lane].slot(of: key.id) else { return false }
        lanes[lane].remove(at: slot)
        count -= 1
        return true
    }

    func contains(_ key: NeedKey) -> Bool {
        guard let lane = lanes.first(where: { $0.priority == key.priority }) else { return false }
        return lane.slot(of: key.id) != nil
    }

    var first: NeedKey? { first(fromLane: 0) }

    /// The key after `key` in serving order, whether or not `key` is still here.
    func first(after key: NeedKey) -> NeedKey? {
        guard let index = lanes.firstIndex(where: { $0.priority >= key.priority }) else { return nil }
        guard lanes[index].priority == key.priority else { return first(fromLane: index) }
        let lane = lanes[index]
        if let id = lane.firstLive(from: lane.slot(atLeast: key.id &+ 1)) { return NeedKey(priority: lane.priority, id: id) }
        return first(fromLane: index + 1)
    }

    private func first(fromLane start: Int) -> NeedKey? {
        for index in start..<lanes.count {
            if let id = lanes[index].firstLive(from: lanes[index].head) { return NeedKey(priority: lanes[index].priority, id: id) }
        }
        return nil
    }

    /// Every key in serving order.
    var keys: [NeedKey] {
        lanes.flatMap { lane in (lane.head..<lane.ids.count).filter { !lane.gone[$0] }.map { NeedKey(priority: lane.priority, id: lane.ids[$0]) } }
    }
}
