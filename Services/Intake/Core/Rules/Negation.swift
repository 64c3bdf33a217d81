import Foundation
import Model

/// Negated keywords (DOMAIN.md §3.3, issue 15 point 9): "没有人受伤", "未受伤", "无人员伤亡",
/// "nobody was injured" report the absence of what the keyword names, so they must not classify a
/// call (a minor accident with no one hurt is not a casualty accident).
///
/// A keyword's occurrence is negated when the text just before it, once the words allowed in
/// between (`fillers`: 人, 人员, 任何人, was, one, …) and spaces are dropped, ends with a negation
/// `marker` (没有, 未, 无, no, not, nobody, …). Punctuation stops the reach of a negation, so
/// "没有戴头盔，受伤了" still reports an injury; a word that only starts like a marker
/// ("未成年人受伤") is not one.
public struct Negation: Sendable, Decodable, Hashable {
    /// Words that negate the keyword that follows them (lower-cased when matched).
    public var markers: [String]
    /// Words that may stand between a marker and the keyword.
    public var fillers: [String]

    public init(markers: [String], fillers: [String]) {
        self.markers = markers
        self.fillers = fillers
    }

    /// Chinese and English negations of the demo city's casualty and incident keywords.
    public static let standard = Negation(
        markers: ["并没有", "并未", "并无", "没有", "不曾", "没", "未", "无", "nobody", "no one", "none", "not", "no", "without", "never"],
        fillers: [
            "任何人员", "任何人", "人员", "有人", "人", "任何", "one", "was", "were", "been", "has", "have", "is", "are", "anyone",
            "anybody", "seriously", "badly", "got", "being",
        ])

    /// Whether `keyword` occurs in `text` (both lower-cased) at least once without a negation before it.
    public func affirms(_ keyword: String, in text: String) -> Bool {
        var searchFrom = text.startIndex
        while let r = KeywordText.range(of: keyword, in: text, from: searchFrom) {
            if !negates(before: text[..<r.lowerBound]) { return true }
            searchFrom = r.upperBound
        }
        return false
    }

    /// Whether the text before a keyword ends with a negation.
    func negates(before prefix: Substring) -> Bool {
        var rest = prefix
        // Drops spaces and fillers from the end until neither is left (a bounded walk: each
        // round removes at least one character).
        var changed = true
        while changed {
            changed = false
            while let last = rest.last, last.isWhitespace {
                rest = rest.dropLast()
                changed = true
            }
            for filler in fillers.sorted(by: { $0.count > $1.count }) where !filler.isEmpty && ends(rest, with: filler.lowercased()) {
                rest = rest.dropLast(filler.count)
                changed = true
                break
            }
        }
        return markers.contains { !$0.isEmpty && ends(rest, with: $0.lowercased()) }
    }

    /// `text` ends with `word`, and a Latin word starts there (not inside a word: "casino" does not end with "no").
    private func ends(_ text: Substring, with word: String) -> Bool {
        guard text.hasSuffix(word) else { return false }
        guard let first = word.first, first.isASCII, first.isLetter else { return true }
        let start = text.index(text.endIndex, offsetBy: -word.count)
        guard start > text.startIndex else { return true }
        let before = text[text.index(before: start)]
        return !(before.isASCII && before.isLetter)
    }
}
