import Foundation
import Wire

/// Who may connect, and to what: the deployment's public keys, one line each.
///
/// ```
/// # name      role        public key (Z85)                           topic prefixes (integrators)
/// intake      service     Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID
/// acme        integrator  rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7   alert.enterprise.E0001 cap.enterprise.E0001
/// console-1   dispatcher  …
/// ```
///
/// Services may use every service's sockets and run every ROUTER operation. A key with a person's
/// role (dispatcher, supervisor, operator … docs/security.md) may connect to the services' sockets
/// too, and runs on a ROUTER exactly the operations its role may run over HTTP. Integrators may use
/// only the integrator gateway, and there only read the topic prefixes granted to them. A service
/// also finds its peers' public keys here, by their source names.
public struct Keyring: Sendable, Equatable {
    /// The roles of docs/security.md; `service` for the services themselves.
    public typealias Role = Wire.Role

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
            if role != .integrator { return true }
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
            guard byKey[entry.publicKey] == nil else {
                throw KeyError("'\(entry.name)' has the same public key as '\(self.entries[byKey[entry.publicKey]!].name)'")
            }
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
            guard fields.count >= 3 else { throw KeyError("\(at): expected '<name> <role> <public key> [topic prefix …]'") }
            guard let role = Role(rawValue: fields[1]) else {
                throw KeyError("\(at): role '\(fields[1])' is not one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard CurveKeyPair.isValidKey(fields[2]) else { throw KeyError("\(at): public key of '\(fields[0])' is not 40 characters of Z85") }
            let grants = Array(fields.dropFirst(3))
            if role != .integrator, !grants.isEmpty { throw KeyError("\(at): topic prefixes are for integrators; a \(role.rawValue) key has none") }
            if role == .integrator, grants.isEmpty {
                throw KeyError("\(at): integrator '\(fields[0])' has no topic prefixes, so it could read nothing")
            }
            entries.append(Entry(name: fields[0], role: role, publicKey: fields[2], grants: grants))
        }
        do { return try Keyring(entries) } catch { throw KeyError("\(file): \(error.message)") }
    }

    public static func load(from url: URL) throws(KeyError) -> Keyring {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw KeyError("\(url.path): cannot read the keyring: \(error.localizedDescription)")
        }
        return try parse(text, file: url.path)
    }
}
