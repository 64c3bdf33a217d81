import Foundation
import Model
import Testing

@testable import Wire

@Suite struct EventTimeParsingTests {
    @Test func theBusFormIsReadByHandToTheDateFoundationGives() throws {
        var random = SplitMix64(seed: 14)  // deterministic, so a failure repeats
        // 1900-01-01 to 2400-01-01, every millisecond equally likely; and the edges of each day,
        // month and leap year.
        var millis = (0..<20_000).map { _ in Int64.random(in: -2_208_988_800_000..<13_569_465_600_000, using: &random) }
        millis += [0, -1, 951_782_399_999, 951_782_400_000, 951_868_799_999, 1_732_262_400_123, 4_107_542_399_999, -2_208_988_800_000]
        for ms in millis {
            let text = EventTime.string(Date(timeIntervalSince1970: Double(ms) / 1000))
            let hand = try #require(EventTime.canonical(text), "\(text) is the bus form")
            let foundation = try #require(EventTime.parsedByFoundation(text))
            #expect(hand.timeIntervalSince1970 == foundation.timeIntervalSince1970, "\(text)")
            #expect(Int64((hand.timeIntervalSince1970 * 1000).rounded()) == ms, "\(text)")
        }
    }

    @Test(
        "anything else is left to Foundation",
        arguments: [
            "2026-11-22T08:00:00Z", "2026-11-22T16:00:00.123+08:00", "2026-11-22T08:00:00.1Z", "2026-11-22T08:00:00.123456Z",
            "2026-02-29T08:00:00.000Z", "2024-02-30T08:00:00.000Z", "2026-13-01T08:00:00.000Z", "2026-11-22T24:00:00.000Z",
            "2026-11-22T23:59:60.000Z", "2026-11-22t08:00:00.000z", "1582-10-10T00:00:00.000Z", "1899-12-31T23:59:59.999Z",
            "2026-11-22T08:00:00.12xZ", "2026-11-22 08:00:00.000Z", "", "not a time at all, 24 ch",
        ])
    func otherForms(text: String) {
        #expect(EventTime.canonical(text) == nil)
        #expect(EventTime.date(text) == EventTime.parsedByFoundation(text))
    }
}
