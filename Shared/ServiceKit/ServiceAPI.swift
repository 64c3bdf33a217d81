import Foundation
import HTTPTypes
import Hummingbird
import Model
import Wire

/// An operation's answer: its status (the HTTP status, and the ROUTER reply's `status`) and body.
public struct Reply<Body: Encodable & Sendable>: Sendable {
    public var status: Int
    public var body: Body

    public init(_ body: Body, status: Int = 200) {
        self.status = status
        self.body = body
    }
}

/// An encoded answer, as both interfaces send it.
public struct EncodedReply: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    init(_ error: APIError) { self.init(status: error.status, body: error.body) }
}

/// A service's requests: typed ``APIOperation``s answered the same way over HTTP and the ROUTER
/// (and so by the CLI and other services), and the HTTP routes that reach them. Handlers throw
/// ``APIError``; the one error shape is rendered for them.
///
/// Every operation declares, where it is answered, the roles that may run it (`allow:`): an
/// operation without roles does not compile, and the same table guards HTTP (bearer tokens) and
/// the ROUTER (CURVE keys' roles). docs/security.md has the table, generated from these lines.
///
/// ```swift
/// var api = ServiceAPI()
/// api.on(DispatchAPI.field, allow: [.dispatcher, .fieldUnit]) { batch in try await engine.submit(.field(batch.commands)) … }
/// api.post("/v1/field", DispatchAPI.field)
/// ```
public struct ServiceAPI: Sendable {
    /// One operation: its input decoded from JSON bytes or from HTTP parameters.
    struct Entry: Sendable {
        /// Who may run it.
        var roles: Set<Role>
        var json: @Sendable (_ body: [UInt8]) async -> EncodedReply
        var parameters: @Sendable (_ parameters: [String: String]) async -> EncodedReply
        var jsonWithParameters: @Sendable (_ body: [UInt8], _ parameters: [String: String]) async -> EncodedReply
    }

    /// An HTTP route onto an operation.
    struct Route: Sendable {
        enum Input: Sendable {
            case body(maxBytes: Int)
            case parameters
        }
        var method: HTTPRequest.Method
        var path: String
        var operation: String
        var input: Input
        /// The request must say why (`?reason=` or the `X-Reason` header), for the audit trail.
        var requiresReason = false
    }

    /// An HTTP route that is not an operation: a document (`/openapi.json`) or a special case of
    /// the transport (a body refused for its size that must still be recorded).
    struct RawRoute: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var roles: Set<Role>
        var handler: @Sendable (Request, APIRequestContext) async throws -> Response
    }

    var entries: [String: Entry] = [:]
    /// Operations whose input names who acts (`dispatcher`, `officerId`): the field of each.
    var actorFields: [String: String] = [:]
    var routes: [Route] = []
    var rawRoutes: [RawRoute] = []

    public init() {}

    /// The operation names this service answers (besides the bus's own `replay` and `ping`).
    public var operationNames: [String] { entries.keys.sorted() }

    // MARK: Operations

    /// Answers `operation` with `handler`, for callers holding one of `roles`.
    public mutating func on<Input, Output>(
        _ operation: APIOperation<Input, Output>, allow roles: Set<Role>,
        _ handler: @escaping @Sendable (Input) async throws -> Reply<Output>
    ) {
        precondition(!roles.isEmpty, "operation '\(operation.name)' allows no role: declare who may run it")
        precondition(entries[operation.name] == nil, "operation '\(operation.name)' is registered twice")
        @Sendable func run(_ input: () throws -> Input) async -> EncodedReply {
            let value: Input
            do { value = try input() } catch let error as APIError { return EncodedReply(error) } catch {
                return EncodedReply(.undecodable(error))
            }
            do {
                let reply = try await handler(value)
                // The one place personal data is masked for roles that do not need it.
                let masked = PersonalData.masked(for: Principal.current)
                return EncodedReply(status: reply.status, body: PersonalData.mask(Self.encode(reply.body), kinds: masked))
            } catch {
                return EncodedReply(.from(error))
            }
        }
        entries[operation.name] = Entry(
            roles: roles,
            json: { body in await run { try Self.decode(Input.self, json: body) } },
            parameters: { parameters in await run { try Self.decode(Input.self, parameters: parameters) } },
            jsonWithParameters: { body, parameters in await run { try Self.decode(Input.self, json: body, adding: parameters) } })
    }

    /// Answers `operation` with `handler`, status 200, for callers holding one of `roles`.
    public mutating func on<Input, Output>(
        _ operation: APIOperation<Input, Output>, allow roles: Set<Role>,
        _ handler: @escaping @Sendable (Input) async throws -> Output
    ) {
        on(operation, allow: roles) { (input: Input) async throws -> Reply<Output> in Reply(try await handler(input)) }
    }

    /// `operation`'s `field` names who acts (the dispatcher of an override, the officer of an
    /// acknowledgement): for a person it is the principal's subject, never what the body says.
    /// A body that leaves it out gets the subject; one naming someone else is refused with 403
    /// (field `field`). Peer services (and in-process callers) name whom they relay.
    public mutating func actor<Input, Output>(_ operation: APIOperation<Input, Output>, field: String) {
        actorFields[operation.name] = field
    }

    /// The input fields `principal` sets on `operation` (its actor field), or the refusal of a
    /// body that names another actor.
    func actorParameters(_ operation: String, body: [UInt8], principal: Principal) -> Result<[String: String], APIError> {
        guard let field = actorFields[operation], !principal.roles.contains(.service) else { return .success([:]) }
        let object = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any]
        if let given = object?[field], !("\(given)".isEmpty), "\(given)" != principal.subject {
            return .failure(
                .forbidden(
                    "'\(field)' is who the bearer token says: \(principal.subject), not '\(given)' (leave it out, or act with your own token)",
                    field: field))
        }
        return .success([field: principal.subject])
    }

    /// Whether `operation` only reads: it is reached by a `GET` route. Every other operation is a
    /// write, and leaves an audit record when the ROUTER runs it.
    public func isRead(_ operation: String) -> Bool { routes.contains { $0.operation == operation && $0.method == .get } }

    /// The roles allowed to run `operation` (nil when it is not answered here).
    public func roles(of operation: String) -> Set<Role>? { entries[operation]?.roles }

    // MARK: HTTP routes

    /// `GET path`: the operation's input from the path parameters and the query string.
    public mutating func get<Input, Output>(_ path: String, _ operation: APIOperation<Input, Output>) {
        routes.append(Route(method: .get, path: path, operation: operation.name, input: .parameters))
    }

    /// `DELETE path`: the operation's input from the path parameters and the query string.
    public mutating func delete<Input, Output>(_ path: String, _ operation: APIOperation<Input, Output>) {
        routes.append(Route(method: .delete, path: path, operation: operation.name, input: .parameters))
    }

    /// `POST path`: the operation's input is the JSON body (path parameters are added to it). With
    /// `requiresReason` the request must say why (`?reason=`), and only HTTP reaches the operation.
    public mutating func post<Input, Output>(
        _ path: String, _ operation: APIOperation<Input, Output>, maxBytes: Int = 4 << 20, requiresReason: Bool = false
    ) {
        routes.append(Route(method: .post, path: path, operation: operation.name, input: .body(maxBytes: maxBytes), requiresReason: requiresReason))
    }

    /// Whether `operation` needs a reason, which only an HTTP route carries.
    func requiresReason(_ operation: String) -> Bool { routes.contains { $0.operation == operation && $0.requiresReason } }

    /// `PUT path`: the operation's input is the JSON body (path parameters are added to it).
    public mutating func put<Input, Output>(_ path: String, _ operation: APIOperation<Input, Output>, maxBytes: Int = 4 << 20) {
        routes.append(Route(method: .put, path: path, operation: operation.name, input: .body(maxBytes: maxBytes)))
    }

    /// A route that is not an operation (a document, a transport special case), for callers
    /// holding one of `roles`. Use sparingly: whatever it does is not reachable over the ROUTER.
    public mutating func raw(
        _ method: HTTPRequest.Method, _ path: String, allow roles: Set<Role>,
        _ handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response
    ) {
        precondition(!roles.isEmpty, "route \(method) \(path) allows no role: declare who may use it")
        rawRoutes.append(RawRoute(method: method, path: path, roles: roles, handler: handler))
    }

    /// Every HTTP route: method, path, the operation it reaches (nil for a raw route) and who may use it.
    public var routeTable: [(method: String, path: String, operation: String?, roles: Set<Role>)] {
        routes.map { ($0.method.rawValue, $0.path, $0.operation, entries[$0.operation]?.roles ?? []) }
            + rawRoutes.map { ($0.method.rawValue, $0.path, nil, $0.roles) }
    }

    // MARK: Calling

    /// Runs an operation from its JSON input (the ROUTER, the CLI, tests); `nil` when the service
    /// has no such operation.
    public func call(_ name: String, json body: [UInt8]) async -> EncodedReply? {
        guard let entry = entries[name] else { return nil }
        return await entry.json(body)
    }

    /// Runs an operation for `principal` (the ROUTER): refused with 403 outside its roles. `fields`
    /// are set by the transport (an integrator's key name); a body giving one of them another
    /// value is refused.
    public func call(_ name: String, json body: [UInt8], adding fields: [String: String] = [:], as principal: Principal) async -> EncodedReply? {
        guard let entry = entries[name] else { return nil }
        guard principal.may(entry.roles) else { return EncodedReply(.outsideRole(principal, operation: name, allowed: entry.roles)) }
        if requiresReason(name) {
            return EncodedReply(.invalid("'\(name)' needs a reason, which only its HTTP route carries (?reason=)", field: "reason"))
        }
        var fields = fields
        switch actorParameters(name, body: body, principal: principal) {
        case .failure(let refusal): return EncodedReply(refusal)
        case .success(let actor): fields.merge(actor) { given, _ in given }
        }
        if fields.isEmpty { return await Principal.$current.withValue(principal) { await entry.json(body) } }
        return await Principal.$current.withValue(principal) { [fields] in await entry.jsonWithParameters(body, fields) }
    }

    // MARK: Coding

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        if let raw = value as? RawJSON { return raw.bytes }
        do { return Array(try APIEncoding.encoder.encode(value)) } catch {
            return APIError(status: 500, code: "internal", message: "the answer could not be encoded: \(error)").body
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, json body: [UInt8]) throws -> T {
        if T.self == RawJSON.self { return RawJSON(body) as! T }
        if T.self == NoBody.self { return NoBody() as! T }
        return try JSONCodec.decode(T.self, from: body.isEmpty ? Array("{}".utf8) : body, fallback: APIEncoding.decoder)
    }

    /// Query and path parameters are strings; the form decoder turns them into the input's
    /// numbers, booleans, enums and times.
    static func decode<T: Decodable>(_ type: T.Type, parameters: [String: String]) throws -> T {
        if T.self == NoBody.self { return NoBody() as! T }
        var components = URLComponents()
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        do {
            return try formDecoder.decode(T.self, from: query(parameters))
        } catch {
            // The form decoder's type errors carry no coding path: find the parameter at fault by
            // leaving each out in turn (error paths only).
            guard describe(error).field.isEmpty else { throw error }
            for key in parameters.keys.sorted() {
                var without = parameters
                without[key] = nil
                do { _ = try formDecoder.decode(T.self, from: query(without)) } catch {
                    if case DecodingError.keyNotFound(let missing, _) = error, missing.stringValue == key {} else { continue }
                }
                throw APIError.invalid("\(key) '\(parameters[key]!)' \(describe(error).reason)", field: key, code: "invalid-request")
            }
            throw error
        }
    }

    private static func query(_ parameters: [String: String]) -> String {
        var components = URLComponents()
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return components.percentEncodedQuery ?? ""
    }

    /// A JSON body with the route's path parameters added (a conflicting body field is refused).
    static func decode<T: Decodable>(_ type: T.Type, json body: [UInt8], adding parameters: [String: String]) throws -> T {
        guard !parameters.isEmpty, T.self != RawJSON.self, T.self != NoBody.self else { return try decode(T.self, json: body) }
        let parsed = try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))
        guard var object = parsed as? [String: Any] else { throw APIError.invalid("the body must be a JSON object", code: "invalid-request") }
        for (key, value) in parameters {
            if let given = object[key], !"\(given)".isEmpty, "\(given)" != value {
                throw APIError.invalid("'\(key)' in the body ('\(given)') differs from the path ('\(value)')", field: key, code: "invalid-request")
            }
            object[key] = value
        }
        return try decode(T.self, json: Array(try JSONSerialization.data(withJSONObject: object)))
    }

    /// Times in parameters read as the bus writes them (EventTime: milliseconds, `Z` or an offset).
    static let formDecoder = URLEncodedFormDecoder(
        dateDecodingStrategy: .custom({ decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = EventTime.date(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "'\(text)' is not an ISO-8601 time (e.g. 2026-11-22T08:00:00Z)")
            }
            return date
        }))
}
