import Crypto
import Foundation
import JWTKit
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// The audit trail of token issuing: `precinct tokens issue` (and the CLI minting its own) runs
/// offline, with the signing key and no service, so its record is a line appended to a file
/// beside the key (`token-audit.jsonl` in the secrets folder, mode 0600; `--audit-log` /
/// `PRECINCT_TOKEN_AUDIT` to move it), written and flushed to disk before the token is shown:
/// no token without its record. The line carries the claims, who ran the command on which host,
/// and the token's fingerprint (SHA-256 of the token, first 16 hex digits:
/// `printf %s "$TOKEN" | sha256sum | cut -c1-16`), never the token itself.
public struct TokenIssueLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The log beside a key file.
    public static func beside(key path: String) -> TokenIssueLog {
        TokenIssueLog(path: URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(fileName).path)
    }

    public static let fileName = "token-audit.jsonl"

    /// One issued token, as the log keeps it.
    public struct Record: Codable, Sendable, Equatable {
        public var issuedAt: Date
        public var subject: String
        public var roles: [String]
        public var unit: String?
        public var enterprises: [String]?
        public var expires: Date
        /// The OS user who ran the command, and where.
        public var issuedBy: String
        public var host: String
        /// SHA-256 of the token, first 16 hex digits.
        public var fingerprint: String
        /// What issued it: `precinct tokens issue`, or the CLI for its own requests.
        public var tool: String
    }

    /// The fingerprint of a token.
    public static func fingerprint(_ token: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(token.utf8)).prefix(8))
    }

    /// Appends the record of `token` (its claims decoded from it) and flushes it to disk.
    public func append(token: String, claims: TokenClaims, tool: String) throws(KeyFileError) {
        let environment = ProcessInfo.processInfo.environment
        let record = Record(
            issuedAt: claims.iat.value, subject: claims.sub.value, roles: claims.roles.map(\.rawValue), unit: claims.unit,
            enterprises: claims.enterprises, expires: claims.exp.value, issuedBy: environment["USER"] ?? environment["LOGNAME"] ?? "uid \(getuid())",
            host: ProcessInfo.processInfo.hostName, fingerprint: Self.fingerprint(token), tool: tool)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(record) else { throw KeyFileError("\(path): cannot encode the issue record") }
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard fd >= 0 else { throw KeyFileError("\(path): cannot open the token audit log: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw KeyFileError("\(path): cannot write the token audit log: \(String(cString: strerror(errno)))")
        }
    }

    /// Every record, oldest first.
    public func records() throws -> [Record] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try decoder.decode(Record.self, from: Data($0.utf8)) }
    }
}
