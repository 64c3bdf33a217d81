import Model

/// How a timed KPI (sign-off 90 s, first feedback 5 h, close 22 h) counts an item, as the
/// originals count it: an item is decided once it met its deadline or the deadline passed at
/// scoring's event-time now; until then it is pending and counts in neither the numerator nor
/// the denominator (an incident received a minute ago has not missed its 22 h close yet).
public enum TimedRate {
    public enum Verdict: Sendable, Hashable { case met, missed, pending }

    /// The verdict of an item started at `start`, done at `done` (nil: not yet), with `limit`
    /// seconds, at event time `now` (seconds since 1970; `.infinity`: every deadline has passed).
    public static func verdict(start: Double, done: Double?, limit: Double, now: Double) -> Verdict {
        if let done { return done - start <= limit ? .met : .missed }
        return now - start > limit ? .missed : .pending
    }

    /// Met items over decided items.
    public static func ratio(_ verdicts: [Verdict]) -> Ratio {
        Ratio(Double(verdicts.filter { $0 == .met }.count), Double(verdicts.filter { $0 != .pending }.count))
    }
}

/// Field reports that mean a unit signed off (签收) even when it never said so: a crew that is on
/// its way, on scene, reporting or closing took the incident (dispatch reads them the same way).
public enum ImpliedSignOff {
    public static func implies(_ stage: FieldStage) -> Bool { [.signedOff, .enRoute, .arrived, .feedback, .closed].contains(stage) }

    /// The id of the unit's first report that signs it off (explicitly or not): the fact a
    /// sign-off award cites. `reports` in time order.
    static func firstReport(of unitId: String, in reports: [(Fact, FieldReported)]) -> String? {
        reports.first { $0.1.unitId == unitId && implies($0.1.stage) }?.0.id
    }
}
