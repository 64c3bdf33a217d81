import Model

/// One group's points in a period, as the ledger sums them (the order is the ranking's).
public struct RankingTotal: Sendable, Hashable {
    public var key: String
    public var points: Double
    public var awards: Int
    public var incidents: Int

    public init(key: String, points: Double, awards: Int, incidents: Int) {
        self.key = key
        self.points = points
        self.awards = awards
        self.incidents = incidents
    }
}

/// One place of a ranking by points.
public struct RankingEntry: Codable, Sendable, Hashable {
    public var rank: Int
    public var key: String
    public var points: Double
    public var awards: Int
    public var incidents: Int

    /// Ranks totals already ordered by points (descending, ties by key): equal points share a
    /// rank, the next one skips (1, 1, 3). Points are rounded to 1/1000 for display; a place ties
    /// with the one before when its sum equals the shown (rounded) points before it, as the
    /// rankings have always been computed.
    public static func ranked(_ totals: [RankingTotal]) -> [RankingEntry] {
        var out: [RankingEntry] = []
        for (i, t) in totals.enumerated() {
            let rank = (i > 0 && out[i - 1].points == t.points) ? out[i - 1].rank : i + 1
            out.append(RankingEntry(rank: rank, key: t.key, points: roundedPoints(t.points), awards: t.awards, incidents: t.incidents))
        }
        return out
    }
}

/// Points as answers show them: rounded to 1/1000 (sums of fractions drift in the last digits).
public func roundedPoints(_ points: Double) -> Double { (points * 1000).rounded() / 1000 }

extension Jurisdiction {
    /// The display name of a ranking key at `level` (an officer's, a station's, a unit's call sign…).
    public func name(of key: String, at level: Level) -> String? {
        switch level {
        case .officer: officers[key]?.name
        case .station: stations[key]?.name
        case .post: posts[key]?.name
        case .region: regions[key]?.name
        case .unit: units.first { $0.id == key }?.callSign
        case .grid: grid(key)?.name
        case .city: city.name
        }
    }
}
