/// Keywords found in a call's description (classification, diversion, negation, what makes an
/// incident major) with Swift's own string search. With Foundation imported, `String.contains(_:)`
/// and `range(of:)` resolve to Foundation's, which bridge to `NSString` and fold character clusters
/// on every call: 4 % of intake's CPU per call for a handful of keywords.
///
/// Characters compare as Swift compares them (canonical equivalence), as Foundation's default
/// search does; an empty word is found nowhere, as with Foundation.
public enum KeywordText {
    /// Whether `word` occurs in `text`.
    public static func contains(_ text: some StringProtocol, _ word: some StringProtocol) -> Bool {
        !word.isEmpty && text.firstRange(of: word) != nil
    }

    /// The first occurrence of `word` in `text` at or after `start`.
    public static func range(of word: String, in text: String, from start: String.Index) -> Range<String.Index>? {
        guard !word.isEmpty, start < text.endIndex else { return nil }
        return text[start...].firstRange(of: word)
    }
}
