import Crypto
import Foundation
import Wire

/// A caller's keyed hash (HMAC-SHA256 of the phone number with the deployment's secret): what
/// repeat-call and malicious-caller detection match on, so they keep working once the stores have
/// redacted the phone itself (docs/security.md, "Personal data"). Without the key the hash
/// cannot be turned back into a number, nor computed from a guessed one.
public struct CallerKey: Sendable {
    private let key: SymmetricKey

    /// A key of at least 32 bytes (the secrets folder's `personal-data.key`).
    public init(bytes: [UInt8]) {
        precondition(bytes.count >= 32, "a caller key needs at least 32 bytes")
        key = SymmetricKey(data: bytes)
    }

    /// A key for this process only (tests, and cores built without one): hashes do not survive a restart.
    public static func ephemeral() -> CallerKey {
        var generator = SystemRandomNumberGenerator()
        return CallerKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The hash of `phone` (as given: the ledger never matched variants), lowercase hex.
    public func hash(_ phone: String) -> String {
        Hex.lowercase(HMAC<SHA256>.authenticationCode(for: Data(phone.utf8), using: key))
    }
}

/// How long intake keeps callers' names and phone numbers in clear.
public struct PersonalDataRetention: Sendable, Equatable {
    /// After this, a call's caller name and phone (and the copy in its recorded request) are
    /// redacted; 0 keeps them for ever.
    public var period: TimeInterval
    /// How often the stores are swept (in event time).
    public var sweepInterval: TimeInterval

    public init(days: Double = 180, sweepInterval: TimeInterval = 3600) {
        period = days * 86_400
        self.sweepInterval = sweepInterval
    }
}
