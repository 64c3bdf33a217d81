import TestSupport
import Testing
import Wire

/// The hot-path readers of the envelope (issue 14): the pull-style field reader with keys as
/// bytes, the ASCII-first UTF-8 check, and the header decode that matches keys without Strings.
@Suite("FlatJSON.FieldReader and UTF8Text")
struct FieldReaderTests {
    func fields(_ json: String) throws(FlatJSON.ParseError) -> [(String, FlatJSON.Value)] {
        var reader = try FlatJSON.FieldReader(bytes(json))
        var out: [(String, FlatJSON.Value)] = []
        while let (key, value) = try reader.next() { out.append((String(decoding: key, as: UTF8.self), value)) }
        return out
    }

    @Test("reads the fields in order, keys as bytes, escaped keys unescaped")
    func inOrder() throws {
        let read = try fields(#" {"b":1, "a":"x", "k\"ey":null, "t\u0079pe":true} "#)
        #expect(read.map(\.0) == ["b", "a", "k\"ey", "type"])
        #expect(read.map(\.1) == [.integer(1), .string("x"), .null, .bool(true)])
        #expect(try fields("{}").isEmpty)
        #expect(try fields(" { } ").isEmpty)
    }

    @Test("after the last field, nil again and again")
    func endIsSticky() throws {
        var reader = try FlatJSON.FieldReader(bytes(#"{"a":1}"#))
        #expect(try reader.next() != nil)
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test("malformed input throws, including trailing bytes and a key that is not UTF-8")
    func rejects() {
        for json in [#"{"a":1} x"#, #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":1"#, "", "[1]"] {
            #expect(throws: FlatJSON.ParseError.self, "\(json)") { _ = try fields(json) }
        }
        let badKey: [UInt8] = bytes(#"{""#) + [0xC3, 0x28] + bytes(#"":1}"#)
        #expect(throws: FlatJSON.ParseError.self) {
            var reader = try FlatJSON.FieldReader(badKey)
            _ = try reader.next()
        }
    }

    @Test("UTF8Text: ASCII, multi-byte text, invalid bytes and a range")
    func utf8Text() {
        #expect(UTF8Text.string(bytes("incident.opened.R1")) == "incident.opened.R1")
        #expect(UTF8Text.string(bytes("台子派出所 🚓")) == "台子派出所 🚓")
        #expect(UTF8Text.string([0x61, 0xC3, 0x28]) == nil)
        #expect(UTF8Text.string([0xFF]) == nil)
        #expect(UTF8Text.string([]) == "")
        #expect(UTF8Text.string(bytes("ab台c"), 1..<5) == "b台")
        #expect(UTF8Text.string(bytes("ab台c"), 1..<4) == nil)  // cuts the character in two
        #expect(UTF8Text.isValid(bytes("ab台c"), 0..<6))
        #expect(!UTF8Text.isValid(bytes("ab台c"), 0..<3))
    }

    @Test("the header decode matches keys by bytes: escaped keys, any order, look-alike keys ignored")
    func headerKeys() throws {
        let json =
            #"{"seq":7,"t\u0069me":"T","typ":"no","types":"no","type":"incident.opened","id":"x:e:7","epoch":"e","source":"x","version":2,"i":"no"}"#
        let header = try EventHeader.decode(bytes(json))
        #expect(header.type == "incident.opened")
        #expect(header.time == "T")
        #expect(header.seq == 7)
        #expect(header.version == 2)
        #expect(header.id == "x:e:7")
    }

    @Test("a header field of the wrong kind is named")
    func headerWrongKind() {
        for (json, field) in [
            (#"{"id":"x:e:1","type":1,"version":1,"source":"x","epoch":"e","seq":1,"time":"T"}"#, "type"),
            (#"{"id":"x:e:1","type":"t","version":"1","source":"x","epoch":"e","seq":1,"time":"T"}"#, "version"),
            (#"{"id":"x:e:1","type":"t","version":1,"source":"x","epoch":"e","seq":1,"time":"T","causationId":5}"#, "causationId"),
        ] {
            #expect(throws: EnvelopeError.self) { try EventHeader.decode(bytes(json)) }
            do {
                _ = try EventHeader.decode(bytes(json))
            } catch {
                #expect(error.description.contains("'\(field)'"), "\(error)")
            }
        }
    }
}
