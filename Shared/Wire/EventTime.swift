import Foundation

/// ISO-8601 in UTC with milliseconds: the one time format on the bus, in headers and payloads.
public enum EventTime {
    /// `2026-11-22T08:00:00.123Z`, rounded to the millisecond. Hand-written: every event pays it,
    /// and Foundation's formatter truncates (0.123 s came out as .122).
    public static func string(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(totalMillis.quotientAndRemainder(dividingBy: 1000).quotient)
        var millis = Int32(totalMillis.quotientAndRemainder(dividingBy: 1000).remainder)
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out = ""
        out.reserveCapacity(24)
        func pad(_ value: Int32, _ width: Int) {
            let digits = String(value)
            if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
            out += digits
        }
        pad(parts.tm_year + 1900, 4)
        out += "-"
        pad(parts.tm_mon + 1, 2)
        out += "-"
        pad(parts.tm_mday, 2)
        out += "T"
        pad(parts.tm_hour, 2)
        out += ":"
        pad(parts.tm_min, 2)
        out += ":"
        pad(parts.tm_sec, 2)
        out += "."
        pad(millis, 3)
        out += "Z"
        return out
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
