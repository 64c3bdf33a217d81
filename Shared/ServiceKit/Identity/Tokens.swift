import Foundation
import JWTKit
import Wire

/// A bearer token's claims: who (`sub`), as what (`roles`), within which scope (`unit`,
/// `enterprises`), until when (`exp`). Signed HS256 with the deployment's ``TokenKey``.
public struct TokenClaims: JWTPayload {
    public var sub: SubjectClaim
    public var roles: [Role]
    public var unit: String?
    public var enterprises: [String]?
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim

    public init(subject: String, roles: [Role], unit: String? = nil, enterprises: [String]? = nil, issuedAt: Date, expires: Date) {
        sub = SubjectClaim(value: subject)
        self.roles = roles
        self.unit = unit
        self.enterprises = enterprises
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: expires)
    }

    /// The expiry is checked by ``TokenAuthority`` after the signature, for a precise message.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and checks bearer tokens with one key (jwt-kit, HS256).
public struct TokenAuthority: Sendable {
    private let keys: Task<JWTKeyCollection, Never>

    public init(key: TokenKey) {
        let secret = key.bytes
        keys = Task { await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256) }
    }

    /// A signed token for `claims`.
    public func issue(_ claims: TokenClaims) async throws -> String {
        try await keys.value.sign(claims)
    }

    /// A signed token for `subject` in `roles`, valid for `lifetime` from `now`.
    public func issue(
        subject: String, roles: [Role], unit: String? = nil, enterprises: [String]? = nil, lifetime: TimeInterval, now: Date = Date()
    ) async throws -> String {
        try await issue(
            TokenClaims(subject: subject, roles: roles, unit: unit, enterprises: enterprises, issuedAt: now, expires: now + lifetime))
    }

    /// A signed token whose issue is first recorded in `log` (``TokenIssueLog``): a token whose
    /// record cannot be written is not handed out.
    public func issue(_ claims: TokenClaims, recordingIn log: TokenIssueLog, tool: String) async throws -> String {
        let token = try await issue(claims)
        try Self.record(token, claims, in: log, tool: tool)
        return token
    }

    /// The issue log's write, never inlined: inlined into an async caller (across modules, in a
    /// release build), this typed-throwing call crashed Swift 6.3.1's coroutine splitting (LLVM
    /// CoroSplit) while building the container image's `precinct` CLI.
    @inline(never)
    static func record(_ token: String, _ claims: TokenClaims, in log: TokenIssueLog, tool: String) throws {
        try log.append(token: token, claims: claims, tool: tool)
    }

    /// The principal a token stands for; a missing, malformed, forged, wrong-key or expired
    /// token is a 401 in the one error shape.
    public func principal(authorization header: String?, client: String?, now: Date = Date()) async throws(APIError) -> Principal {
        guard let header, !header.isEmpty else {
            throw .unauthenticated("this route needs a bearer token (Authorization: Bearer <token>; `precinct tokens issue` makes one)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthenticated("the Authorization header must be 'Bearer <token>'")
        }
        let claims: TokenClaims
        do { claims = try await keys.value.verify(String(parts[1]), as: TokenClaims.self) } catch {
            throw .unauthenticated("the bearer token is not valid: it is malformed, or not signed with this deployment's key")
        }
        guard claims.exp.value > now else {
            throw .unauthenticated("the bearer token expired at \(EventTime.string(claims.exp.value))")
        }
        guard !claims.roles.isEmpty, !claims.roles.contains(.service) else {
            throw .unauthenticated("the bearer token names no role a person may hold")
        }
        return Principal(subject: claims.sub.value, roles: Set(claims.roles), unit: claims.unit, enterprises: claims.enterprises, client: client)
    }
}

extension APIError {
    /// 401: who is asking is not known (no token, or one that does not verify).
    public static func unauthenticated(_ message: String) -> APIError {
        APIError(status: 401, code: "unauthenticated", message: message)
    }

    /// 403: known, but the role does not allow this.
    public static func forbidden(_ message: String, field: String? = nil) -> APIError {
        APIError(status: 403, code: "forbidden", message: message, field: field)
    }
}
