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
