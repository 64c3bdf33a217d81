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
        var pub = [CChar](repeating: 0, count: 41)
        var sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else {
            throw KeyError("libzmq cannot make CURVE keys: \(String(cString: zmq_strerror(zmq_errno())))")
        }
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
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw KeyError("\(url.path): cannot read the key file: \(error.localizedDescription)")
        }
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
