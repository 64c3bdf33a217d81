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

    /// Its place in serving order.
    public var key: NeedKey { NeedKey(priority: priority, id: id) }
}

/// A tier the waiting queue has filed needs under (its number there).
public struct FiledTier: Hashable, Sendable {
    let number: Int32
}

/// Waiting needs in serving order (most urgent first, then oldest), indexed so that no change and
/// no question walks the backlog:
/// - the order is a ``ServingOrder`` (every change costs the same at any length);
/// - each need is filed under its tier key (`TierKey`: needs with one key have the same candidate
///   units), and each unit knows the keys it is a candidate of, so a freed unit finds the needs it
///   can serve in serving order (`next(among:after:)`) without looking at any other need;
/// - each incident's needs are found by their keys;
/// - the escalation candidates are a heap by (`queuedAt`, id), popped as they fall due; a need
///   served before that is skipped when it surfaces.
///
/// The tier keys come from the incidents' facts (`DispatchPolicy.keyedCandidates`): a need is
/// filed when it is queued, an incident's needs again (`file(incidentId:_:)`) when its facts
/// change (an upgrade, a reclassification, marking major), and every need (`fileAll(_:)`) once
/// the queue is loaded.
public struct WaitingQueue: Sendable {
    private var order = ServingOrder()
    private var byId: [Int64: QueueEntry] = [:]
    /// The serving-order keys of each incident's waiting needs (absent: none).
    private var perIncident: [String: [NeedKey]] = [:]

    /// Each tier key ever filed, numbered in the order first seen (a few thousand at most: grids
    /// by need kinds); a need refers to its tier by number, which keeps a backlog's index small.
    private var tierNumbers: [TierKey: Int32] = [:]
    /// By tier number: its candidate units and its needs.
    private var tierUnits: [UnitBits] = []
    private var byTier: [ServingOrder] = []
    /// Each filed need's tier number.
    private var tierOf: [Int64: Int32] = [:]
    /// The tiers each unit (by its bit) is a candidate of: every tier ever filed, empty or not.
    private var tiersOfUnit: [[Int32]] = []

    private struct Candidate: Comparable, Sendable {
        var queuedAt: Date
        var key: NeedKey
        static func < (a: Candidate, b: Candidate) -> Bool { (a.queuedAt, a.key.id) < (b.queuedAt, b.key.id) }
    }
    /// Needs at level 1 (and ones since served or raised, skipped when they surface).
    private var candidates = Heap<Candidate>()
    /// How many of `candidates` still wait at level 1: the heap is rebuilt when the rest
    /// outnumber them, so needs served long before they fall due do not pile up.
    private var levelOneCount = 0

    /// The queue of `entries` in serving order (in any order given), not yet filed by tier.
    public init(_ entries: [QueueEntry] = []) {
        for entry in entries.sorted(by: { $0.key < $1.key }) { insert(entry) }
    }

    public var count: Int { order.count }
    public var isEmpty: Bool { order.isEmpty }

    /// Every waiting need in serving order (a copy: for reads and tests, not the hot path).
    public var entries: [QueueEntry] { order.keys.compactMap { byId[$0.id] } }

    /// Whether `incidentId` has a need waiting.
    public func contains(incidentId: String) -> Bool { perIncident[incidentId] != nil }

    /// Whether `entry` is still waiting.
    public func contains(_ entry: QueueEntry) -> Bool { byId[entry.id]?.key == entry.key }

    /// `incidentId`'s waiting needs in serving order.
    public func entries(of incidentId: String) -> [QueueEntry] {
        (perIncident[incidentId] ?? []).sorted().compactMap { byId[$0.id] }
    }

    /// The most urgent, oldest waiting need.
    public var first: QueueEntry? { order.first.flatMap { byId[$0.id] } }

    /// The need after `entry` in serving order, whether or not `entry` is still waiting.
    public func entry(after entry: QueueEntry) -> QueueEntry? { order.first(after: entry.key).flatMap { byId[$0.id] } }

    /// Adds `entry` at its place in serving order, filed under `tier` (its key and candidates)
    /// when given.
    public mutating func insert(_ entry: QueueEntry, tier: (key: TierKey, units: UnitBits)? = nil) {
        if let old = byId[entry.id] { remove(old) }
        order.insert(entry.key)
        byId[entry.id] = entry
        perIncident[entry.incidentId, default: []].append(entry.key)
        if let tier { file(entry, tier) }
        if entry.level < 2 {
            candidates.insert(Candidate(queuedAt: entry.queuedAt, key: entry.key))
            levelOneCount += 1
        }
    }

    private mutating func file(_ entry: QueueEntry, _ tier: (key: TierKey, units: UnitBits)) {
        let number = tierNumbers[tier.key] ?? newTier(tier)
        tierOf[entry.id] = number
        byTier[Int(number)].insert(entry.key)
    }

    /// Takes `entry` out of the tier it is filed under, if any.
    private mutating func unfile(_ entry: QueueEntry) {
        if let tier = tierOf.removeValue(forKey: entry.id) { byTier[Int(tier)].remove(entry.key) }
    }

    private mutating func newTier(_ tier: (key: TierKey, units: UnitBits)) -> Int32 {
        let number = Int32(tierUnits.count)
        tierNumbers[tier.key] = number
        tierUnits.append(tier.units)
        byTier.append(ServingOrder())
        tier.units.forEach { bit in
            if bit >= tiersOfUnit.count { tiersOfUnit += Array(repeating: [], count: bit + 1 - tiersOfUnit.count) }
            tiersOfUnit[bit].append(number)
        }
        return number
    }

    /// Files every need again under the tier `tier` gives it (nil: its incident is gone; the need
    /// is left unfiled). O(n): for a queue just loaded.
    public mutating func fileAll(_ tier: (QueueEntry) -> (key: TierKey, units: UnitBits)?) {
        tierOf = [:]
        byTier = Array(repeating: ServingOrder(), count: byTier.count)
        for key in order.keys {
            guard let entry = byId[key.id], let found = tier(entry) else { continue }
            file(entry, found)
        }
    }

    /// Files `incidentId`'s waiting needs again under the tier `tier` gives each (nil: left
    /// unfiled), after that incident's facts changed. The other needs keep their tiers: a need's
    /// tier depends on its own incident's facts only.
    public mutating func file(incidentId: String, _ tier: (QueueEntry) -> (key: TierKey, units: UnitBits)?) {
        guard let keys = perIncident[incidentId] else { return }
        for key in keys {
            guard let entry = byId[key.id], entry.key == key else { continue }
            unfile(entry)
            if let found = tier(entry) { file(entry, found) }
        }
    }

    /// Removes `entry` (by its id and place); whether it was waiting.
    @discardableResult
    public mutating func remove(_ entry: QueueEntry) -> Bool {
        guard let stored = byId[entry.id], stored.key == entry.key else { return false }
        forget(stored)
        if var keys = perIncident[stored.incidentId] {
            keys.removeAll { $0 == stored.key }
            perIncident[stored.incidentId] = keys.isEmpty ? nil : keys
        }
        return true
    }

    /// Drops every need of `incidentId`; whether there was one.
    @discardableResult
    public mutating func removeAll(incidentId: String) -> Bool {
        guard let keys = perIncident.removeValue(forKey: incidentId) else { return false }
        for key in keys { if let stored = byId[key.id], stored.key == key { forget(stored) } }
        return true
    }

    /// Takes `entry` out of the order, the tier index and the escalation count.
    private mutating func forget(_ entry: QueueEntry) {
        order.remove(entry.key)
        byId[entry.id] = nil
        unfile(entry)
        guard entry.level < 2 else { return }
        levelOneCount -= 1
        if candidates.count > 2 * levelOneCount + 1_024 {
            candidates = Heap(
                order.keys.compactMap { key in
                    byId[key.id].flatMap { $0.level < 2 ? Candidate(queuedAt: $0.queuedAt, key: key) : nil }
                })
        }
    }

    // MARK: Serving from freed units

    /// The tiers `unitBit` is a candidate of that have needs waiting.
    public func tiers(ofUnit unitBit: Int) -> [FiledTier] {
        guard unitBit < tiersOfUnit.count else { return [] }
        return tiersOfUnit[unitBit].filter { !byTier[Int($0)].isEmpty }.map(FiledTier.init)
    }

    /// The candidate units of the needs filed under `tier`.
    public func units(of tier: FiledTier) -> UnitBits { tierUnits[Int(tier.number)] }

    /// The first need after `after` (from the start when nil) in serving order among those filed
    /// under one of `tiers`, with its tier.
    public func next(among tiers: [FiledTier], after: NeedKey?) -> (entry: QueueEntry, tier: FiledTier)? {
        var best: (key: NeedKey, tier: FiledTier)?
        for tier in tiers {
            let index = Int(tier.number)
            guard let key = after.map({ byTier[index].first(after: $0) }) ?? byTier[index].first else { continue }
            if best == nil || key < best!.key { best = (key, tier) }
        }
        guard let best, let entry = byId[best.key.id] else { return nil }
        return (entry, best.tier)
    }

    // MARK: Escalation

    /// Raises every need still at level 1 after waiting `escalateAfter` seconds at `now` to the
    /// city command centre (level 2); the raised needs in serving order.
    public mutating func escalateDue(at now: Date, after escalateAfter: Double) -> [QueueEntry] {
        var raised: [QueueEntry] = []
        while let next = candidates.min, now.timeIntervalSince(next.queuedAt) >= escalateAfter {
            candidates.removeMin()
            // A need served or raised since: gone, or its id now another need's.
            guard var entry = byId[next.key.id], entry.key == next.key, entry.level < 2, entry.queuedAt == next.queuedAt else { continue }
            entry.level = 2
            byId[entry.id] = entry
            levelOneCount -= 1
            raised.append(entry)
        }
        return raised.sorted { $0.key < $1.key }
    }
}
