/// The spread of one interval: how many, median and 90th percentile (nearest rank).
public struct IntervalStats: Codable, Sendable, Hashable {
    public var count: Int
    public var medianSeconds: Double?
    public var p90Seconds: Double?

    public init(_ values: [Double]) {
        count = values.count
        medianSeconds = percentile(values, 0.5)
        p90Seconds = percentile(values, 0.9)
    }
}

/// The intervals of one category (and unit, when grouped by unit).
public struct IntervalEntry: Codable, Sendable, Hashable {
    public var category: String
    public var unitId: String?
    public var callToDispatch: IntervalStats
    public var dispatchToSignOff: IntervalStats
    public var travel: IntervalStats
    public var onScene: IntervalStats
    public var total: IntervalStats

    /// Per category (and per unit when `byUnit`): call-to-dispatch (unit's assignment − receipt;
    /// per category: first assignment − receipt), dispatch-to-sign-off, travel (arrival − sign-off),
    /// on scene (unit's close − arrival), total (incident's close − receipt).
    public static func report(_ incidents: [KPIIncident], byUnit: Bool) -> [IntervalEntry] {
        var buckets: [String: Bucket] = [:]
        for inc in incidents {
            let cat = inc.category ?? "unknown"
            if byUnit {
                for u in inc.units {
                    let k = "\(cat)|\(u.unit)"
                    var b = buckets[k] ?? Bucket(category: cat, unit: u.unit)
                    b.callToDispatch.append(u.assigned - inc.start)
                    b.add(u)
                    if let c = inc.closed { b.total.append(c - inc.start) }
                    buckets[k] = b
                }
            } else {
                var b = buckets[cat] ?? Bucket(category: cat, unit: nil)
                if let f = inc.firstAssigned { b.callToDispatch.append(f - inc.start) }
                for u in inc.units { b.add(u) }
                if let c = inc.closed { b.total.append(c - inc.start) }
                buckets[cat] = b
            }
        }
        return buckets.keys.sorted().map { k in
            let b = buckets[k]!
            return IntervalEntry(
                category: b.category, unitId: b.unit, callToDispatch: IntervalStats(b.callToDispatch),
                dispatchToSignOff: IntervalStats(b.dispatchToSignOff), travel: IntervalStats(b.travel),
                onScene: IntervalStats(b.onScene), total: IntervalStats(b.total))
        }
    }

    /// The samples of one entry.
    struct Bucket {
        var category: String
        var unit: String?
        var callToDispatch: [Double] = []
        var dispatchToSignOff: [Double] = []
        var travel: [Double] = []
        var onScene: [Double] = []
        var total: [Double] = []

        /// A unit's own intervals: sign-off, travel, on scene.
        mutating func add(_ u: KPIUnit) {
            if let s = u.signed { dispatchToSignOff.append(s - u.assigned) }
            if let s = u.signed, let a = u.arrived { travel.append(a - s) }
            if let a = u.arrived, let c = u.closed { onScene.append(c - a) }
        }
    }
}
