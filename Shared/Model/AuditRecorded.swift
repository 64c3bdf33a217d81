import Foundation

/// Someone asked a service to change something: who (the token's subject, or the CURVE key's
/// name), as which roles, what (`action`: the HTTP method and route, or the ROUTER operation),
/// on what (`target`: the path asked for), from where, when, and whether it was done or refused.
/// Topic `audit.<service>`. Carries no personal data: paths and operation names, never bodies.
public struct AuditRecorded: EventPayload, Hashable {
    public static let type = "audit"
    public static let version = 1

    public enum Outcome: String, Codable, Sendable, Hashable {
        /// Let through (`status` says how it went).
        case allowed
        /// Refused before it ran: no token, a bad one (401) or outside the role (403).
        case refused
    }

    /// The service that answered.
    public var service: String
    /// The token's subject or the bus key's name; `anonymous` without a valid token.
    public var principal: String
    public var roles: [String]
    public var action: String
    public var target: String
    /// The client's address (`ip:port`) or the ROUTER requester's key name.
    public var client: String?
    public var outcome: Outcome
    /// The answer's status (HTTP, or the ROUTER reply's).
    public var status: Int
    /// Why, when the action carries a reason (a recompute must).
    public var reason: String?
    public var recordedAt: Date

    public init(
        service: String, principal: String, roles: [String], action: String, target: String, client: String?, outcome: Outcome,
        status: Int, reason: String? = nil, recordedAt: Date
    ) {
        self.service = service
        self.principal = principal
        self.roles = roles
        self.action = action
        self.target = target
        self.client = client
        self.outcome = outcome
        self.status = status
        self.reason = reason
        self.recordedAt = recordedAt
    }

    public var routingKey: String? { service }
    public var correlationId: String? { nil }
    public var eventTime: Date { recordedAt }
}

extension AuditRecorded {
    public static var example: AuditRecorded {
        AuditRecorded(
            service: "scoring", principal: "sgt.okafor", roles: ["supervisor"], action: "POST /admin/recompute", target: "/admin/recompute",
            client: "10.0.4.17:51234", outcome: .allowed, status: 200, reason: "rule table 2026-12 approved by the board",
            recordedAt: Date(timeIntervalSince1970: 1_790_000_000))
    }
}
