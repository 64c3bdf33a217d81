import Foundation
import Model

/// A JSON answer, the same over HTTP and over the ROUTER.
public struct APIResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    public init<T: Encodable>(status: Int = 200, json: T) {
        self.status = status
        self.body = (try? Array(Self.encoder.encode(json))) ?? Array("{}".utf8)
    }

    /// `{"error": {"code": …, "message": …, "field": …}}`
    public static func error(_ status: Int, code: String, message: String, field: String? = nil) -> APIResponse {
        APIResponse(status: status, json: ErrorBody(error: .init(code: code, message: message, field: field)))
    }

    public struct ErrorBody: Codable, Sendable {
        public struct Detail: Codable, Sendable {
            public var code: String
            public var message: String
            public var field: String?
        }
        public var error: Detail
    }

    static let encoder: JSONEncoder = {
        let e = JSONCodec.encoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}

/// The operations a service answers, by name. HTTP routes and the ROUTER socket call the same
/// handlers, so the two interfaces cannot drift apart.
public struct Operations: Sendable {
    public typealias Handler = @Sendable (_ body: [UInt8]) async -> APIResponse
    public var handlers: [String: Handler] = [:]

    public init() {}

    public subscript(op: String) -> Handler? {
        get { handlers[op] }
        set { handlers[op] = newValue }
    }
}
