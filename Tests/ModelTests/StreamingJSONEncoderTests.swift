import Foundation
import Model
import Testing
import Wire

/// `StreamingJSONEncoder` must give the JSON Foundation's encoder gives (`JSONCodec.encoder()`):
/// the same values, every leaf written the same way, so events stored before it and after it do
/// not differ and every reader of the bus reads it as before. Only the order of keys differs:
/// Foundation's encoder on Linux writes an object's keys in hash order, which changes from process
/// to process; this one writes them in the order they are encoded.
@Suite("StreamingJSONEncoder")
struct StreamingJSONEncoderTests {
    private func foundation<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCodec.encoder().encode(value), as: UTF8.self)
    }

    private func streaming<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try StreamingJSONEncoder().encode(value), as: UTF8.self)
    }

    /// The same JSON values (objects compared as dictionaries).
    private func sameJSON<T: Encodable>(_ value: T) throws -> Bool {
        let ours = try streaming(value)
        let theirs = try foundation(value)
        let a = try JSONSerialization.jsonObject(with: Data(ours.utf8), options: [.fragmentsAllowed]) as? NSObject
        let b = try JSONSerialization.jsonObject(with: Data(theirs.utf8), options: [.fragmentsAllowed]) as? NSObject
        let same = a != nil && a == b
        if !same { Issue.record("streaming: \(ours)\nFoundation: \(theirs)") }
        return same
    }

    /// The same bytes: for a value with at most one key per object, where order cannot differ.
    private func sameBytes<T: Encodable>(_ value: T) throws -> Bool {
        let ours = try streaming(value)
        let theirs = try foundation(value)
        if ours != theirs { Issue.record("streaming: \(ours)\nFoundation: \(theirs)") }
        return ours == theirs
    }

    @Test("every payload in the catalogue, with every optional field set, encodes to the JSON Foundation gives")
    func catalogue() throws {
        func check<P: EventPayload>(_ type: P.Type) throws -> Bool { try sameJSON(P.example) }
        var checked = 0
        for type in EventCatalogue.all {
            #expect(try check(type), "\(type)")
            checked += 1
        }
        #expect(checked == EventCatalogue.all.count)
        #expect(checked >= 35)
    }

    @Test("keys in the order they are encoded, the same in every process")
    func order() throws {
        #expect(try streaming(IncidentEnded.example).hasPrefix(#"{"incidentId":"I00000042","outcome":"#))
    }

    struct One<T: Encodable>: Encodable { var value: T }

    struct Leaves: Encodable {
        var text: String
        var optional: String?
        var absent: Int?
        var integers: [Int]
        var wide: UInt64
        var small: Int8
        var negative: Int64
        var doubles: [Double]
        var float: Float
        var flag: Bool
        var when: Date
        var nested: [String: [Int]]
        var maybe: [String?]
        var empty: [String]
    }

    @Test("strings with quotes, backslashes, slashes, control characters and Chinese; numbers at their edges: byte for byte")
    func leaves() throws {
        let value = Leaves(
            text: "a \"quoted\" \\ back/slash\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} 邹平市 é 😀", optional: "x", absent: nil,
            integers: [0, 1, -1, Int.max, Int.min], wide: UInt64.max, small: -128, negative: Int64.min,
            doubles: [0, 1, -1, 0.1, 1.5, 117.809433, 36.851102, 1e21, 1e-7, 123_456_789.125, -0.0],
            float: 0.25, flag: true, when: Date(timeIntervalSince1970: 1_795_334_400.123),
            nested: ["only": [1, 2]], maybe: ["a", nil], empty: [])
        #expect(try sameJSON(value))
        #expect(try sameBytes(One(value: value.text)))
        #expect(try sameBytes(One(value: value.optional)))
        #expect(try sameBytes(One(value: value.absent)))
        #expect(try sameBytes(One(value: value.integers)))
        #expect(try sameBytes(One(value: value.wide)))
        #expect(try sameBytes(One(value: value.small)))
        #expect(try sameBytes(One(value: value.negative)))
        #expect(try sameBytes(One(value: value.doubles)))
        #expect(try sameBytes(One(value: value.float)))
        #expect(try sameBytes(One(value: value.flag)))
        #expect(try sameBytes(One(value: value.when)))
        #expect(try sameBytes(One(value: value.nested)))
        #expect(try sameBytes(One(value: value.maybe)))
        #expect(try sameBytes(One(value: value.empty)))
        #expect(try sameBytes(value.doubles))
        #expect(try sameBytes("top-level string"))
    }

    enum Kind: String, Encodable { case a, b }
    struct Wrapper: Encodable {
        var kinds: [Kind]
        var inner: [Leaves]
    }

    @Test("raw-value enums, arrays of objects")
    func composites() throws {
        let leaves = Leaves(
            text: "", optional: nil, absent: 3, integers: [], wide: 0, small: 0, negative: 0, doubles: [], float: 0, flag: false,
            when: Date(timeIntervalSince1970: 0), nested: [:], maybe: [], empty: [])
        #expect(try sameJSON(Wrapper(kinds: [.a, .b], inner: [leaves, leaves])))
        #expect(try sameBytes(One(value: [Kind.a, .b])))
    }

    struct Nested: Encodable {
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: JSONIndexKeys.self)
            var inner = outer.nestedContainer(keyedBy: JSONIndexKeys.self, forKey: .a)
            try inner.encode(1, forKey: .a)
        }
    }
    enum JSONIndexKeys: CodingKey { case a }
    struct NotFinite: Encodable { var value = Double.nan }
    struct Blob: Encodable { var data = Data([1, 2, 3]) }

    @Test("a shape it leaves to Foundation is refused as Unsupported, and JSONCodec.encode falls back to Foundation's bytes")
    func unsupported() throws {
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(Nested()) }
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(Blob()) }
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(NotFinite()) }
        let fallback = JSONCodec.encoder()
        #expect(try JSONCodec.encode(Nested(), fallback: fallback) == Array(try fallback.encode(Nested())))
        #expect(try JSONCodec.encode(Blob(), fallback: fallback) == Array(try fallback.encode(Blob())))
        // Foundation refuses a non-finite number too: the error is its, naming the value.
        #expect(throws: EncodingError.self) { try JSONCodec.encode(NotFinite(), fallback: fallback) }
    }
}

@Suite("EventTime written as bytes")
struct EventTimeBytesTests {
    @Test(
        "append gives the text string gives, for times across the years and around midnight",
        arguments: [
            0, 1_795_334_400.123, 1_795_334_399.9995, 951_782_400.5, 4_102_444_799.999, 253_402_300_800, -1.5,
        ])
    func sameText(seconds: Double) {
        var bytes: [UInt8] = []
        EventTime.append(Date(timeIntervalSince1970: seconds), to: &bytes)
        let text = EventTime.string(Date(timeIntervalSince1970: seconds))
        #expect(String(decoding: bytes, as: UTF8.self) == text)
        #expect(text.count >= 24)
    }

    @Test("the fixed examples")
    func examples() {
        #expect(EventTime.string(Date(timeIntervalSince1970: 253_402_300_800)) == "10000-01-01T00:00:00.000Z")
        #expect(EventTime.string(Date(timeIntervalSince1970: -1.5)) == "1969-12-31T23:59:58.500Z")
        #expect(EventTime.string(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
    }
}
