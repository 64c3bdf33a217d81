import Foundation

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
