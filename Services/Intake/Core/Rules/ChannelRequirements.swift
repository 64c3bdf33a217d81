import Foundation
import Model

/// What a channel requires of a call (DOMAIN.md §3.1).
public struct ChannelRequirements: Sendable {
    public enum Field: String, Sendable, CaseIterable {
        case callerPhone = "caller.phone"
        case description
        case callTaker
        /// `location.lat`/`lon` or `location.address`, or `enterpriseId`.
        case placeOrEnterprise = "location"
        /// `caller.phone` or `referral.ticketId`.
        case phoneOrTicket = "referral.ticketId"
    }

    public var required: [Channel: [Field]]

    /// 110 takes anonymous and silent calls, so it requires nothing; 122 needs a number to call
    /// back and who took it; a 12345 referral needs the matter and a work order or a number; the
    /// enterprise hotline needs a number, the matter and the enterprise or its place.
    public static let standard = ChannelRequirements(required: [
        .police: [],
        .traffic: [.callerPhone, .callTaker],
        .hotline12345: [.description, .phoneOrTicket, .callTaker],
        .enterprise: [.callerPhone, .description, .placeOrEnterprise, .callTaker],
    ])

    /// The first required field the call lacks, as a rejection.
    public func check(_ call: CallRequest) -> FieldError? {
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        for field in required[call.channel] ?? [] {
            let missing: Bool =
                switch field {
                case .callerPhone: blank(call.caller?.phone)
                case .description: blank(call.description)
                case .callTaker: blank(call.callTaker)
                case .placeOrEnterprise: call.location?.coordinate == nil && blank(call.location?.address) && blank(call.enterpriseId)
                case .phoneOrTicket: blank(call.caller?.phone) && blank(call.referral?.ticketId)
                }
            if missing {
                let what =
                    switch field {
                    case .placeOrEnterprise: "location (lat/lon or address) or enterpriseId"
                    case .phoneOrTicket: "referral.ticketId or caller.phone"
                    default: field.rawValue
                    }
                return FieldError(field: field.rawValue, reason: "is required on channel \(call.channel.rawValue) (\(what))", code: "missing-field")
            }
        }
        return nil
    }
}
