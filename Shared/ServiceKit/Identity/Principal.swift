import Wire

/// Who is asking: a bearer token's subject and roles over HTTP, a CURVE key's keyring entry over
/// the ROUTER. Handlers read it as ``Principal/current`` for the checks the role table cannot
/// express alone (a field unit reports for its own unit only, a liaison officer sees its own
/// enterprises, an analyst never sees personal data).
public struct Principal: Sendable, Equatable {
    public var subject: String
    public var roles: Set<Role>
    /// A field unit's own unit.
    public var unit: String?
    /// A liaison officer's own enterprises.
    public var enterprises: [String]?
    /// The client's address (HTTP peer, or the ROUTER requester's key name).
    public var client: String?

    public init(subject: String, roles: Set<Role>, unit: String? = nil, enterprises: [String]? = nil, client: String? = nil) {
        self.subject = subject
        self.roles = roles
        self.unit = unit
        self.enterprises = enterprises
        self.client = client
    }

    /// In-process callers (tests that call an operation directly, a plaintext bus on loopback):
    /// a peer service, which may run every operation.
    public static let system = Principal(subject: "system", roles: [.service])

    /// The principal of the request being answered. HTTP and the ROUTER always set it; code that
    /// calls an operation in process runs as ``system``.
    @TaskLocal public static var current: Principal = .system

    /// True when any of the principal's roles is among `allowed` (`service` runs everything).
    public func may(_ allowed: Set<Role>) -> Bool { roles.contains(.service) || !roles.isDisjoint(with: allowed) }

    /// Whether the principal may act for `unit`: dispatchers and supervisors for every unit, a
    /// field unit only for its own.
    public func mayActFor(unit: String) -> Bool {
        may([.dispatcher, .supervisor]) || (roles.contains(.fieldUnit) && self.unit == unit)
    }

    /// Whether the principal may act for `enterprise` by its token alone: supervisors for all, a
    /// liaison officer for the enterprises its token names (liaison maps an officer whose token
    /// names none through its registry instead).
    public func mayActFor(enterprise: String) -> Bool {
        if may([.supervisor]) { return true }
        guard roles.contains(.liaisonOfficer) else { return false }
        return enterprises?.contains(enterprise) ?? false
    }

    /// Whether read APIs show this principal callers' names and phone numbers.
    public var seesPersonalData: Bool { may([.callTaker, .dispatcher, .supervisor]) }
}
