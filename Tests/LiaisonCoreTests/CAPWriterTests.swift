import Foundation
@testable import LiaisonCore
import Model
import Testing

// CAP's numbers (polygon points, circle centre and radius) are worked out in integers, and text
// and identifiers are taken as they are when they hold nothing to escape or encode: all must
// give, byte for byte, what the renderer gave before (Foundation's `String(format: "%.7f")`,
// trailing zeros dropped; every character escaped or encoded one by one). The golden documents
// of CAPTests pin the rest.

@Suite struct CAPWriterTests {
    @Test func aDecimalIsWhatFoundationsFormatGaveForEveryValue() {
        var values: [Double] = [
            0, -0.0, 1, -1, 0.5, 0.05, 1e-7, -1e-7, 5e-8, -5e-8, 4.9999999e-8, 1.5e-7, 2.5e-7, 0.00390625, -0.00390625, 180, -180, 90,
            36.991158, 117.669942, 999_999_999.99999999, 1e9, 1e12, -1e15, 1e-9, 9.99e-10, .leastNonzeroMagnitude, .nan, .infinity,
            -.infinity, .greatestFiniteMagnitude,
        ]
        // Exact halves at the eighth decimal (odd k / 2^8) and binary fractions of every size.
        for n in 1...40 {
            for k in stride(from: 1, to: 4_000, by: n == 8 ? 2 : 37) { values += [Double(k) / Double(1 << n), -Double(k) / Double(1 << n)] }
        }
        // Either side of a rounding boundary (j + 0.5) / 10^7.
        for j in [0, 1, 2, 3, 7, 12_345, 999_999, 369_911_575, 1_176_699_425] {
            let b = (Double(j) + 0.5) / 1e7
            values += [b, b.nextUp, b.nextDown, -b, -b.nextUp]
        }
        // Positions and radii as alerts carry them, and numbers of every magnitude.
        var random = SplitMix64(seed: 7)
        for _ in 0..<100_000 {
            values.append((random.unit() - 0.5) * 360)
            values.append((random.unit() - 0.5) * pow(10, Double(random.next() % 20) - 10))
        }

        let differing = values.filter { CAPMessage.decimal($0) != foundationDecimal($0) }
        #expect(differing.isEmpty, "\(differing.prefix(5).map { "\($0): \(CAPMessage.decimal($0)) ≠ \(foundationDecimal($0))" })")
        #expect(values.count > 200_000)
    }
}

extension CAPWriterTests {
    @Test func textIsEscapedAsItWasCharacterByCharacter() {
        var texts = [
            "", "plain", "邹平示例化工有限公司（网格 G002）", "A&B <公司> \"x\"]]>", "tab\tline\nreturn\r", "bell\u{07}nul\u{00}esc\u{1B}",
            "del\u{7F}", "\u{FFFE}\u{FFFF}\u{FFFD}", "e\u{301} 👮🏽‍♀️ 𠀋", "&amp;", "'apostrophe'", "\u{85}\u{2028}",
        ]
        var random = SplitMix64(seed: 11)
        let pieces: [Unicode.Scalar] = [
            "a", "&", "<", ">", "\"", "\t", "\n", "\u{01}", "\u{1F}", "\u{7F}", "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "警", "\u{BF}", "\u{FEFF}",
        ]
        for _ in 0..<5_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<(random.next() % 12) { s.append(pieces[Int(random.next() % UInt64(pieces.count))]) }
            texts.append(String(s))
        }
        let differing = texts.filter { XMLWriter.escape($0) != escapedAsItWas($0) }
        #expect(differing.isEmpty, "\(differing.prefix(5).map { $0.unicodeScalars.map { String($0.value, radix: 16) } })")
    }
}

extension CAPWriterTests {
    @Test func anIdentifierIsEncodedAsItWasCharacterByCharacter() {
        var ids = ["", "I-1:E0002:opened", "precinct.liaison", "a b,c<d&e%f\tg　h", "~!@#$^*()_+{}|:\"?>`-=[]\\;'./", "\u{7F}\u{85}\u{A0}é警"]
        var random = SplitMix64(seed: 13)
        let pieces: [Unicode.Scalar] = [
            "a", "Z", "0", ":", "-", " ", ",", "<", "&", "%", ">", "\t", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "\u{3000}", "警", "~", "!",
        ]
        for _ in 0..<5_000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<(random.next() % 12) { s.append(pieces[Int(random.next() % UInt64(pieces.count))]) }
            ids.append(String(s))
        }
        let differing = ids.filter { CAPMessage.identifier($0) != identifierAsItWas($0) }
        #expect(differing.isEmpty, "\(differing.prefix(5))")
    }
}

/// The identifier encoding as it was.
private func identifierAsItWas(_ raw: String) -> String {
    var out = ""
    for scalar in raw.unicodeScalars {
        let v = scalar.value
        if v <= 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || scalar.properties.isWhitespace || "<&,%".unicodeScalars.contains(scalar) {
            for byte in String(scalar).utf8 {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            }
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The writer's escaping as it was.
private func escapedAsItWas(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The renderer's decimal as it was.
private func foundationDecimal(_ x: Double) -> String {
    var s = String(format: "%.7f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}
