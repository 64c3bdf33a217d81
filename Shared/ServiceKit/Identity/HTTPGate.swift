import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Model
import Wire

/// The door of every HTTP route but the open ops ones: who is asking (the bearer token), whether
/// the route's roles allow it, and, for a write, its audit record.
public struct HTTPGate: Sendable {
    let authority: TokenAuthority
    let audit: AuditTrail?

    public init(authority: TokenAuthority, audit: AuditTrail? = nil) {
        self.authority = authority
        self.audit = audit
    }

    /// Runs `body` as the request's principal when it may; else answers 401 or 403.
    func admit(
        _ request: Request, _ context: APIRequestContext, roles: Set<Role>, operation: String?, action: String, requiresReason: Bool = false,
        _ body: @Sendable () async -> Response
    ) async -> Response {
        let writes = request.method != .get && request.method != .head
        let target = request.uri.path
        let principal: Principal
        do {
            principal = try await authority.principal(authorization: request.headers[.authorization], client: context.client)
        } catch {
            if writes { audit?.record(nil, action: action, target: target, client: context.client, outcome: .refused, status: error.status) }
            return ServiceAPI.response(EncodedReply(error))
        }
        guard principal.may(roles) else {
            let error = APIError.outsideRole(principal, operation: operation ?? action, allowed: roles)
            if writes { audit?.record(principal, action: action, target: target, client: context.client, outcome: .refused, status: 403) }
            return ServiceAPI.response(EncodedReply(error))
        }
        let reason = request.uri.queryParameters["reason"].map(String.init) ?? request.headers[HTTPField.Name("X-Reason")!]
        if requiresReason, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            audit?.record(principal, action: action, target: target, client: context.client, outcome: .refused, status: 400)
            return ServiceAPI.response(
                EncodedReply(.invalid("\(action) needs a reason: add ?reason=<why> (kept in the audit trail)", field: "reason")))
        }
        guard writes, let audit else { return await Principal.$current.withValue(principal) { await body() } }
        return await audit.recordingWrite(principal, action: action, target: target, client: context.client, reason: reason) {
            await Principal.$current.withValue(principal) { await body() }
        } status: { $0.status.code }
    }
}

extension APIError {
    /// 403 naming the roles that would be allowed.
    static func outsideRole(_ principal: Principal, operation: String, allowed: Set<Role>) -> APIError {
        let held = principal.roles.map(\.rawValue).sorted().joined(separator: ", ")
        let needed = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        return .forbidden("'\(operation)' is for \(needed); \(principal.subject) holds \(held)")
    }
}
