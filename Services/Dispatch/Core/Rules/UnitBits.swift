/// A set of units as bits of their place in the jurisdiction's unit list.
///
/// Serving the queue from a freed unit asks of every waiting need whether that unit is one of its
/// candidates: a bit test here, where a `Set<String>` hashed the unit's id every time.
public struct UnitBits: Sendable, Hashable {
    private var words: [UInt64]

    /// An empty set for `count` units.
    public init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    public mutating func insert(_ index: Int) { words[index >> 6] |= 1 << UInt64(index & 63) }

    public func contains(_ index: Int) -> Bool {
        let word = index >> 6
        return word < words.count && words[word] & (1 << UInt64(index & 63)) != 0
    }
}
