/// A named request a service answers, with its typed input and output. One value is shared by
/// the service, which serves it over HTTP and its ROUTER, and by every caller (the CLI, tests,
/// another service), so the two ends cannot drift apart.
///
/// Over the ROUTER the request is `[{"op": name, "id": …}, <Input as JSON>]` and the reply
/// `[{"id": …, "ok": …, "status": …}, <Output as JSON, or the API error>]`.
public struct APIOperation<Input: Codable & Sendable, Output: Codable & Sendable>: Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }
}

/// The input of an operation that takes none, or the output of one that answers nothing.
public struct NoBody: Codable, Sendable, Equatable {
    public init() {}
}

/// An operation input taken as the JSON bytes themselves, for an operation that parses its input
/// by hand (intake's call parser: precise errors, and a rejected call is still recorded).
public struct RawJSON: Codable, Sendable, Equatable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "RawJSON is passed through, never decoded"))
    }

    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(bytes, .init(codingPath: encoder.codingPath, debugDescription: "RawJSON is passed through, never encoded"))
    }
}
