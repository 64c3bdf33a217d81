/// Bytes to `String`, validated, on the hot path.
///
/// `String(validating:as:)` is generic over the encoding and, for an `ArraySlice` or `Array`
/// argument, runs unspecialised in the standard library: the profile of `precinct bench-bus`
/// showed it instantiating generic metadata on every call, 23 % of a subscriber's CPU. Header
/// fields and topics are ASCII in practice, and ASCII is valid UTF-8, so this checks for ASCII
/// first and takes `String(decoding:as:)`'s specialised path; anything else is validated the
/// general way.
public enum UTF8Text {
    /// The bytes as a `String`, or `nil` when they are not valid UTF-8.
    @inlinable
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        if high < 0x80 { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Whether `bytes[range]` is valid UTF-8, without making a `String` of ASCII.
    @inlinable
    public static func isValid(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { all in
            let slice = UnsafeBufferPointer(rebasing: all[range])
            var high: UInt8 = 0
            for byte in slice { high |= byte }
            return high < 0x80 || String(validating: slice, as: UTF8.self) != nil
        }
    }

    /// The bytes as a `String`, or `nil` when they are not valid UTF-8.
    @inlinable
    public static func string(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { string($0) }
    }

    /// `bytes[range]` as a `String`, or `nil` when they are not valid UTF-8.
    @inlinable
    public static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        bytes.withUnsafeBufferPointer { string(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}
