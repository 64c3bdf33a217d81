import Testing
@testable import precinct

/// `precinct load`'s verdict: a set still working at the deadline is "not settled", not lost or
/// duplicated; a set that stopped short or over is.
@Suite struct LoadVerdictTests {
    private func counts(dispatchAssigned: Int, scoringCredited: Int) -> SetCounts {
        SetCounts(
            intake: [:], dispatch: ["incidents": 10, "incidentsAssigned": dispatchAssigned, "assignments": dispatchAssigned],
            scoring: ["incidentsCredited": scoringCredited, "incidentsAssigned": scoringCredited],
            liaison: ["incidentsAlerted": 1, "alerts": 1])
    }

    private func lines(_ now: SetCounts) -> [(String, Int, Int)] {
        let zero = SetCounts(intake: [:], dispatch: [:], scoring: [:], liaison: [:])
        return Verification.checks(baseline: zero, now: now, recorded: 10, acked: 10, opened: 10, expectedAlerts: 1)
    }

    @Test func countsStillMovingAtTheDeadlineAreNotSettledNeitherLostNorDuplicated() {
        let verdict = Verification.atDeadline(
            previous: lines(counts(dispatchAssigned: 7, scoringCredited: 6)), last: lines(counts(dispatchAssigned: 8, scoringCredited: 8)))
        #expect(!verdict.settled)
        #expect(!verdict.passed)
        #expect(verdict.text.contains("NOT SETTLED"))
        #expect(!verdict.text.contains("LOST") && !verdict.text.contains("DUPLICATED") && !verdict.text.contains("lost: "))
        #expect(verdict.json["settled"] as? Bool == false)
    }

    @Test func stillCountsThatDisagreeAreLostOrDuplicated() {
        let short = lines(counts(dispatchAssigned: 10, scoringCredited: 9))
        let lost = Verification.atDeadline(previous: short, last: short)
        #expect(lost.settled && !lost.passed)
        #expect(lost.text.contains("LOST 1") && lost.text.contains("lost: 2  duplicated: 0  → FAIL"))

        let over = lines(counts(dispatchAssigned: 10, scoringCredited: 11))
        let duplicated = Verification.atDeadline(previous: over, last: over)
        #expect(duplicated.text.contains("DUPLICATED 1") && duplicated.text.contains("lost: 0  duplicated: 2  → FAIL"))
    }

    @Test func agreeingCountsPass() {
        let same = lines(counts(dispatchAssigned: 10, scoringCredited: 10))
        let verdict = Verification.atDeadline(previous: same, last: same)
        #expect(verdict.passed)
        #expect(verdict.text.contains("lost: 0  duplicated: 0  → PASS"))
    }
}
