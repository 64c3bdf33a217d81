/// A set of units as bits of their place in the jurisdiction's unit list.
///
/// Each tier key's candidate units: serving the queue from a freed unit files every key under the
/// units it holds (`forEach`), and asks whether a freed unit is one of a key's (a bit test, where a
/// `Set<String>` hashed the unit's id every time).
public struct UnitBits: Sendable, Hashable {
    private var words: [UInt64]

    /// An empty set for `count` units.
    public init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    public mutating func insert(_ index: Int) { words[index >> 6] |= 1 << UInt64(index & 63) }

    /// Calls `body` with each unit's place in the set, in order.
    public func forEach(_ body: (Int) -> Void) {
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                body(w << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    public func contains(_ index: Int) -> Bool {
        let word = index >> 6
        return word < words.count && words[word] & (1 << UInt64(index & 63)) != 0
    }
}
