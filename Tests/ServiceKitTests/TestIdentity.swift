import Foundation
import ServiceKit
import Wire

/// A token-signing key made at test time (never a fixture), its file, and tokens signed with it.
enum TestIdentity {
    static let key = TokenKey.generate()
    static let authority = TokenAuthority(key: key)

    /// The key's file in the temporary directory, written once per test process.
    static func keyFile() throws -> String {
        try written.get()
    }

    private static let written: Result<String, any Error> = Result {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-test-token-\(UUID().uuidString.prefix(8)).key").path
        try key.write(to: path)
        return path
    }

    static func token(
        _ roles: [Role], subject: String = "tester", unit: String? = nil, enterprises: [String]? = nil, lifetime: TimeInterval = 600
    ) async throws -> String {
        try await authority.issue(subject: subject, roles: roles, unit: unit, enterprises: enterprises, lifetime: lifetime)
    }
}
