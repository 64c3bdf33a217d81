/// Bytes as lowercase hexadecimal text (hashes as text): two digits per byte, written straight
/// into one buffer. `String(format: "%02x")` per byte went through CoreFoundation's formatter 32
/// times per hash, a fifth of intake's CPU per call.
public enum Hex {
    /// `bytes` as lowercase hex, two digits per byte, most significant nibble first.
    public static func lowercase<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
