import Foundation

/// ISO-8601 in UTC with milliseconds: the one time format on the bus, in headers and payloads.
public enum EventTime {
    /// `2026-11-22T08:00:00.123Z`, rounded to the millisecond. Hand-written: every event pays it,
    /// and Foundation's formatter truncates (0.123 s came out as .122).
    public static func string(_ date: Date) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(date, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `date` as `string(date)` gives it, digit by digit (the JSON encoder writes times
    /// straight into the payload).
    public static func append(_ date: Date, to out: inout [UInt8]) {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(totalMillis.quotientAndRemainder(dividingBy: 1000).quotient)
        var millis = Int32(totalMillis.quotientAndRemainder(dividingBy: 1000).remainder)
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) {
            // A year past 9999 keeps all its digits, as `String(value)` padded did.
            var value = value
            if value < 0 {
                out.append(UInt8(ascii: "-"))
                value = -value
            }
            var width = width
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            while value / divisor >= 10 {
                divisor *= 10
                width += 1
            }
            for _ in 0..<width {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor))
                value %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(parts.tm_mon + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(parts.tm_mday, 2)
        out.append(UInt8(ascii: "T"))
        digits(parts.tm_hour, 2)
        out.append(UInt8(ascii: ":"))
        digits(parts.tm_min, 2)
        out.append(UInt8(ascii: ":"))
        digits(parts.tm_sec, 2)
        out.append(UInt8(ascii: "."))
        digits(millis, 3)
        out.append(UInt8(ascii: "Z"))
    }

    /// Reads an ISO-8601 time, with or without fractional seconds, in UTC (`Z`) or with an offset
    /// (`+08:00`, as a call-taker's system may send it). `nil` when it is not one.
    public static func date(_ string: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(string) { return date }
        if let date = try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(string) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: string) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: string)
    }
}
