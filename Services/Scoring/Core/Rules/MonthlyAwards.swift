/// One candidate of a monthly award, with the figures behind the score.
public struct Candidate: Codable, Sendable, Hashable {
    public var rank: Int
    public var id: String
    public var score: Double
    public var detail: [String: Double]
}

/// What the ledger and the incident rows say about one officer or call-taker in a period.
public struct AwardTally: Sendable, Hashable {
    public var id: String
    public var score: Double
    public var detail: [String: Double]

    public init(id: String, score: Double, detail: [String: Double]) {
        self.id = id
        self.score = score
        self.detail = detail
    }
}

/// The monthly awards (满天星): one star of the month, 3 excellent traffic managers, 3 excellent
/// call-takers.
public struct MonthlyAwards: Codable, Sendable, Hashable {
    public var period: Period
    public var starOfTheMonth: Candidate?
    public var excellentTrafficManagers: [Candidate]
    public var excellentCallTakers: [Candidate]

    /// - star of the month: the officer with the most points in the period among those with no
    ///   upheld complaint or irregularity in it (`excluded`; ties: the officer id);
    /// - 3 excellent traffic managers: the most points earned on accident incidents, same exclusion;
    /// - 3 excellent call-takers: score = incidents taken + incidents dispatched within 60 s of
    ///   receipt − 5 × upheld complaints on incidents they took (``callTakerTally(id:taken:fast:upheld:)``).
    public init(period: Period, officers: [AwardTally], accidents: [AwardTally], callTakers: [AwardTally], excluded: Set<String>) {
        self.period = period
        starOfTheMonth = Self.ranked(officers.filter { !excluded.contains($0.id) }, limit: 1).first
        excellentTrafficManagers = Self.ranked(accidents.filter { !excluded.contains($0.id) }, limit: 3)
        excellentCallTakers = Self.ranked(callTakers, limit: 3)
    }

    /// A call-taker's score from the incidents they took.
    public static func callTakerTally(id: String, taken: Int, fast: Double, upheld: Double) -> AwardTally {
        let n = Double(taken)
        return AwardTally(id: id, score: n + fast - 5 * upheld, detail: ["taken": n, "dispatchedWithin60s": fast, "upheldComplaints": upheld])
    }

    /// The best `limit` by score (ties: the smaller id), the score rounded to 1/1000.
    static func ranked(_ tallies: [AwardTally], limit: Int) -> [Candidate] {
        let sorted = tallies.sorted { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
        return sorted.prefix(limit).enumerated().map {
            Candidate(rank: $0.offset + 1, id: $0.element.id, score: roundedPoints($0.element.score), detail: $0.element.detail)
        }
    }
}
