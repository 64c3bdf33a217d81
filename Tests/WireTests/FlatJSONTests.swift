import Foundation
import TestSupport
import Testing
import Wire

@Suite("FlatJSON")
struct FlatJSONTests {
    func parse(_ json: String) throws(FlatJSON.ParseError) -> [String: FlatJSON.Value] {
        try FlatJSON.parseObject(bytes(json))
    }

    @Test("parses every value kind, with whitespace around tokens")
    func valueKinds() throws {
        let fields = try parse(" { \"s\" : \"x\" ,\n\t\"n\":-42, \"z\":0, \"big\":9223372036854775807, \"t\":true,\"f\":false,\"nil\":null } \n")
        #expect(
            fields == [
                "s": .string("x"), "n": .integer(-42), "z": .integer(0), "big": .integer(Int64.max),
                "t": .bool(true), "f": .bool(false), "nil": .null,
            ])
        #expect(try parse("{}") == [:])
        #expect(try parse(" {  } ") == [:])
    }

    @Test("decodes the escapes of RFC 8259")
    func escapes() throws {
        let fields = try parse(#"{"a":"q\"b\\s\/n\nr\rt\tb\bf\f end","k\"ey":"v"}"#)
        #expect(fields["a"] == .string("q\"b\\s/n\nr\rt\tb\u{08}f\u{0C} end"))
        #expect(fields["k\"ey"] == .string("v"))
    }

    @Test("decodes \\u escapes, surrogate pairs and raw UTF-8")
    func unicode() throws {
        let fields = try parse(#"{"bmp":"\u53f0\u5B50","pair":"\ud83d\ude93","mixed":"a\u00e9b\uD83D\uDE93c","raw":"台子🚓","nul":"x\u0000y"}"#)
        #expect(fields["bmp"] == .string("台子"))
        #expect(fields["pair"] == .string("🚓"))
        #expect(fields["mixed"] == .string("aéb🚓c"))
        #expect(fields["raw"] == .string("台子🚓"))
        #expect(fields["nul"] == .string("x\u{0}y"))
    }

    static let malformed: [(String, String)] = [
        (#"{"a":{"b":1}}"#, "nested object"),
        (#"{"a":[1,2]}"#, "array"),
        (#"{"a":1.5}"#, "float"),
        (#"{"a":1e5}"#, "exponent"),
        (#"{"a":-}"#, "bare minus"),
        (#"{"a":92233720368547758070}"#, "integer overflow"),
        (#"{"a":1} x"#, "trailing garbage"),
        (#"{"a":1}}"#, "trailing brace"),
        (#"{"a":1,}"#, "trailing comma"),
        (#"{"a" 1}"#, "missing colon"),
        (#"{a:1}"#, "unquoted key"),
        (#"{"a":"x"#, "unterminated string"),
        (#"{"a":1"#, "unterminated object"),
        (#"{"a":tru}"#, "bad literal"),
        (#"{"a":"\ud83d"}"#, "lone high surrogate"),
        (#"{"a":"\ud83d\u0041"}"#, "high surrogate + non-surrogate"),
        (#"{"a":"\udc00"}"#, "lone low surrogate"),
        (#"{"a":"\u12"}"#, "short \\u escape"),
        (#"{"a":"\u12G4"}"#, "bad hex digit"),
        (#"{"a":"\x"}"#, "unknown escape"),
        ("{\"a\":\"line\nbreak\"}", "raw control character"),
        ("[1]", "array at top level"),
        ("", "empty input"),
    ]

    @Test("rejects what is not a flat object of strings, integers, booleans and null", arguments: malformed)
    func rejects(json: String, why: String) {
        #expect(throws: FlatJSON.ParseError.self, "\(why)") { try parse(json) }
    }

    @Test("rejects strings that are not UTF-8, on both the plain and the escaped path")
    func rejectsInvalidUTF8() {
        let plain: [UInt8] = bytes(#"{"a":""#) + [0xC3, 0x28] + bytes(#""}"#)
        let escaped: [UInt8] = bytes(#"{"a":"\n"#) + [0xFF] + bytes(#""}"#)
        #expect(throws: FlatJSON.ParseError.self) { try FlatJSON.parseObject(plain) }
        #expect(throws: FlatJSON.ParseError.self) { try FlatJSON.parseObject(escaped) }
    }

    @Test("a parse error says where and why")
    func errorReason() throws {
        let error = try #require(throws: FlatJSON.ParseError.self) { try parse(#"{"a":1.5}"#) }
        #expect(error.reason.contains("integer"))
        #expect(error.offset > 0)
    }

    @Test("encode → parse round-trips, and the output is JSON any reader accepts")
    func roundTrip() throws {
        let tricky = "q\"b\\s/n\nr\rt\t\u{01}\u{08}\u{0C}\u{1F}\u{7F} 台子派出所 🚓 é"
        let encoded = FlatJSON.encode([
            "s": .string(tricky), "empty": .string(""), "neg": .integer(Int64.min + 1), "max": .integer(Int64.max),
            "yes": .bool(true), "no": .bool(false), "none": .null, "键 \"k\"": .string("值"),
        ])
        let parsed = try FlatJSON.parseObject(encoded)
        #expect(
            parsed == [
                "s": .string(tricky), "empty": .string(""), "neg": .integer(Int64.min + 1), "max": .integer(Int64.max),
                "yes": .bool(true), "no": .bool(false), "none": .null, "键 \"k\"": .string("值"),
            ])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(encoded)) as? [String: Any])
        #expect(object["s"] as? String == tricky)
        #expect(object["键 \"k\""] as? String == "值")
        #expect(object["none"] is NSNull)
    }

    @Test("encode keeps the order given")
    func order() {
        #expect(
            text(FlatJSON.encode(["op": .string("replay"), "id": .string("b-1"), "after": .integer(5)]))
                == #"{"op":"replay","id":"b-1","after":5}"#)
        #expect(text(FlatJSON.encode([:])) == "{}")
    }
}
