import ArgumentParser
import Bus
import Foundation
import Wire

/// `precinct keys`: CURVE key pairs for services, operators' tools and integrators.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate CURVE key pairs and check a keyring (README, 'Securing the bus').",
        subcommands: [Generate.self, Check.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write NAME.key (the key pair, mode 0600) into --dir and print NAME's keyring line.")

        @Argument(help: "The key's name: a service's source name (intake, dispatch-north …), an operator tool, or an integrator.")
        var name: String
        @Option(
            help: """
                service (every service socket), integrator (the gateway only, within its grants), or a person's role whose ROUTER \
                requests the role table checks (docs/security.md).
                """)
        var role: String = "service"
        @Option(name: .customLong("grant"), help: "A topic prefix an integrator may read, e.g. alert.enterprise.E0042 (repeatable).")
        var grants: [String] = []
        @Option(help: "Folder for the key file.") var dir: String = "keys"
        @Flag(help: "Replace an existing key file.") var force = false

        func validate() throws {
            guard Keyring.Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(Keyring.Role.allCases.map(\.rawValue).joined(separator: ", ")), not '\(role)'")
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ValidationError("name '\(name)' may hold only letters, digits, '-', '_' and '.'")
            }
            if role == "integrator" && grants.isEmpty { throw ValidationError("an integrator needs at least one --grant topic prefix") }
            if role != "integrator" && !grants.isEmpty { throw ValidationError("--grant is for integrators; a \(role) key has none") }
        }

        func run() throws {
            let keyPair = try CurveKeyPair.generate()
            let folder = URL(fileURLWithPath: dir)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let file = folder.appendingPathComponent("\(name).key")
            if FileManager.default.fileExists(atPath: file.path) && !force {
                throw ValidationError("\(file.path) exists; --force replaces it (every peer then needs the new public key)")
            }
            // Created 0600 from the start: the secret key is never readable by others, even briefly.
            let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { throw ValidationError("cannot write \(file.path): \(String(cString: strerror(errno)))") }
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            handle.write(Data(keyPair.fileContents(name: name).utf8))
            try handle.close()
            _ = chmod(file.path, 0o600)
            print(([name, role, keyPair.publicKey] + grants).joined(separator: "  "))
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a keyring and list who may connect to what; exits non-zero on the first problem.")

        @Argument(help: "The keyring file.") var keyring: String

        func run() throws {
            let ring = try Keyring.load(from: URL(fileURLWithPath: keyring))
            for entry in ring.entries {
                print("\(entry.name)\t\(entry.role.rawValue)\t\(entry.role != .integrator ? "every topic" : entry.grants.joined(separator: " "))")
            }
        }
    }
}

/// CURVE for the tools that connect to a secured set (`tail`): the tool's key pair, and the
/// keyring where the services' public keys are found by name.
struct CurveOptions: ParsableArguments {
    @Option(help: "This tool's CURVE key pair file (env PRECINCT_CURVE_KEY).") var curveKey: String?
    @Option(help: "The keyring with the services' public keys (env PRECINCT_CURVE_KEYRING).") var curveKeyring: String?

    func security() throws -> BusSecurity? {
        let key = curveKey ?? PeerOptions.env("PRECINCT_CURVE_KEY")
        let ring = curveKeyring ?? PeerOptions.env("PRECINCT_CURVE_KEYRING")
        guard let key, let ring else {
            if (key == nil) != (ring == nil) { throw ValidationError("CURVE needs both --curve-key and --curve-keyring") }
            return nil
        }
        return BusSecurity(
            keyPair: try CurveKeyPair.load(from: URL(fileURLWithPath: key)),
            keyring: try Keyring.load(from: URL(fileURLWithPath: ring)))
    }

    /// Prepares `socket` to connect to `service` (its public key is the keyring entry of that name).
    static func prepare(_ socket: Socket, for service: String, _ security: BusSecurity?) throws {
        guard let security else { return }
        guard let entry = security.keyring.entry(named: service) else { throw ValidationError("the keyring has no key named '\(service)'") }
        try socket.makeCurveClient(security.keyPair, serverKey: entry.publicKey)
    }
}
