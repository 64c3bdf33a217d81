import CZeroMQ
import Wire

/// CURVE on every socket of a process: its own key pair and the deployment's keyring.
public struct BusSecurity: Sendable, Equatable {
    public var keyPair: CurveKeyPair
    public var keyring: Keyring

    public init(keyPair: CurveKeyPair, keyring: Keyring) {
        self.keyPair = keyPair
        self.keyring = keyring
    }

    /// The ZAP domains of the bound sockets: services' own sockets, and the integrator gateway.
    public static let serviceDomain = "precinct"
    /// A service's PUB: every event it publishes, callers' names and phones and enterprises'
    /// contacts included, unmasked.
    public static let publisherDomain = "precinct-events"
    /// Who may subscribe to a service's PUB: the roles that see every kind of personal data in
    /// clear in the read APIs (dispatchers and supervisors: a console), peer services, and
    /// operators (whose tools already replay the whole outbox). Others (an analyst's, a field
    /// unit's, a liaison officer's key) use the ROUTER, whose answers the role table and the
    /// masking policy shape (docs/security.md, "The bus").
    public static let eventReaders: Set<Role> = [.service, .operator, .dispatcher, .supervisor]
    public static let integratorDomain = "precinct-integrators"
    /// The ROUTER of the service that runs the gateway: integrators may ask it to replay what the
    /// gateway sent (filtered by their grants), and nothing else.
    public static let requestDomain = "precinct-requests"

    /// The ZAP decision for a client key connecting to a socket of `domain`.
    public func admit(publicKey: String, domain: String) -> Result<Keyring.Entry, AuthRefusal> {
        guard let entry = keyring.entry(publicKey: publicKey) else { return .failure(.unknownKey) }
        switch (domain, entry.role) {
        case (BusSecurity.serviceDomain, .integrator), (BusSecurity.publisherDomain, .integrator): return .failure(.integratorOnServiceSocket)
        case (BusSecurity.publisherDomain, let role):
            return BusSecurity.eventReaders.contains(role) ? .success(entry) : .failure(.roleMayNotSubscribe)
        // Services, and people's keys whose ROUTER requests the role table then checks.
        case (BusSecurity.serviceDomain, _), (BusSecurity.integratorDomain, _), (BusSecurity.requestDomain, _): return .success(entry)
        default: return .failure(.unknownDomain)
        }
    }
}

/// Why the ZAP handler turned a client away (the `reason` label of `precinct_bus_auth_denied_total`).
public enum AuthRefusal: String, Error, Sendable, CaseIterable {
    case unknownKey = "unknown_key"
    case integratorOnServiceSocket = "integrator_on_service_socket"
    /// A person's key whose role does not see the unmasked events (``BusSecurity/eventReaders``) on a PUB.
    case roleMayNotSubscribe = "role_may_not_subscribe"
    case unknownDomain = "unknown_domain"
    case notCurve = "not_curve"
}

extension Socket {
    /// Makes a socket to be bound a CURVE server whose clients the ZAP handler checks in `domain`.
    /// Set before `bind`.
    public func makeCurveServer(_ security: BusSecurity, domain: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVER, Int32(1))
        try setOption(ZMQ_CURVE_SECRETKEY, security.keyPair.secretKey)
        try setOption(ZMQ_ZAP_DOMAIN, domain)
    }

    /// Makes a socket to be connected a CURVE client of the server with `serverKey`. Set before `connect`.
    public func makeCurveClient(_ keyPair: CurveKeyPair, serverKey: String) throws(ZMQError) {
        try setOption(ZMQ_CURVE_SERVERKEY, serverKey)
        try setOption(ZMQ_CURVE_PUBLICKEY, keyPair.publicKey)
        try setOption(ZMQ_CURVE_SECRETKEY, keyPair.secretKey)
    }
}
