/// Who a caller is, for what they may do: every operation declares the roles allowed to run it,
/// and the same table holds over HTTP (a bearer token's roles) and over the ROUTER (a CURVE key's
/// role in the keyring). docs/security.md has the table, generated from the declarations.
public enum Role: String, Codable, CaseIterable, Sendable, Comparable {
    /// Takes calls and classifies them.
    case callTaker = "call-taker"
    /// Sees every incident and unit; overrides; records what units radio in.
    case dispatcher
    /// A unit's terminal: reports for its own unit only (the token's `unit`).
    case fieldUnit = "field-unit"
    /// Complaints, call-backs, recompute, resume; reads the audit trail.
    case supervisor
    /// The registry, cases and work log of its own enterprises (the token's `enterprises`).
    case liaisonOfficer = "liaison-officer"
    /// KPIs, rankings and reports; never personal data.
    case analyst
    /// The integrator gateway and its replay, nothing else.
    case integrator
    /// Metrics, health and the admin endpoints.
    case `operator`
    /// Another service of the set (a CURVE key with role `service`): every bus operation.
    case service

    public static func < (a: Role, b: Role) -> Bool { a.rawValue < b.rawValue }

    /// The roles a person may hold in a token (`service` is only a bus key's).
    public static var people: [Role] { allCases.filter { $0 != .service } }
}
