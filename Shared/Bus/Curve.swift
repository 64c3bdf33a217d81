import CZeroMQ
import Foundation

/// A CURVE key pair in Z85 text (40 characters each), as libzmq and pyzmq take them.
public struct CurveKeyPair: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String

    public init(publicKey: String, secretKey: String) throws(KeyError) {
        guard CurveKeyPair.isValidKey(publicKey) else { throw KeyError("public key is not 40 characters of Z85") }
        guard CurveKeyPair.isValidKey(secretKey) else { throw KeyError("secret key is not 40 characters of Z85") }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new key pair from libzmq (libsodium's random source).
    public static func generate() throws(KeyError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw KeyError("libzmq cannot make CURVE keys: \(String(cString: zmq_strerror(zmq_errno())))") }
        func text(_ chars: [CChar]) -> String { String(decoding: chars.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return try CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    /// A Z85 text that decodes to 32 bytes.
    public static func isValidKey(_ key: String) -> Bool {
        guard key.utf8.count == 40 else { return false }
        var raw = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&raw, key) != nil
    }

    /// The 32 raw bytes behind a Z85 key (ZAP hands keys over raw).
    public static func z85(_ raw: [UInt8]) -> String? {
        guard raw.count == 32 else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_z85_encode(&out, raw, 32) != nil else { return nil }
        return String(decoding: out.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The key file `precinct keys` writes: `public-key = …` and `secret-key = …` lines.
    public func fileContents(name: String) -> String {
        """
        # Precinct CURVE key pair of "\(name)". The secret key never leaves this file: keep it 0600.
        public-key = \(publicKey)
        secret-key = \(secretKey)

        """
    }

    /// Reads a key file written by `precinct keys`.
    public static func load(from url: URL) throws(KeyError) -> CurveKeyPair {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch { throw KeyError("\(url.path): cannot read the key file: \(error.localizedDescription)") }
        var values: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["public-key", "secret-key"].contains(parts[0]) else {
                throw KeyError("\(url.path) line \(number + 1): expected 'public-key = …' or 'secret-key = …'")
            }
            values[parts[0]] = parts[1]
        }
        guard let pub = values["public-key"] else { throw KeyError("\(url.path): no 'public-key' line") }
        guard let sec = values["secret-key"] else { throw KeyError("\(url.path): no 'secret-key' line") }
        do { return try CurveKeyPair(publicKey: pub, secretKey: sec) } catch { throw KeyError("\(url.path): \(error.message)") }
    }
}

/// A key file or keyring that cannot be used; the message names the file, line and field.
public struct KeyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Who may connect, and to what: the deployment's public keys, one line each.
///
/// ```
/// # name      role        public key (Z85)                           topic prefixes (integrators)
/// intake      service     Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
/// acme        integrator  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7   alert.enterprise.E0001 cap.enterprise.E0001
/// ```
///
/// Services (and operators' tools) may use every service's sockets. Integrators may use only the
/// integrator gateway, and there only read the topic prefixes granted to them. A service also
/// finds its peers' public keys here, by their source names.
public struct Keyring: Sendable, Equatable {
    public enum Role: String, Sendable { case service, integrator }

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var role: Role
        public var publicKey: String
        /// Topic prefixes an integrator may subscribe to (byte prefixes, as ZeroMQ matches them).
        public var grants: [String]

        public init(name: String, role: Role, publicKey: String, grants: [String] = []) {
            self.name = name
            self.role = role
            self.publicKey = publicKey
            self.grants = grants
        }

        /// A subscription is allowed when it is at least as narrow as one grant: its prefix
        /// starts with the grant, so everything it can match is inside what was granted.
        public func mayRead(_ subscription: [UInt8]) -> Bool {
            if role == .service { return true }
            return grants.contains { subscription.starts(with: $0.utf8) }
        }
    }

    public private(set) var entries: [Entry]
    private var byKey: [String: Int]

    public init(_ entries: [Entry]) throws(KeyError) {
        self.entries = []
        self.byKey = [:]
        var names = Set<String>()
        for entry in entries {
            guard CurveKeyPair.isValidKey(entry.publicKey) else { throw KeyError("'\(entry.name)': public key is not 40 characters of Z85") }
            guard names.insert(entry.name).inserted else { throw KeyError("'\(entry.name)' is listed twice") }
            guard byKey[entry.publicKey] == nil else { throw KeyError("'\(entry.name)' has the same public key as '\(self.entries[byKey[entry.publicKey]!].name)'") }
            byKey[entry.publicKey] = self.entries.count
            self.entries.append(entry)
        }
    }

    public func entry(publicKey: String) -> Entry? { byKey[publicKey].map { entries[$0] } }
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// Parses the keyring text; every problem names the line.
    public static func parse(_ text: String, file: String = "keyring") throws(KeyError) -> Keyring {
        var entries: [Entry] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // Whole-line comments only: '#' is a Z85 digit, so it may appear inside a key.
            let fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if fields.isEmpty || fields[0].hasPrefix("#") { continue }
            let at = "\(file) line \(number + 1)"
            guard fields.count >= 3 else { throw KeyError("\(at): expected '<name> <service|integrator> <public key> [topic prefix …]'") }
            guard let role = Role(rawValue: fields[1]) else { throw KeyError("\(at): role '\(fields[1])' is not 'service' or 'integrator'") }
            guard CurveKeyPair.isValidKey(fields[2]) else { throw KeyError("\(at): public key of '\(fields[0])' is not 40 characters of Z85") }
            let grants = Array(fields.dropFirst(3))
            if role == .service, !grants.isEmpty { throw KeyError("\(at): a service reads every topic; topic prefixes are for integrators") }
            if role == .integrator, grants.isEmpty { throw KeyError("\(at): integrator '\(fields[0])' has no topic prefixes, so it could read nothing") }
            entries.append(Entry(name: fields[0], role: role, publicKey: fields[2], grants: grants))
        }
        do { return try Keyring(entries) } catch { throw KeyError("\(file): \(error.message)") }
    }

    public static func load(from url: URL) throws(KeyError) -> Keyring {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch { throw KeyError("\(url.path): cannot read the keyring: \(error.localizedDescription)") }
        return try parse(text, file: url.path)
    }
}

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
    public static let integratorDomain = "precinct-integrators"
    /// The ROUTER of the service that runs the gateway: integrators may ask it to replay what the
    /// gateway sent (filtered by their grants), and nothing else.
    public static let requestDomain = "precinct-requests"

    /// The ZAP decision for a client key connecting to a socket of `domain`.
    public func admit(publicKey: String, domain: String) -> Result<Keyring.Entry, AuthRefusal> {
        guard let entry = keyring.entry(publicKey: publicKey) else { return .failure(.unknownKey) }
        switch (domain, entry.role) {
        case (BusSecurity.serviceDomain, .service), (BusSecurity.integratorDomain, _), (BusSecurity.requestDomain, _): return .success(entry)
        case (BusSecurity.serviceDomain, .integrator): return .failure(.integratorOnServiceSocket)
        default: return .failure(.unknownDomain)
        }
    }
}

/// Why the ZAP handler turned a client away (the `reason` label of `precinct_bus_auth_denied_total`).
public enum AuthRefusal: String, Error, Sendable, CaseIterable {
    case unknownKey = "unknown_key"
    case integratorOnServiceSocket = "integrator_on_service_socket"
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

/// The ZAP request handler (RFC 27) of one process: a REP socket at `inproc://zeromq.zap.01`,
/// which libzmq asks about every connection to a CURVE server socket of the same context.
/// Bound before any CURVE server binds: in libzmq 4.3.4 a CURVE server with no ZAP handler
/// admits every client.
final class ZAPHandler {
    let socket: Socket
    let security: BusSecurity
    let onDecision: (_ domain: String, _ result: Result<Keyring.Entry, AuthRefusal>) -> Void

    init(context: ZMQContext, security: BusSecurity, onDecision: @escaping (String, Result<Keyring.Entry, AuthRefusal>) -> Void) throws {
        self.security = security
        self.onDecision = onDecision
        socket = try Socket(context, .rep)
        try socket.bind("inproc://zeromq.zap.01")
    }

    /// Answers the requests waiting (a REP socket takes one at a time).
    func answerPending() {
        for _ in 0..<64 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil else { return }
            // [version, request id, domain, address, routing id, mechanism, credentials...]
            guard frames.count >= 6 else {
                _ = try? socket.send(multipart: [Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
                continue
            }
            let domain = String(decoding: frames[2], as: UTF8.self)
            let mechanism = String(decoding: frames[5], as: UTF8.self)
            let result: Result<Keyring.Entry, AuthRefusal>
            if mechanism == "CURVE", frames.count >= 7, let key = CurveKeyPair.z85(frames[6]) {
                result = security.admit(publicKey: key, domain: domain)
            } else {
                result = .failure(.notCurve)
            }
            onDecision(domain, result)
            let reply: [[UInt8]] = switch result {
            case .success(let entry): [Array("1.0".utf8), frames[1], Array("200".utf8), Array("OK".utf8), Array(entry.name.utf8), []]
            case .failure(let refusal): [Array("1.0".utf8), frames[1], Array("400".utf8), Array(refusal.rawValue.utf8), [], []]
            }
            _ = try? socket.send(multipart: reply)
        }
    }
}

/// Watches a bound socket's connections (libzmq's socket monitor) and counts what failed.
final class SocketMonitor {
    let socket: Socket
    let name: String

    /// The monitor events counted: failed handshakes (wrong keys, garbage, wrong socket type)
    /// and disconnects (a peer gone, or dropped by libzmq for a frame over the size limit).
    static let events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
        | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_DISCONNECTED

    init(watching target: Socket, name: String, context: ZMQContext, id: String) throws {
        self.name = name
        let endpoint = "inproc://monitor.\(id).\(name)"
        try target.monitor(endpoint, events: SocketMonitor.events)
        socket = try Socket(context, .pair)
        try socket.connect(endpoint)
    }

    enum Event: String, CaseIterable { case handshakeFailedAuth = "auth", handshakeFailedProtocol = "protocol", handshakeFailedOther = "other", disconnected }

    /// The events waiting, decoded.
    func drain() -> [Event] {
        var out: [Event] = []
        for _ in 0..<256 {
            guard let frames = (try? socket.receiveMultipart(dontWait: true)) ?? nil else { break }
            guard let first = frames.first, first.count >= 2 else { continue }
            let code = Int32(first[0]) | Int32(first[1]) << 8  // uint16, host order (little-endian here)
            switch code {
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: out.append(.handshakeFailedAuth)
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: out.append(.handshakeFailedProtocol)
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL: out.append(.handshakeFailedOther)
            case ZMQ_EVENT_DISCONNECTED: out.append(.disconnected)
            default: continue
            }
        }
        return out
    }
}
