import Foundation
import ServiceKit
import Wire

/// The token-signing key of this test process, made at test time, and tokens signed with it. The
/// cluster's services read the key from `PRECINCT_TOKEN_KEY`.
enum TestTokens {
    static let key = TokenKey.generate()
    static let authority = TokenAuthority(key: key)

    static func keyFile() throws -> String { try written.get() }

    private static let written: Result<String, any Error> = Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-it-token-\(UUID().uuidString.prefix(8)).key").path
        try key.write(to: path)
        return path
    }

    static func token(_ roles: [Role], subject: String = "integration", unit: String? = nil, enterprises: [String]? = nil) async throws -> String {
        try await authority.issue(subject: subject, roles: roles, unit: unit, enterprises: enterprises, lifetime: 3600)
    }

    /// A token holding every person's role: what the tests that are not about roles send.
    static func everyRole() async throws -> String { try await token(Role.people) }
}
