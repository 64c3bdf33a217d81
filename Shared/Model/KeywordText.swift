import Foundation

/// Keywords found in a call's description (classification, diversion, negation, what makes an
/// incident major), with the answers Foundation's `range(of:)` gives and, for the text calls are
/// made of, without it: Foundation bridges to `NSString` and folds character clusters on every
/// search (4 % of intake's CPU per call), and the standard library's `firstRange(of:)` compares
/// `Character`s, which was slower still.
///
/// Plain text (ASCII without carriage returns, CJK ideographs, CJK and fullwidth punctuation) has
/// no canonically equivalent spellings and no character built of several scalars, so a match of
/// its UTF-8 bytes is a match of its characters: it is searched byte by byte. Anything else
/// (accented Latin, combining marks, emoji, kana) goes to Foundation, exactly as before.
public enum KeywordText {
    /// Whether `word` occurs in `text`; an empty word occurs nowhere, as with Foundation.
    public static func contains(_ text: String, _ word: String) -> Bool {
        range(of: word, in: text, from: text.startIndex) != nil
    }

    /// The first occurrence of `word` in `text` at or after `start`.
    public static func range(of word: String, in text: String, from start: String.Index) -> Range<String.Index>? {
        guard !word.isEmpty, start < text.endIndex else { return nil }
        guard isPlain(word), isPlain(text) else { return text.range(of: word, range: start..<text.endIndex) }
        let utf8 = text.utf8
        let needle = Array(word.utf8)
        let first = needle[0]
        var at = start
        while let candidate = utf8[at...].firstIndex(of: first) {
            guard let end = utf8.index(candidate, offsetBy: needle.count, limitedBy: utf8.endIndex) else { return nil }
            if utf8[candidate..<end].elementsEqual(needle) { return candidate..<end }
            at = utf8.index(after: candidate)
        }
        return nil
    }

    /// Whether every scalar of `text` is one whose bytes can only match itself: ASCII but a
    /// carriage return (which joins a line feed into one character), CJK ideographs, and CJK,
    /// fullwidth and general punctuation without canonical decompositions or combining marks.
    static func isPlain(_ text: String) -> Bool {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0D: return false
            case 0x00..<0x80, 0x2010...0x2027, 0x2030...0x205E, 0x3000...0x3029, 0x3030...0x303F, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                0xFF01...0xFF5E:
                continue
            default: return false
            }
        }
        return true
    }
}
