import Foundation

/// Decodes a `Decodable` value straight from JSON bytes, reading each value where it lies.
///
/// Every inbound event was decoded by Foundation's `JSONDecoder`; after the streaming encoder,
/// the profile of `bench/quick.sh` put decoding at 3.5 % of dispatch's CPU, 10.7 % of scoring's
/// and 20 % of liaison's. Foundation scans the document into a map, then builds a dictionary of
/// `String` keys for every object it decodes. This decoder notes where each member of an object
/// starts and looks the keys up as bytes, in the order they are asked for (the order our encoder
/// writes them in, so a lookup is usually the next member).
///
/// It accepts strict JSON only (RFC 8259), and reads each leaf as `JSONCodec.decoder()` would:
/// strings with every escape, integers exactly, doubles correctly rounded, times as ISO-8601 with
/// `EventTime`. Everything else it reports as `Unsupported` rather than guessing: malformed JSON,
/// a missing key or a value of the wrong type, duplicate keys, escaped keys, numbers that are
/// not plain integers where an integer is asked for, `Float`, `Data`, `URL`, `Decimal`, super
/// decoders, and any error a type's own `init(from:)` throws. `JSONCodec.decode` then hands the
/// bytes to Foundation, which decodes them or gives the error it has always given (the field
/// and the reason), so bad input is refused exactly as before.
public struct StreamingJSONDecoder: Sendable {
    /// Input this decoder leaves to Foundation's `JSONDecoder`.
    public struct Unsupported: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "not decoded by StreamingJSONDecoder: \(reason)" }
    }

    public init() {}

    /// The value the bytes hold; throws `Unsupported` (or the type's own error) for input it
    /// leaves to Foundation.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let source = JSONSource(bytes)
        let start = try source.skipSpace(0)
        let end = try source.validate(start)
        guard try source.skipSpaceToEnd(end) else { throw Unsupported(reason: "bytes after the value") }
        return try ValueReader(source: source, at: start).decodeValue(T.self)
    }
}

private typealias Unsupported = StreamingJSONDecoder.Unsupported

/// The document's bytes, and how to read its values.
///
/// The whole document is checked once, first (`validate`): its grammar, its escapes, and its
/// text as UTF-8. Every later pass (finding an object's members, reading a string) relies on that
/// and only finds its way.
final class JSONSource {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    @inline(__always) func byte(_ at: Int) throws -> UInt8 {
        guard at < bytes.count else { throw Unsupported(reason: "the document ends early") }
        return bytes[at]
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// The first position at or after `at` that is not white space (there must be one).
    func skipSpace(_ at: Int) throws -> Int {
        var i = at
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        guard i < bytes.count else { throw Unsupported(reason: "the document ends early") }
        return i
    }

    /// Whether only white space follows `at`.
    func skipSpaceToEnd(_ at: Int) throws -> Bool {
        var i = at
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        return i == bytes.count
    }

    /// How deep arrays and objects may nest: as deep as Foundation reads (it refuses deeper
    /// documents), and the recursion below stays far from the end of a thread's stack.
    static let maxDepth = 512

    /// The end of the value starting at `at`, every byte of it checked.
    func validate(_ at: Int, depth: Int = 0) throws -> Int {
        switch try byte(at) {
        case UInt8(ascii: "\""): return try validateString(at)
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw Unsupported(reason: "nested too deep") }
            var i = try skipSpace(at + 1)
            if bytes[i] == UInt8(ascii: "}") { return i + 1 }
            while true {
                guard bytes[i] == UInt8(ascii: "\"") else { throw Unsupported(reason: "a key that is not a string") }
                i = try skipSpace(try validateString(i))
                guard bytes[i] == UInt8(ascii: ":") else { throw Unsupported(reason: "a member without ':'") }
                i = try skipSpace(try validate(try skipSpace(i + 1), depth: depth + 1))
                if bytes[i] == UInt8(ascii: "}") { return i + 1 }
                guard bytes[i] == UInt8(ascii: ",") else { throw Unsupported(reason: "an object without ',' or '}'") }
                i = try skipSpace(i + 1)
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw Unsupported(reason: "nested too deep") }
            var i = try skipSpace(at + 1)
            if bytes[i] == UInt8(ascii: "]") { return i + 1 }
            while true {
                i = try skipSpace(try validate(i, depth: depth + 1))
                if bytes[i] == UInt8(ascii: "]") { return i + 1 }
                guard bytes[i] == UInt8(ascii: ",") else { throw Unsupported(reason: "an array without ',' or ']'") }
                i = try skipSpace(i + 1)
            }
        case UInt8(ascii: "t"): return try literal("true", at)
        case UInt8(ascii: "f"): return try literal("false", at)
        case UInt8(ascii: "n"): return try literal("null", at)
        default: return try skipNumber(at).end
        }
    }

    private func literal(_ word: StaticString, _ at: Int) throws -> Int {
        let n = word.utf8CodeUnitCount
        guard at + n <= bytes.count else { throw Unsupported(reason: "the document ends early") }
        for k in 0..<n where bytes[at + k] != word.utf8Start[k] { throw Unsupported(reason: "an unknown literal") }
        return at + n
    }

    func isNull(_ at: Int) -> Bool { bytes[at] == UInt8(ascii: "n") }

    /// The end of the string starting at `at` (after its closing quote): its escapes checked,
    /// and its text, if beyond ASCII, checked as UTF-8.
    func validateString(_ at: Int) throws -> Int {
        guard try byte(at) == UInt8(ascii: "\"") else { throw Unsupported(reason: "not a string") }
        var i = at + 1
        var high: UInt8 = 0
        while true {
            let b = try byte(i)
            if b == UInt8(ascii: "\"") { break }
            if b < 0x20 { throw Unsupported(reason: "a control character in a string") }
            high |= b
            if b == UInt8(ascii: "\\") {
                switch try byte(i + 1) {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    for k in 2...5 where Self.hex(try byte(i + k)) == nil { throw Unsupported(reason: "a bad \\u escape") }
                    i += 6
                default: throw Unsupported(reason: "an unknown escape")
                }
            } else {
                i += 1
            }
        }
        if high >= 0x80, !Self.isUTF8(bytes, (at + 1)..<i) { throw Unsupported(reason: "a string that is not UTF-8") }
        return i + 1
    }

    /// Whether `bytes[range]` is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
    /// surrogates, nothing past U+10FFFF). Written out because `String(validating:)` runs
    /// unspecialised here (see `UTF8Text`).
    static func isUTF8(_ bytes: [UInt8], _ range: Range<Int>) -> Bool {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let count: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: count = 1
            case 0xE0:
                count = 2
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED:
                count = 2
                high = 0x9F
            case 0xF0:
                count = 3
                low = 0x90
            case 0xF1...0xF3: count = 3
            case 0xF4:
                count = 3
                high = 0x8F
            default: return false
            }
            guard i + count < end else { return false }
            guard bytes[i + 1] >= low, bytes[i + 1] <= high else { return false }
            for k in 2..<(count + 1) where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += count + 1
        }
        return true
    }

    /// The end of the (checked) string at `at`, and whether it has escapes.
    func skipString(_ at: Int) -> (end: Int, escaped: Bool) {
        var i = at + 1
        var escaped = false
        while bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") {
                escaped = true
                i += 2
            } else {
                i += 1
            }
        }
        return (i + 1, escaped)
    }

    /// The end of the (checked) value at `at`.
    func skipValue(_ at: Int) -> Int {
        switch bytes[at] {
        case UInt8(ascii: "\""): return skipString(at).end
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = at
            while true {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    i = skipString(i).end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
        default:
            var i = at
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return i
                default: i += 1
                }
            }
            return i
        }
    }

    /// The first position at or after `at` that is not white space, in a checked document.
    @inline(__always) func skipSpaceChecked(_ at: Int) -> Int {
        var i = at
        while Self.isSpace(bytes[i]) { i += 1 }
        return i
    }

    static func hex(_ b: UInt8) -> UInt16? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// A number's extent (JSON's grammar), and whether it is a plain integer.
    func skipNumber(_ at: Int) throws -> (end: Int, integer: Bool) {
        var i = at
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }
        let first = i
        let whole = digits()
        guard whole > 0 else { throw Unsupported(reason: "not a value") }
        guard whole == 1 || bytes[first] != UInt8(ascii: "0") else { throw Unsupported(reason: "a number with a leading zero") }
        var integer = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            integer = false
            guard digits() > 0 else { throw Unsupported(reason: "a number without digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            integer = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw Unsupported(reason: "a number without exponent digits") }
        }
        return (i, integer)
    }

    // MARK: Leaves

    func string(_ at: Int) throws -> String {
        guard bytes[at] == UInt8(ascii: "\"") else { throw Unsupported(reason: "not a string") }
        let (end, escaped) = skipString(at)
        let content = (at + 1)..<(end - 1)
        // Checked as UTF-8 already: decoding cannot repair anything.
        if !escaped {
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[content]), as: UTF8.self) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = content.lowerBound
        while i < content.upperBound {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try codeUnit(i)
                i += 4
                let scalar: Unicode.Scalar?
                if UTF16.isLeadSurrogate(unit) {
                    guard i + 6 <= content.upperBound, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw Unsupported(reason: "a lone surrogate")
                    }
                    let trail = try codeUnit(i + 2)
                    guard UTF16.isTrailSurrogate(trail) else { throw Unsupported(reason: "a lone surrogate") }
                    i += 6
                    scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00))
                } else {
                    scalar = Unicode.Scalar(unit)
                }
                guard let scalar else { throw Unsupported(reason: "a lone surrogate") }
                out.append(contentsOf: UTF8.encode(scalar)!)
            default: out.append(e)  // " \ /
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func codeUnit(_ at: Int) throws -> UInt16 {
        var unit: UInt16 = 0
        for k in 0..<4 {
            guard let digit = Self.hex(bytes[at + k]) else { throw Unsupported(reason: "a bad \\u escape") }
            unit = unit << 4 | digit
        }
        return unit
    }

    func bool(_ at: Int) throws -> Bool {
        switch bytes[at] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw Unsupported(reason: "not a boolean")
        }
    }

    /// A plain integer (no fraction, no exponent) that fits `I`.
    func integer<I: FixedWidthInteger>(_ type: I.Type, _ at: Int) throws -> I {
        let (end, isInteger) = try skipNumber(at)
        guard isInteger else { throw Unsupported(reason: "not a plain integer") }
        var i = at
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var value: I = 0
        while i < end {
            let digit = I(bytes[i] - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw Unsupported(reason: "an integer out of range") }
            value = next
            i += 1
        }
        return value
    }

    func double(_ at: Int) throws -> Double {
        let (end, _) = try skipNumber(at)
        let text = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[at..<end]), as: UTF8.self) }
        // Foundation refuses a number that overflows or underflows; a subnormal is left to it too.
        guard let value = Double(text), value.isFinite, value == 0 || value.magnitude >= Double.leastNormalMagnitude else {
            throw Unsupported(reason: "a number Double does not hold")
        }
        if value == 0, text.utf8.contains(where: { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }) {
            // An underflow such as 1e-400 (a zero written with an exponent, 0e12, is left to
            // Foundation as well: rare, and decided there either way).
            throw Unsupported(reason: "a number Double does not hold")
        }
        return value
    }
}

/// The members of one object: where each key's bytes and value lie.
private struct Member {
    var key: Range<Int>
    var value: Int
}

/// Reads the value at one position: the `Decoder` handed to a type's `init(from:)`, and its
/// single-value container.
///
/// Coding paths are left empty: they serve only to word errors, and every error here sends the
/// input to Foundation, which words it with the path; building a path for every field read would
/// cost an array per field.
struct ValueReader: Decoder, SingleValueDecodingContainer {
    let source: JSONSource
    let at: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try KeyedReader<Key>(source: source, at: at))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try UnkeyedReader(source: source, at: at)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { source.isNull(at) }
    func decode(_ type: Bool.Type) throws -> Bool { try source.bool(at) }
    func decode(_ type: String.Type) throws -> String { try source.string(at) }
    func decode(_ type: Double.Type) throws -> Double { try source.double(at) }
    func decode(_ type: Float.Type) throws -> Float { throw Unsupported(reason: "Float") }
    func decode(_ type: Int.Type) throws -> Int { try source.integer(Int.self, at) }
    func decode(_ type: Int8.Type) throws -> Int8 { try source.integer(Int8.self, at) }
    func decode(_ type: Int16.Type) throws -> Int16 { try source.integer(Int16.self, at) }
    func decode(_ type: Int32.Type) throws -> Int32 { try source.integer(Int32.self, at) }
    func decode(_ type: Int64.Type) throws -> Int64 { try source.integer(Int64.self, at) }
    func decode(_ type: UInt.Type) throws -> UInt { try source.integer(UInt.self, at) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try source.integer(UInt8.self, at) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try source.integer(UInt16.self, at) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try source.integer(UInt32.self, at) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try source.integer(UInt64.self, at) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(T.self) }

    /// A value of any type: the leaves by type identity (a cast would run the runtime's dynamic
    /// cast on every field), everything else through its own `init(from:)`.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return try source.string(at) as! T }
        if T.self == Date.self {
            guard let date = EventTime.date(try source.string(at)) else { throw Unsupported(reason: "not an ISO-8601 time") }
            return date as! T
        }
        if T.self == Int.self { return try source.integer(Int.self, at) as! T }
        if T.self == Bool.self { return try source.bool(at) as! T }
        if T.self == Double.self { return try source.double(at) as! T }
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self || T.self == Float.self {
            throw Unsupported(reason: "\(T.self), which Foundation decodes its own way")
        }
        return try T(from: self)
    }
}

/// An object's members, found once; keys are matched as bytes, from the member after the last
/// one asked for.
private final class KeyedReader<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let source: JSONSource
    var codingPath: [any CodingKey] { [] }
    private var members: [Member] = []
    private var next = 0

    init(source: JSONSource, at: Int) throws {
        self.source = source
        let bytes = source.bytes
        guard bytes[at] == UInt8(ascii: "{") else { throw Unsupported(reason: "not an object") }
        // The document is checked: only the way through it is found here.
        var i = source.skipSpaceChecked(at + 1)
        if bytes[i] == UInt8(ascii: "}") { return }
        members.reserveCapacity(16)
        while true {
            let (end, escaped) = source.skipString(i)
            let key = (i + 1)..<(end - 1)
            // Keys are matched as bytes: one written another way (an escape, or text beyond ASCII
            // that Unicode may equate with other bytes) is left to Foundation, as is a repeated key.
            guard !escaped, !bytes[key].contains(where: { $0 >= 0x80 }) else { throw Unsupported(reason: "a key with escapes or beyond ASCII") }
            for other in members where other.key.count == key.count && bytes[other.key] == bytes[key] {
                throw Unsupported(reason: "a duplicate key")
            }
            i = source.skipSpaceChecked(end) + 1  // past ':'
            let value = source.skipSpaceChecked(i)
            members.append(Member(key: key, value: value))
            i = source.skipSpaceChecked(source.skipValue(value))
            if bytes[i] == UInt8(ascii: "}") { return }
            i = source.skipSpaceChecked(i + 1)  // past ','
        }
    }

    var allKeys: [Key] {
        members.compactMap { member in
            Key(stringValue: source.bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[member.key]), as: UTF8.self) })
        }
    }

    /// Where `key`'s value starts, if the object has it.
    private func find(_ key: Key) -> Int? {
        var name = key.stringValue
        return name.withUTF8 { name -> Int? in
            source.bytes.withUnsafeBufferPointer { bytes -> Int? in
                let count = members.count
                var k = next
                for _ in 0..<count {
                    if k == count { k = 0 }
                    let member = members[k]
                    if member.key.count == name.count, memcmp(bytes.baseAddress! + member.key.lowerBound, name.baseAddress!, name.count) == 0 {
                        next = k + 1
                        return member.value
                    }
                    k += 1
                }
                return nil
            }
        }
    }

    private func value(_ key: Key) throws -> ValueReader {
        guard let at = find(key) else { throw Unsupported(reason: "no key '\(key.stringValue)'") }
        return ValueReader(source: source, at: at)
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try value(key).decodeNil() }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(key).decodeValue(T.self) }

    // One lookup for an optional field, where the protocol's default makes three.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let at = find(key), !source.isNull(at) else { return nil }
        return try ValueReader(source: source, at: at).decodeValue(T.self)
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let at = find(key), !source.isNull(at) else { return nil }
        return try source.string(at)
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let at = find(key), !source.isNull(at) else { return nil }
        return try source.integer(Int.self, at)
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let at = find(key), !source.isNull(at) else { return nil }
        return try source.bool(at)
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let at = find(key), !source.isNull(at) else { return nil }
        return try source.double(at)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try value(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try value(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { throw Unsupported(reason: "a super decoder") }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw Unsupported(reason: "a super decoder") }
}

/// An array's elements, found once, read in order.
private final class UnkeyedReader: UnkeyedDecodingContainer {
    let source: JSONSource
    var codingPath: [any CodingKey] { [] }
    private var elements: [Int] = []
    private(set) var currentIndex = 0

    init(source: JSONSource, at: Int) throws {
        self.source = source
        let bytes = source.bytes
        guard bytes[at] == UInt8(ascii: "[") else { throw Unsupported(reason: "not an array") }
        var i = source.skipSpaceChecked(at + 1)
        if bytes[i] == UInt8(ascii: "]") { return }
        while true {
            elements.append(i)
            i = source.skipSpaceChecked(source.skipValue(i))
            if bytes[i] == UInt8(ascii: "]") { return }
            i = source.skipSpaceChecked(i + 1)  // past ','
        }
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// The next element (and moves past it).
    private func nextValue() throws -> ValueReader {
        guard !isAtEnd else { throw Unsupported(reason: "past the end of an array") }
        defer { currentIndex += 1 }
        return ValueReader(source: source, at: elements[currentIndex])
    }

    func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw Unsupported(reason: "past the end of an array") }
        guard source.isNull(elements[currentIndex]) else { return false }
        currentIndex += 1
        return true
    }
    func decode(_ type: Bool.Type) throws -> Bool { try nextValue().decode(type) }
    func decode(_ type: String.Type) throws -> String { try nextValue().decode(type) }
    func decode(_ type: Double.Type) throws -> Double { try nextValue().decode(type) }
    func decode(_ type: Float.Type) throws -> Float { try nextValue().decode(type) }
    func decode(_ type: Int.Type) throws -> Int { try nextValue().decode(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try nextValue().decode(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try nextValue().decode(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try nextValue().decode(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try nextValue().decode(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try nextValue().decode(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try nextValue().decode(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try nextValue().decode(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try nextValue().decode(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try nextValue().decode(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try nextValue().decodeValue(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try nextValue().container(keyedBy: type)
    }
    func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try nextValue().unkeyedContainer() }
    func superDecoder() throws -> any Decoder { throw Unsupported(reason: "a super decoder") }
}
