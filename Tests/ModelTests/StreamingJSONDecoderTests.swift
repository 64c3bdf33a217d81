import Foundation
import Model
import Testing
import Wire

/// `JSONCodec.decode` must decode what Foundation's decoder (`JSONCodec.decoder()`) decodes, to
/// the same values, and refuse what it refuses with the same error (the field and the reason a
/// sender is told). The streaming decoder reads the payloads on the hot path itself; anything
/// else it leaves to Foundation.
@Suite("StreamingJSONDecoder")
struct StreamingJSONDecoderTests {
    /// The outcome of a decode, comparable: the value as JSON (keys in a fixed order), or the
    /// error as `describe` words it for a sender.
    private enum Outcome: Equatable, CustomStringConvertible {
        case value(String)
        case error(field: String, reason: String)

        /// Values compared as parsed JSON: a dictionary's keys come in no fixed order.
        static func == (a: Outcome, b: Outcome) -> Bool {
            switch (a, b) {
            case (.value(let x), .value(let y)):
                func parsed(_ json: String) -> NSObject? {
                    try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) as? NSObject
                }
                return x == y || (parsed(x) != nil && parsed(x) == parsed(y))
            case (.error(let f1, let r1), .error(let f2, let r2)): return f1 == f2 && r1 == r2
            default: return false
            }
        }

        var description: String {
            switch self {
            case .value(let json): "value \(json)"
            case .error(let field, let reason): "error \(field): \(reason)"
            }
        }
    }

    private func outcome<T: Codable>(_ body: () throws -> T) -> Outcome {
        do {
            return .value(String(decoding: try StreamingJSONEncoder().encode(try body()), as: UTF8.self))
        } catch {
            let (field, reason) = describe(error)
            return .error(field: field, reason: reason)
        }
    }

    /// Whether `JSONCodec.decode` and Foundation agree on `bytes` as a `T`.
    private func agree<T: Codable>(_ bytes: [UInt8], as type: T.Type) -> Bool {
        let ours = outcome { try JSONCodec.decode(T.self, from: bytes, fallback: JSONCodec.decoder()) }
        let theirs = outcome { try JSONCodec.decoder().decode(T.self, from: Data(bytes)) }
        if ours != theirs { Issue.record("\(String(decoding: bytes, as: UTF8.self))\nours: \(ours)\nFoundation: \(theirs)") }
        return ours == theirs
    }

    private func agree<T: Codable>(_ json: String, as type: T.Type) -> Bool { agree(Array(json.utf8), as: type) }

    /// Whether the streaming decoder itself reads `bytes` (no fallback).
    private func readsItself<T: Decodable>(_ bytes: [UInt8], as type: T.Type) -> Bool {
        do {
            _ = try StreamingJSONDecoder().decode(T.self, from: bytes)
            return true
        } catch {
            Issue.record("\(T.self): \(error)")
            return false
        }
    }

    @Test("every payload in the catalogue decodes by itself, to the value Foundation gives, whichever encoder wrote it")
    func catalogue() throws {
        func check<P: EventPayload>(_ type: P.Type) throws -> Bool {
            let streamed = try StreamingJSONEncoder().encode(P.example)
            let foundation = Array(try JSONCodec.encoder().encode(P.example))
            return readsItself(streamed, as: P.self) && readsItself(foundation, as: P.self)
                && agree(streamed, as: P.self) && agree(foundation, as: P.self)
        }
        var checked = 0
        for type in EventCatalogue.all {
            #expect(try check(type), "\(type)")
            checked += 1
        }
        #expect(checked >= 35)
    }

    struct Leaves: Codable, Equatable {
        var text: String
        var optional: String?
        var absent: Int?
        var integers: [Int]
        var wide: UInt64
        var small: Int8
        var negative: Int64
        var doubles: [Double]
        var flag: Bool
        var when: Date
        var nested: [String: [Int]]
        var maybe: [String?]
        var empty: [String]
    }

    @Test("strings with every escape, surrogate pairs and Chinese; numbers at their edges; white space anywhere")
    func leaves() throws {
        let json = #"""
             { "text" : "a \"q\" \\ \/ \b\f\n\r\t \u0001\u001f\u00e9\u4e2d \ud83d\ude00 邹平市 é 😀" ,
              "optional":"x","absent":null,"integers":[0,1,-1,9223372036854775807,-9223372036854775808],
              "wide":18446744073709551615,"small":-128,"negative":-9223372036854775808,
              "doubles":[0,1,-1,0.1,1.5,117.809433,36.851102,1e21,1E-7,123456789.125,-0.0,2.5e+3],
              "flag":true,"when":"2026-11-22T08:00:00.123Z","nested":{"only":[1,2],"two":[]},
              "maybe":["a",null],"empty":[],"unknown":{"deep":[1,{"x":"y"},null,true,false,-0.5e-3]} }
            """#
        #expect(readsItself(Array(json.utf8), as: Leaves.self))
        #expect(agree(json, as: Leaves.self))
        let value = try JSONCodec.decode(Leaves.self, from: Array(json.utf8), fallback: JSONCodec.decoder())
        #expect(value == (try JSONCodec.decoder().decode(Leaves.self, from: Data(json.utf8))))
        #expect(value.text.hasSuffix("中 😀 邹平市 é 😀"))
        #expect(value.wide == UInt64.max && value.negative == Int64.min)
        #expect(value.optional == "x" && value.absent == nil)
    }

    struct Small: Codable { var a: Int8 }
    struct Number: Codable { var n: Int }
    struct Real: Codable { var d: Double }
    struct Text: Codable { var s: String }
    struct Flag: Codable { var b: Bool }
    struct Optional2: Codable { var o: Int? }
    struct Blob: Codable { var data: Data }
    struct Single: Codable { var f: Float }
    enum Kind: String, Codable { case a, b }
    struct Kinds: Codable { var kinds: [Kind] }

    @Test(
        "malformed or unusual input: it leaves it to Foundation, which decodes it or refuses it with its own error",
        arguments: [
            #"{"n":1,}"#, #"{"n":01}"#, #"{"n":1.0}"#, #"{"n":1e2}"#, #"{"n":-}"#, #"{"n":"1"}"#, #"{"n":null}"#, #"{}"#,
            #"{"n":9223372036854775808}"#, #"{"n":1} x"#, #"{"n":1"#, #"{"n":tru}"#, #"{"n":1,"n":2}"#, #"{"\u006e":3}"#,
            #"[1]"#, #""#, #"   "#, #"{"n":1}   "#, #"{"n" 1}"#, #"{n:1}"#, #"{"n":[1]}"#, #"{"n":{}}"#,
        ])
    func integers(json: String) {
        #expect(agree(json, as: Number.self))
    }

    @Test(
        "strings, booleans, doubles, optionals, enums and Foundation's own types: the same outcome as Foundation",
        arguments: [
            (#"{"s":"\ud800"}"#, "Text"), (#"{"s":"\ud800\u0041"}"#, "Text"), (#"{"s":"\x"}"#, "Text"), (#"{"s":"\u12"}"#, "Text"),
            ("{\"s\":\"a\u{1}b\"}", "Text"), (#"{"s":1}"#, "Text"), (#"{"s":"\u0000"}"#, "Text"),
            (#"{"b":1}"#, "Flag"), (#"{"b":"true"}"#, "Flag"), (#"{"b":false}"#, "Flag"),
            (#"{"d":1e400}"#, "Real"), (#"{"d":-1e-400}"#, "Real"), (#"{"d":.5}"#, "Real"), (#"{"d":5.}"#, "Real"), (#"{"d":12}"#, "Real"),
            (#"{"o":null}"#, "Optional2"), (#"{}"#, "Optional2"), (#"{"o":"x"}"#, "Optional2"),
            (#"{"a":128}"#, "Small"), (#"{"a":-129}"#, "Small"), (#"{"a":-128}"#, "Small"),
            (#"{"kinds":["a","c"]}"#, "Kinds"), (#"{"kinds":["b","a"]}"#, "Kinds"),
            (#"{"data":"AQID"}"#, "Blob"), (#"{"f":0.1}"#, "Single"),
        ] as [(String, String)])
    func others(json: String, type: String) {
        switch type {
        case "Text": #expect(agree(json, as: Text.self))
        case "Flag": #expect(agree(json, as: Flag.self))
        case "Real": #expect(agree(json, as: Real.self))
        case "Optional2": #expect(agree(json, as: Optional2.self))
        case "Small": #expect(agree(json, as: Small.self))
        case "Kinds": #expect(agree(json, as: Kinds.self))
        case "Blob": #expect(agree(json, as: Blob.self))
        default: #expect(agree(json, as: Single.self))
        }
    }

    @Test(
        "text beyond ASCII: well-formed UTF-8 is read, anything else (overlong, surrogates, past U+10FFFF, cut short) refused as Foundation refuses it",
        arguments: [
            [0xFF, 0xFE], [0xE4, 0xB8], [0xC0, 0x80], [0xC1, 0xBF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
            [0xE0, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0x80], [0xE4, 0xB8, 0xAD, 0xB8],
            [0xC2, 0x80], [0xE4, 0xB8, 0xAD], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ] as [[UInt8]])
    func utf8(text: [UInt8]) {
        let json = Array(#"{"s":"a"#.utf8) + text + Array(#"b"}"#.utf8)
        #expect(agree(json, as: Text.self))
        #expect(agree(Array(#"{"s":"\n"#.utf8) + text + Array(#""}"#.utf8), as: Text.self), "after an escape")
    }

    struct Deep: Codable { var n: [[[Int]]] }

    @Test("a document nested deeper than Foundation reads is refused, not recursed into")
    func deep() {
        let depth = 100_000
        let json =
            Array(#"{"n":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: depth) + [UInt8](repeating: UInt8(ascii: "]"), count: depth) + [
                UInt8(ascii: "}")
            ]
        #expect(agree(json, as: Deep.self))
        #expect(agree(#"{"n":[[[1,2],[]],[]]}"#, as: Deep.self))
    }

    @Test("2,000 random corruptions of catalogue payloads: the same value or the same error as Foundation")
    func corruptions() throws {
        var random = SplitMix64(seed: 20_261_202)
        let alphabet = Array(#"{}[]":,.-+0123456789eEtrfalsnu\ "#.utf8) + [0x01, 0xC3, 0xA9, 0xFF]
        func check<P: EventPayload>(_ type: P.Type) throws -> Bool {
            var bytes = try StreamingJSONEncoder().encode(P.example)
            for _ in 0...Int(random.next() % 3) where !bytes.isEmpty {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                }
            }
            return agree(bytes, as: P.self)
        }
        var disagreements = 0
        for round in 0..<2_000 {
            let type = EventCatalogue.all[round % EventCatalogue.all.count]
            if try !check(type) { disagreements += 1 }
        }
        #expect(disagreements == 0)
    }
}
