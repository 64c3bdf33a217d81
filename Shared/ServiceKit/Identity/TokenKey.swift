import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The secret that signs and checks bearer tokens (HS256): at least 32 random bytes, kept in a
/// file as base64. The operator provides it (`make keys`, `--token-key`); without one a service
/// makes a development key in its data directory on first start, so it is never open.
public struct TokenKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(KeyFileError) {
        guard bytes.count >= 32 else { throw KeyFileError("a token-signing key needs at least 32 bytes (this one has \(bytes.count))") }
        self.bytes = bytes
    }

    /// A new random key: 256 bits from the system's cryptographically secure generator (getrandom).
    public static func generate() -> TokenKey {
        var generator = SystemRandomNumberGenerator()
        return try! TokenKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The file's text: base64 and a newline.
    public var fileText: String { Data(bytes).base64EncodedString() + "\n" }

    public static func load(from path: String) throws(KeyFileError) -> TokenKey {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw KeyFileError("\(path): cannot read the token-signing key: \(error.localizedDescription)")
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw KeyFileError("\(path): the token-signing key is not base64 (make one with `precinct tokens key`)")
        }
        do { return try TokenKey(bytes: Array(data)) } catch { throw KeyFileError("\(path): \(error.message)") }
    }

    /// Writes a new key to `path`, readable by its owner only; refuses to overwrite.
    public func write(to path: String) throws(KeyFileError) {
        let temporary = "\(path).\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(fileText.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw KeyFileError("\(temporary): cannot write")
        }
        defer { unlink(temporary) }
        // link(2) is atomic and fails if the name exists: services starting together on one data
        // directory all end up with the one key the first of them wrote.
        guard link(temporary, path) == 0 else {
            throw KeyFileError("\(path): \(errno == EEXIST ? "already exists" : String(cString: strerror(errno)))")
        }
    }

    /// The development key in `directory`: read, or made on first start.
    public static func development(
        in directory: URL, fileName: String = developmentFileName, what: String = "token-signing key", logger: Logger
    ) throws(KeyFileError) -> (key: TokenKey, path: String) {
        let path = directory.appendingPathComponent(fileName).path
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try generate().write(to: path)
                logger.warning("made a development \(what)", metadata: ["path": "\(path)"])
            } catch  where FileManager.default.fileExists(atPath: path) {}  // a sibling service won the race
        }
        return (try load(from: path), path)
    }

    public static let developmentFileName = "token-signing.key"
}

/// A key file that is missing, unreadable or malformed.
public struct KeyFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
