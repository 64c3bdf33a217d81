import Foundation
import Model

/// Turns the bytes of a call (HTTP body or ROUTER frame, the same JSON) into a ``CallRequest``,
/// or into a rejection that names the field, the reason and a reason code. Runs off the engine
/// thread (decoding is the costly part); the engine only records the outcome.
public struct CallParser: Sendable {
    public static let maxCallBytes = 64 * 1024
    /// How much of an unreadable or oversized body is kept as evidence.
    public static let evidenceBytes = 4 * 1024

    /// What could be read from an unreadable call, so its record is still useful (and a retry of
    /// the same `clientRef` is answered, not recorded twice).
    public struct Hints: Sendable, Hashable {
        public var channel: String?
        public var callTaker: String?
        public var callerPhone: String?
        public var clientRef: String?

        public init(channel: String? = nil, callTaker: String? = nil, callerPhone: String? = nil, clientRef: String? = nil) {
            self.channel = channel
            self.callTaker = callTaker
            self.callerPhone = callerPhone
            self.clientRef = clientRef
        }
    }

    public enum Parsed: Sendable {
        case call(CallRequest)
        /// `status`: 400 unreadable, 413 too large, 422 readable but not a valid call.
        case unreadable(FieldError, status: Int, hints: Hints)
    }

    /// One decoder for every call: building a JSONDecoder per call is measurable on the hot path.
    private let decoder = JSONCodec.decoder()

    public init() {}

    /// Decodes the call in one pass. Only a call that does not decode is read a second time, as
    /// loose JSON, to name its problem precisely and keep what is readable (its hints).
    public func parse(_ body: [UInt8]) -> Parsed {
        if body.count > Self.maxCallBytes {
            return .unreadable(Self.tooLarge(body.count), status: 413, hints: Hints())
        }
        do {
            return .call(try JSONCodec.decode(CallRequest.self, from: body, fallback: decoder))
        } catch {
            return diagnose(body, error)
        }
    }

    /// Why `body` is not a call, in the order a reader would check: JSON at all, an object, a
    /// known channel and category, then the decoder's own complaint.
    func diagnose(_ body: [UInt8], _ error: any Error) -> Parsed {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) else {
            return .unreadable(FieldError(field: "", reason: "body is not valid JSON", code: "invalid-json"), status: 400, hints: Hints())
        }
        guard let fields = object as? [String: Any] else {
            let problem = FieldError(field: "", reason: "body must be a JSON object (a call)", code: "invalid-json")
            return .unreadable(problem, status: 400, hints: Hints())
        }
        let hints = Hints(
            channel: fields["channel"] as? String, callTaker: fields["callTaker"] as? String,
            callerPhone: (fields["caller"] as? [String: Any])?["phone"] as? String, clientRef: fields["clientRef"] as? String)
        if let channel = fields["channel"] as? String, Channel(rawValue: channel) == nil {
            let known = Channel.allCases.map(\.rawValue).joined(separator: ", ")
            let problem = FieldError(field: "channel", reason: "'\(channel)' is not a channel (one of \(known))", code: "unknown-channel")
            return .unreadable(problem, status: 422, hints: hints)
        }
        if let category = fields["categoryHint"] as? String, Category(rawValue: category) == nil {
            let known = Category.allCases.map(\.rawValue).joined(separator: ", ")
            let problem = FieldError(field: "categoryHint", reason: "'\(category)' is not a category (one of \(known))", code: "unknown-category")
            return .unreadable(problem, status: 422, hints: hints)
        }
        let (field, reason) = describe(error)
        let code: String
        var status = 400
        switch error as? DecodingError {
        case .keyNotFound?, .valueNotFound?:
            code = "missing-field"
            status = 422
        case .typeMismatch?: code = "wrong-type"
        case .dataCorrupted(let ctx)? where ctx.codingPath.last?.stringValue == "receivedAt":
            code = "impossible-time"
            status = 422
        default:
            code = "invalid-value"
            status = 422
        }
        return .unreadable(FieldError(field: field, reason: reason, code: code), status: status, hints: hints)
    }

    public static func tooLarge(_ size: Int?) -> FieldError {
        let what = size.map { "\($0) bytes" } ?? "larger than that"
        return FieldError(field: "", reason: "body is \(what); a call is at most \(maxCallBytes) bytes", code: "too-large")
    }
}
