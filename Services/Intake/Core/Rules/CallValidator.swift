import Foundation
import Model
import Wire

/// Whether a readable call is acceptable (DOMAIN.md §3.1): the channel's required fields, a
/// possible time, and a position inside the jurisdiction. Pure: intake's clock is passed in.
public struct CallValidator: Sendable {
    public var jurisdiction: Jurisdiction
    public var rules: IntakeRules

    public init(jurisdiction: Jurisdiction, rules: IntakeRules) {
        self.jurisdiction = jurisdiction
        self.rules = rules
    }

    /// The first problem that makes the call unacceptable, or `nil`.
    public func problem(_ request: CallRequest, receivedAt: Date, now: Date) -> FieldError? {
        if let problem = rules.channels.check(request) { return problem }
        if receivedAt.timeIntervalSince(now) > rules.maxFutureSkew {
            let reason =
                "\(EventTime.string(receivedAt)) is more than \(Int(rules.maxFutureSkew / 60)) minutes after intake's clock "
                + "(\(EventTime.string(now)))"
            return FieldError(field: "receivedAt", reason: reason, code: "impossible-time")
        }
        if now.timeIntervalSince(receivedAt) > rules.maxAge {
            let reason =
                "\(EventTime.string(receivedAt)) is more than \(Int(rules.maxAge / 3600)) hours before intake's clock "
                + "(\(EventTime.string(now)))"
            return FieldError(field: "receivedAt", reason: reason, code: "impossible-time")
        }
        if let casualties = request.casualties, casualties < 0 {
            return FieldError(field: "casualties", reason: "cannot be negative (\(casualties))", code: "invalid-value")
        }
        guard let location = request.location else { return nil }
        if (location.lat == nil) != (location.lon == nil) {
            let missing = location.lat == nil ? "location.lat" : "location.lon"
            return FieldError(field: missing, reason: "lat and lon come together", code: "missing-field")
        }
        if let c = location.coordinate {
            guard c.isValid else {
                return FieldError(
                    field: "location", reason: "(\(c.lat), \(c.lon)) is not a WGS-84 position (lat -90…90, lon -180…180)",
                    code: "invalid-coordinates")
            }
            if jurisdiction.locate(c) == nil {
                return FieldError(field: "location", reason: "(\(c.lat), \(c.lon)) is outside the jurisdiction", code: "outside-jurisdiction")
            }
        }
        return nil
    }
}
