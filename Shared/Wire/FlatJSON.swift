/// A tiny reader and writer for flat JSON objects (string, integer, boolean and null values),
/// used for the envelope header and bus control messages, which every message pays for.
/// Payloads go through Codable (`StreamingJSONEncoder`, Foundation's `JSONDecoder`); this is
/// only for the hot, fixed-shape frames.
public enum FlatJSON {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case bool(Bool)
        case null
    }

    public struct ParseError: Error, Sendable {
        public var reason: String
        public var offset: Int
    }

    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Fast path, every header field in practice: nothing to escape, so copy the bytes at once.
        let copied =
            s.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
                for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
                out.append(contentsOf: utf8)
                return true
            } ?? false
        if copied {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Encodes `fields` in the order given.
    public static func encode(_ fields: KeyValuePairs<String, Value>) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (key, value) in fields {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .string(let s): appendString(s, to: &out)
            case .integer(let n): out.append(contentsOf: String(n).utf8)
            case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .null: out.append(contentsOf: "null".utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    public static func parseObject(_ bytes: [UInt8]) throws(ParseError) -> [String: Value] {
        var result: [String: Value] = [:]
        try forEachField(bytes) { key, value in result[key] = value }
        return result
    }

    /// Calls `body` with each field in order, without building a dictionary.
    public static func forEachField(_ bytes: [UInt8], _ body: (String, Value) -> Void) throws(ParseError) {
        var reader = try FieldReader(bytes)
        while let field = try reader.next() {
            body(String(decoding: field.key, as: UTF8.self), field.value)  // the reader validated it
        }
    }

    /// Reads an object's fields one at a time, each key as bytes: a reader of a fixed-shape object
    /// (the envelope header, on every message) matches keys without making a `String` of each and
    /// without a closure capturing its results.
    public struct FieldReader {
        private var parser: Parser
        private var done = false

        /// Starts reading `bytes`, which must hold one JSON object.
        public init(_ bytes: [UInt8]) throws(ParseError) {
            parser = Parser(bytes: bytes)
            try parser.expect(UInt8(ascii: "{"))
            parser.skipSpace()
            if parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "}") {
                parser.i += 1
                try finish()
            }
        }

        /// The next field (its key unescaped), or `nil` after the last; throws on malformed JSON,
        /// including anything after the object.
        public mutating func next() throws(ParseError) -> (key: ArraySlice<UInt8>, value: Value)? {
            guard !done else { return nil }
            parser.skipSpace()
            let key = try parser.keyBytes()
            try parser.expect(UInt8(ascii: ":"))
            parser.skipSpace()
            let value = try parser.value()
            parser.skipSpace()
            guard parser.i < parser.bytes.count else { throw parser.fail("unterminated object") }
            if parser.bytes[parser.i] == UInt8(ascii: ",") {
                parser.i += 1
            } else if parser.bytes[parser.i] == UInt8(ascii: "}") {
                parser.i += 1
                try finish()
            } else {
                throw parser.fail("expected ',' or '}' at byte \(parser.i)")
            }
            return (key, value)
        }

        private mutating func finish() throws(ParseError) {
            done = true
            parser.skipSpace()
            guard parser.i == parser.bytes.count else { throw parser.fail("trailing bytes after the object at byte \(parser.i)") }
        }
    }

    fileprivate struct Parser {
        let bytes: [UInt8]
        var i = 0

        func fail(_ reason: String) -> ParseError { ParseError(reason: reason, offset: i) }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws(ParseError) {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { throw fail("expected '\(Character(Unicode.Scalar(c)))' at byte \(i)") }
            i += 1
        }

        /// A key's bytes: a slice of the input when it has no escapes (every key in practice),
        /// else its unescaped UTF-8.
        mutating func keyBytes() throws(ParseError) -> ArraySlice<UInt8> {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string at byte \(i)") }
            var j = i + 1
            while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != 92, bytes[j] >= 0x20 { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
                guard UTF8Text.isValid(bytes, (i + 1)..<j) else { throw fail("string is not UTF-8 at byte \(i + 1)") }
                defer { i = j + 1 }
                return bytes[(i + 1)..<j]
            }
            return ArraySlice(try string().utf8)
        }

        mutating func value() throws(ParseError) -> Value {
            guard i < bytes.count else { throw fail("missing value") }
            switch bytes[i] {
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try integer())
            default: throw fail("unsupported value at byte \(i) (only strings, integers, booleans and null)")
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            for c in word.utf8 {
                guard i < bytes.count, bytes[i] == c else { throw fail("bad literal at byte \(i)") }
                i += 1
            }
        }

        mutating func integer() throws(ParseError) -> Int64 {
            var negative = false
            if bytes[i] == UInt8(ascii: "-") {
                negative = true
                i += 1
            }
            var n: Int64 = 0
            let start = i
            while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 48))
                guard !o1, !o2 else { throw fail("integer out of range at byte \(start)") }
                n = a
                i += 1
            }
            guard i > start else { throw fail("bad number at byte \(start)") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                throw fail("only integers are allowed, at byte \(start)")
            }
            return negative ? -n : n
        }

        mutating func string() throws(ParseError) -> String {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string at byte \(i)") }
            i += 1
            let start = i
            // Fast path: no escapes.
            while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != 92 {
                if bytes[i] < 0x20 { throw fail("control character in string at byte \(i)") }
                i += 1
            }
            guard i < bytes.count else { throw fail("unterminated string") }
            if bytes[i] == UInt8(ascii: "\"") {
                defer { i += 1 }
                guard let s = UTF8Text.string(bytes, start..<i) else { throw fail("string is not UTF-8 at byte \(start)") }
                return s
            }
            var out = Array(bytes[start..<i])
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    guard let s = UTF8Text.string(out) else { throw fail("string is not UTF-8 at byte \(start)") }
                    return s
                }
                if c < 0x20 { throw fail("control character in string at byte \(i)") }
                if c != 92 {
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                guard i < bytes.count else { break }
                switch bytes[i] {
                case UInt8(ascii: "\""): out.append(34)
                case 92: out.append(92)
                case UInt8(ascii: "/"): out.append(47)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 2 < bytes.count, bytes[i + 1] == 92, bytes[i + 2] == UInt8(ascii: "u") else { throw fail("lone surrogate") }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("bad surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("bad \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("bad escape at byte \(i)")
                }
                i += 1
            }
            throw fail("unterminated string")
        }

        /// Reads the 4 hex digits after `\u`; leaves `i` on the last digit.
        mutating func hex4() throws(ParseError) -> UInt32 {
            guard i + 4 < bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for k in 1...4 {
                let c = bytes[i + k]
                let d: UInt32
                switch c {
                case 48...57: d = UInt32(c - 48)
                case 65...70: d = UInt32(c - 55)
                case 97...102: d = UInt32(c - 87)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v * 16 + d
            }
            i += 4
            return v
        }
    }
}
