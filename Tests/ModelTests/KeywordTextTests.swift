import Foundation
@testable import Model
import Testing

@Suite struct KeywordTextTests {
    static let texts = [
        "", "持刀", "有人持刀抢劫，没有人受伤", "两车相撞，一人受伤，车辆起火", "nobody was injured, no one hurt", "casino fight: two men injured",
        "a man with a knife 持刀 near the 化工 plant", "受伤受伤受伤", "café crème, naïve résumé", "e\u{301}cole", "\u{e9}cole", "🚓🚑 火灾 🔥",
        "报警人称：“有人持刀！”——请速来。", "１２３号，ＡＢＣ路口", "line one\r\nline two", "か\u{3099}が", "ﾃｽﾄ 持刀",
    ]
    static let words = [
        "", "持刀", "受伤", "伤", "injured", "no", "in", "火", "e", "é", "école", "🔥", "受伤受伤", "not there", "车辆起火了吗", "“有人", "！",
        "ＡＢＣ", "\n", "が", "two",
    ]

    @Test func plainTextIsTheTextWithoutEquivalentSpellings() {
        #expect(KeywordText.isPlain("有人持刀抢劫，没有人受伤 knife 123"))
        #expect(KeywordText.isPlain("报警人称：“有人持刀！”——请速来。"))
        #expect(!KeywordText.isPlain("café"))
        #expect(!KeywordText.isPlain("e\u{301}"))
        #expect(!KeywordText.isPlain("🔥"))
        #expect(!KeywordText.isPlain("a\r\nb"))
    }

    @Test func containsAgreesWithFoundation() {
        for text in Self.texts {
            for word in Self.words {
                #expect(KeywordText.contains(text, word) == (text.range(of: word) != nil), "\(word) in \(text)")
            }
        }
    }

    @Test func everyOccurrenceIsFoundWhereFoundationFindsIt() {
        for text in Self.texts {
            for word in Self.words where !word.isEmpty {
                var ours: [Range<String.Index>] = []
                var start = text.startIndex
                while let r = KeywordText.range(of: word, in: text, from: start) {
                    ours.append(r)
                    start = r.upperBound
                }
                var theirs: [Range<String.Index>] = []
                start = text.startIndex
                while start < text.endIndex, let r = text.range(of: word, range: start..<text.endIndex) {
                    theirs.append(r)
                    start = r.upperBound
                }
                #expect(ours == theirs, "\(word) in \(text)")
            }
        }
    }
}
