/// A command or read scoring refuses, with the HTTP status and stable code the App answers with.
/// The Core cannot see the API layer's error type (no HTTP below the App), so it says what is
/// wrong in these terms and the App renders the one error shape.
public struct ScoringRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of refusal: the API status and code follow from it.
    public enum Kind: String, Sendable {
        case invalid
        case notFound = "not-found"
        case conflict
    }

    public var kind: Kind
    /// The input field at fault.
    public var field: String?
    public var message: String

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    /// 400: the input is wrong.
    public static func invalid(_ message: String, field: String? = nil) -> ScoringRefusal { .init(.invalid, message, field: field) }
    /// 404: no such incident.
    public static func notFound(_ message: String, field: String? = nil) -> ScoringRefusal { .init(.notFound, message, field: field) }
    /// 409: the input conflicts with what is recorded.
    public static func conflict(_ message: String, field: String? = nil) -> ScoringRefusal { .init(.conflict, message, field: field) }

    /// 400, 404 or 409.
    public var status: Int {
        switch kind {
        case .invalid: 400
        case .notFound: 404
        case .conflict: 409
        }
    }

    /// The error code of the API (`invalid`, `not-found`, `conflict`), as before the one error shape.
    public var code: String { kind.rawValue }

    public var description: String { message }
}
