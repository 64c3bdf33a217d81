import Foundation
import Testing
import Wire

@Suite struct HexTests {
    @Test func everyByteIsTwoLowercaseDigitsAsTheFormatterWritesThem() {
        let all = (0...255).map(UInt8.init)
        #expect(Hex.lowercase(all) == all.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.lowercase([UInt8]()) == "")
        #expect(Hex.lowercase([0x00, 0x0f, 0xf0, 0xff]) == "000ff0ff")
    }
}
