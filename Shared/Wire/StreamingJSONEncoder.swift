import Foundation

/// Encodes an `Encodable` value straight into JSON bytes, as it is walked.
///
/// Every event a service emits was encoded by Foundation's `JSONEncoder`, which first builds a
/// tree of boxed values and then writes the tree out: the profile of `bench/quick.sh` put 10–12 %
/// of dispatch's and scoring's CPU there. This encoder writes each value where it is met, and
/// gives the JSON `JSONCodec.encoder()` gives (Foundation's encoder with ISO-8601 millisecond
/// times and unescaped slashes), every leaf written the same way, for the shapes the event
/// payloads use: keyed, unkeyed and single values, strings, integers, booleans, floating point,
/// dates and nulls. Keys come in the order they are encoded (declaration order), where
/// Foundation's encoder on Linux writes them in hash order, different in every process.
///
/// What it does not take on it reports as `Unsupported` rather than guessing: nested or super
/// containers, two containers for one value, a value that encodes nothing, non-finite numbers,
/// `Data`, `URL` and `Decimal`. `JSONCodec.encode` then hands the value to Foundation, so a
/// payload of a new shape is still encoded, only slower.
public struct StreamingJSONEncoder: Sendable {
    /// A shape this encoder leaves to Foundation's `JSONEncoder`.
    public struct Unsupported: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "not encoded by StreamingJSONEncoder: \(reason)" }
    }

    public init() {}

    /// `value` as JSON bytes; throws `Unsupported` for a shape it leaves to Foundation.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = JSONSink()
        try sink.write(value, parent: nil, key: nil)
        if let reason = sink.unsupported { throw Unsupported(reason: reason) }
        return sink.bytes
    }
}

/// The bytes being written, shared by every encoder of one `encode` call.
final class JSONSink {
    var bytes: [UInt8] = []
    /// Set when a shape was met that this encoder does not write (containers cannot throw).
    var unsupported: String?

    init() { bytes.reserveCapacity(512) }

    func fail(_ reason: String) { if unsupported == nil { unsupported = reason } }

    @inline(__always) func byte(_ b: UInt8) { bytes.append(b) }

    func literal(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                start = i + 1
                escape(b)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escapes Foundation's writer uses: short forms where JSON has them, else `\u00xx` in
    /// lower-case hex.
    private func escape(_ b: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch b {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            let digits = hex.utf8Start
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(b >> 4)], digits[Int(b & 0xF)]])
        }
    }

    func integer<I: BinaryInteger>(_ value: I) {
        if let small = Int64(exactly: value) {
            integer64(small)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    func integer64(_ value: Int64) {
        if value == 0 { return byte(UInt8(ascii: "0")) }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            while magnitude > 0 {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: buffer[at...])
        }
    }

    /// As Foundation writes it: the shortest round-tripping form, an integral value without ".0".
    func floatingPoint<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) {
        guard value.isFinite else { return fail("a non-finite number (\(value))") }
        let text = value.description
        if text.hasSuffix(".0") {
            bytes.append(contentsOf: text.utf8.dropLast(2))
        } else {
            bytes.append(contentsOf: text.utf8)
        }
    }

    /// Writes `value`: the common leaf types at once, anything else through its `encode(to:)`.
    func write<T: Encodable>(_ value: T, parent: JSONValueEncoder?, key: (any CodingKey)?) throws {
        // Type identity, not `as?`: a cast runs the runtime's dynamic cast for every value where
        // this is unspecialised (reached through `KeyedEncodingContainer`), a comparison does not.
        if T.self == String.self { return string(unsafeBitCast(value, to: String.self)) }
        if T.self == Date.self {
            bytes.append(UInt8(ascii: "\""))
            EventTime.append(unsafeBitCast(value, to: Date.self), to: &bytes)
            return bytes.append(UInt8(ascii: "\""))
        }
        if T.self == Int.self { return integer64(Int64(unsafeBitCast(value, to: Int.self))) }
        if T.self == Double.self { return floatingPoint(unsafeBitCast(value, to: Double.self)) }
        if T.self == Bool.self { return unsafeBitCast(value, to: Bool.self) ? literal("true") : literal("false") }
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            return fail("\(T.self) (Foundation has a strategy for it)")
        }
        let encoder = JSONValueEncoder(sink: self, parent: parent, key: key)
        try value.encode(to: encoder)
        encoder.finish()
    }
}

/// The encoder of one value: opens the one container the value asks for and closes it after.
final class JSONValueEncoder: Encoder {
    enum Opened { case none, keyed, unkeyed, single, singleWritten }

    let sink: JSONSink
    let parent: JSONValueEncoder?
    let key: (any CodingKey)?
    var opened = Opened.none
    /// Whether the open container has an element yet (the next one needs a comma).
    var hasElement = false

    init(sink: JSONSink, parent: JSONValueEncoder?, key: (any CodingKey)?) {
        self.sink = sink
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var at: JSONValueEncoder? = self
        while let encoder = at {
            if let key = encoder.key { path.append(key) }
            at = encoder.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private func open(_ kind: Opened) -> Bool {
        guard opened == .none else {
            sink.fail("a second container for one value at \(codingPath.map(\.stringValue))")
            return false
        }
        opened = kind
        return true
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if open(.keyed) { sink.byte(UInt8(ascii: "{")) }
        return KeyedEncodingContainer(JSONKeyedWriter<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if open(.unkeyed) { sink.byte(UInt8(ascii: "[")) }
        return JSONUnkeyedWriter(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        _ = open(.single)
        return JSONSingleWriter(encoder: self)
    }

    /// Starts the next element of the open container.
    func element() {
        if hasElement { sink.byte(UInt8(ascii: ",")) }
        hasElement = true
    }

    func key(_ key: some CodingKey) {
        element()
        sink.string(key.stringValue)
        sink.byte(UInt8(ascii: ":"))
    }

    /// A single value may be written once.
    func single() -> Bool {
        guard opened == .single else {
            sink.fail("a second value in one single-value container at \(codingPath.map(\.stringValue))")
            return false
        }
        opened = .singleWritten
        return true
    }

    func finish() {
        switch opened {
        case .keyed: sink.byte(UInt8(ascii: "}"))
        case .unkeyed: sink.byte(UInt8(ascii: "]"))
        case .singleWritten: break
        case .none, .single: sink.fail("a value that encoded nothing at \(codingPath.map(\.stringValue))")
        }
    }

    func nested(_ what: String) { sink.fail("a \(what) at \(codingPath.map(\.stringValue))") }
}

struct JSONKeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var sink: JSONSink { encoder.sink }

    init(encoder: JSONValueEncoder) { self.encoder = encoder }

    mutating func encodeNil(forKey key: Key) throws {
        encoder.key(key)
        sink.literal("null")
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        encoder.key(key)
        value ? sink.literal("true") : sink.literal("false")
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        encoder.key(key)
        sink.string(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        encoder.key(key)
        sink.floatingPoint(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        encoder.key(key)
        sink.floatingPoint(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        encoder.key(key)
        sink.integer(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        encoder.key(key)
        try sink.write(value, parent: encoder, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.nested("nested keyed container")
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(encoder: JSONValueEncoder(sink: JSONSink(), parent: encoder, key: key)))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.nested("nested unkeyed container")
        return JSONUnkeyedWriter(encoder: JSONValueEncoder(sink: JSONSink(), parent: encoder, key: key))
    }
    mutating func superEncoder() -> any Encoder {
        encoder.nested("super encoder")
        return JSONValueEncoder(sink: JSONSink(), parent: encoder, key: nil)
    }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.nested("super encoder")
        return JSONValueEncoder(sink: JSONSink(), parent: encoder, key: key)
    }
}

/// An array element's coding key (its index), for coding paths.
struct JSONIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

struct JSONUnkeyedWriter: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoder
    private(set) var count = 0
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var sink: JSONSink { encoder.sink }

    init(encoder: JSONValueEncoder) { self.encoder = encoder }

    private mutating func next() {
        encoder.element()
        count += 1
    }

    mutating func encodeNil() throws {
        next()
        sink.literal("null")
    }
    mutating func encode(_ value: Bool) throws {
        next()
        value ? sink.literal("true") : sink.literal("false")
    }
    mutating func encode(_ value: String) throws {
        next()
        sink.string(value)
    }
    mutating func encode(_ value: Double) throws {
        next()
        sink.floatingPoint(value)
    }
    mutating func encode(_ value: Float) throws {
        next()
        sink.floatingPoint(value)
    }
    mutating func encode(_ value: Int) throws {
        next()
        sink.integer(value)
    }
    mutating func encode(_ value: Int64) throws {
        next()
        sink.integer(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        next()
        try sink.write(value, parent: encoder, key: JSONIndexKey(index: count - 1))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.nested("nested keyed container")
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(encoder: JSONValueEncoder(sink: JSONSink(), parent: encoder, key: nil)))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.nested("nested unkeyed container")
        return JSONUnkeyedWriter(encoder: JSONValueEncoder(sink: JSONSink(), parent: encoder, key: nil))
    }
    mutating func superEncoder() -> any Encoder {
        encoder.nested("super encoder")
        return JSONValueEncoder(sink: JSONSink(), parent: encoder, key: nil)
    }
}

struct JSONSingleWriter: SingleValueEncodingContainer {
    let encoder: JSONValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var sink: JSONSink { encoder.sink }

    init(encoder: JSONValueEncoder) { self.encoder = encoder }

    mutating func encodeNil() throws { if encoder.single() { sink.literal("null") } }
    mutating func encode(_ value: Bool) throws { if encoder.single() { value ? sink.literal("true") : sink.literal("false") } }
    mutating func encode(_ value: String) throws { if encoder.single() { sink.string(value) } }
    mutating func encode(_ value: Double) throws { if encoder.single() { sink.floatingPoint(value) } }
    mutating func encode(_ value: Float) throws { if encoder.single() { sink.floatingPoint(value) } }
    mutating func encode(_ value: Int) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: Int8) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: Int16) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: Int32) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: Int64) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: UInt) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: UInt8) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: UInt16) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: UInt32) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode(_ value: UInt64) throws { if encoder.single() { sink.integer(value) } }
    mutating func encode<T: Encodable>(_ value: T) throws {
        if encoder.single() { try sink.write(value, parent: encoder.parent, key: encoder.key) }
    }
}
