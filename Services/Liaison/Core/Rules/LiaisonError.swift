import Foundation
import Model

/// A refused write: the HTTP status, a code, and every problem found (each names its field).
public struct LiaisonError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var problems: [FieldError]

    public init(status: Int, code: String, problems: [FieldError]) {
        self.status = status
        self.code = code
        self.problems = problems
    }

    public static func invalid(_ problems: [FieldError]) -> LiaisonError {
        LiaisonError(status: 422, code: "invalid", problems: problems)
    }

    public static func notFound(_ field: String, _ reason: String) -> LiaisonError {
        LiaisonError(status: 404, code: "not-found", problems: [FieldError(field: field, reason: reason)])
    }

    public static func conflict(_ field: String, _ reason: String) -> LiaisonError {
        LiaisonError(status: 409, code: "conflict", problems: [FieldError(field: field, reason: reason)])
    }

    public var message: String { problems.map(\.description).joined(separator: "; ") }
    public var description: String { "\(code): \(message)" }
}
