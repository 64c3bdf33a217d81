import Foundation
import Model

/// The one error of every service's API, over HTTP and the ROUTER alike, with one JSON shape:
///
/// ```json
/// {"error": {"code": "invalid-value", "field": "location.lat", "message": "location.lat must be …"}}
/// ```
///
/// `code` is stable and machine-readable (docs/errors.md lists them); `field` names the input
/// field at fault (absent when the request as a whole is wrong); `message` is for people.
/// `callId` is set when intake recorded a call it rejected, so the record can be found.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (also the `status` of a ROUTER reply).
    public var status: Int
    public var code: String
    public var message: String
    public var field: String?
    public var callId: String?

    public init(status: Int, code: String, message: String, field: String? = nil, callId: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.callId = callId
    }

    public var description: String { "\(status) \(code)\(field.map { " (\($0))" } ?? ""): \(message)" }

    /// 400: the input is not what the operation takes.
    public static func invalid(_ message: String, field: String? = nil, code: String = "invalid-value") -> APIError {
        APIError(status: 400, code: code, message: message, field: field)
    }

    /// 400 from a decoding failure, naming the field.
    public static func undecodable(_ error: any Error) -> APIError {
        let (field, reason) = describe(error)
        return APIError(
            status: 400, code: "invalid-request", message: field.isEmpty ? reason : "\(field) \(reason)", field: field.isEmpty ? nil : field)
    }

    /// 404: no such thing.
    public static func notFound(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 404, code: "not-found", message: message, field: field)
    }

    /// 409: the request conflicts with the current state.
    public static func conflict(_ message: String, field: String? = nil, code: String = "conflict") -> APIError {
        APIError(status: 409, code: code, message: message, field: field)
    }

    /// 503: not done (the service is stopping, or its store failed); safe to retry.
    public static func unavailable(_ error: any Error) -> APIError {
        APIError(status: 503, code: "unavailable", message: "not done: \(error)")
    }

    /// What any error thrown by a handler becomes: an `APIError` as it is; anything else 503
    /// (nothing was acknowledged, so a retry is safe).
    public static func from(_ error: any Error) -> APIError {
        (error as? APIError) ?? .unavailable(error)
    }

    /// The JSON body.
    public var body: [UInt8] {
        let detail = Detail(code: code, field: field, message: message, callId: callId)
        return (try? Array(APIEncoding.encoder.encode(Body(error: detail)))) ?? Array(#"{"error":{"code":"internal"}}"#.utf8)
    }

    /// The shape, for clients that decode it.
    public struct Body: Codable, Sendable, Equatable {
        public var error: Detail
    }

    public struct Detail: Codable, Sendable, Equatable {
        public var code: String
        public var field: String?
        public var message: String
        public var callId: String?

        public init(code: String, field: String?, message: String, callId: String? = nil) {
            self.code = code
            self.field = field
            self.message = message
            self.callId = callId
        }
    }
}

/// The JSON of API bodies: the bus's conventions (ISO-8601 times, camelCase), keys sorted so
/// answers are stable to compare.
public enum APIEncoding {
    public static let encoder: JSONEncoder = {
        let encoder = JSONCodec.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let decoder: JSONDecoder = JSONCodec.decoder()
}
