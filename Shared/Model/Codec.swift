import Wire
import Foundation

/// The JSON conventions of every payload: ISO-8601 UTC times with milliseconds, camelCase keys.
public enum JSONCodec {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(EventTime.string(date))
        }
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }

    /// `value` as JSON, the JSON `encoder()` would give: written as it is walked
    /// (`StreamingJSONEncoder`), or by `fallback` (an `encoder()`, made only when needed) for a
    /// shape that encoder leaves to Foundation.
    public static func encode<T: Encodable>(_ value: T, fallback: @autoclosure () -> JSONEncoder) throws -> [UInt8] {
        do {
            return try StreamingJSONEncoder().encode(value)
        } catch is StreamingJSONEncoder.Unsupported {
            return Array(try fallback().encode(value))
        }
    }

    /// `value` as JSON text (for a column).
    public static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value, fallback: encoder()), as: UTF8.self)
    }

    /// The value `bytes` hold, as `decoder()` decodes it: read in place
    /// (`StreamingJSONDecoder`), or by `fallback` (a `decoder()`, made only when needed) for
    /// input that decoder leaves to Foundation, which then decodes it or gives the error it
    /// always gave.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], fallback: @autoclosure () -> JSONDecoder) throws -> T {
        do {
            return try StreamingJSONDecoder().decode(T.self, from: bytes)
        } catch {
            return try fallback().decode(T.self, from: Data(bytes))
        }
    }

    /// The value `data` holds, as `decode(_:from:fallback:)` reads bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, fallback: @autoclosure () -> JSONDecoder) throws -> T {
        try decode(T.self, from: Array(data), fallback: fallback())
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let s = try c.decode(String.self)
            guard let date = EventTime.date(s) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(s)' is not an ISO-8601 time (e.g. 2026-11-22T08:00:00Z)")
            }
            return date
        }
        return d
    }
}

/// A human-readable description of a decoding failure that names the field.
public func describe(_ error: any Error) -> (field: String, reason: String) {
    func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
    guard let error = error as? DecodingError else { return ("", "\(error)") }
    switch error {
    case .keyNotFound(let key, let ctx):
        return (path(ctx.codingPath + [key]), "is required")
    case .typeMismatch(let type, let ctx):
        return (path(ctx.codingPath), "has the wrong type (expected \(type))")
    case .valueNotFound(let type, let ctx):
        return (path(ctx.codingPath), "is null (expected \(type))")
    case .dataCorrupted(let ctx):
        let underlying = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
        return (path(ctx.codingPath), ctx.codingPath.isEmpty ? "body is not valid JSON\(underlying.map { ": \($0)" } ?? "")" : ctx.debugDescription)
    @unknown default:
        return ("", "\(error)")
    }
}
