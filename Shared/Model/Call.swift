import Foundation

/// The line a call came in on (DOMAIN.md §3.1).
public enum Channel: String, Codable, Sendable, CaseIterable {
    /// 110 police calls.
    case police = "110"
    /// 122 traffic calls (122 call-takers sit in the 110 centre).
    case traffic = "122"
    /// Referrals from the 12345 government hotline.
    case hotline12345 = "12345"
    /// The enterprise service hotline (服务企业热线).
    case enterprise
}

/// Incident categories (DOMAIN.md §3.2).
public enum Category: String, Codable, Sendable, CaseIterable {
    case criminal, publicOrder, dispute, accidentMinor, accidentCasualty, helpRequest, nonPolice
}

public struct Caller: Codable, Sendable, Hashable {
    public var name: String?
    public var phone: String?

    public init(name: String? = nil, phone: String? = nil) {
        self.name = name
        self.phone = phone
    }
}

public struct CallLocation: Codable, Sendable, Hashable {
    public var lat: Double?
    public var lon: Double?
    /// A standard address (标准地址).
    public var address: String?

    public init(lat: Double? = nil, lon: Double? = nil, address: String? = nil) {
        self.lat = lat
        self.lon = lon
        self.address = address
    }

    public var coordinate: Coordinate? {
        guard let lat, let lon else { return nil }
        return Coordinate(lat: lat, lon: lon)
    }
}

/// A call as the call-taker's console (or a load generator) submits it: `POST /v1/calls`, or the
/// `call` request on intake's ROUTER, with the same JSON.
public struct CallRequest: Codable, Sendable, Hashable {
    public var channel: Channel
    public var caller: Caller?
    public var location: CallLocation?
    public var categoryHint: Category?
    public var description: String?
    /// When the call was received; intake's clock when absent.
    public var receivedAt: Date?
    /// The call-taker who took it (scoring ranks call-takers too).
    public var callTaker: String?
    /// People hurt, when known.
    public var casualties: Int?
    /// Parties of a dispute agree to mediation.
    public var partiesConsent: Bool?
    /// The caller names an enterprise.
    public var enterpriseId: String?
    /// A client's idempotency key: the same key twice returns the first answer.
    public var clientRef: String?
    /// A 12345 referral: the hotline's work order (工单), required on channel `12345` unless the
    /// caller's phone is given.
    public var referral: Referral?
    /// The call-taker merges this call into the open incident with this id, whatever its caller,
    /// place or category (a same-caller call about another matter otherwise opens its own incident).
    public var mergeInto: String?

    public init(
        channel: Channel, caller: Caller? = nil, location: CallLocation? = nil, categoryHint: Category? = nil,
        description: String? = nil, receivedAt: Date? = nil, callTaker: String? = nil, casualties: Int? = nil,
        partiesConsent: Bool? = nil, enterpriseId: String? = nil, clientRef: String? = nil
    ) {
        self.channel = channel
        self.caller = caller
        self.location = location
        self.categoryHint = categoryHint
        self.description = description
        self.receivedAt = receivedAt
        self.callTaker = callTaker
        self.casualties = casualties
        self.partiesConsent = partiesConsent
        self.enterpriseId = enterpriseId
        self.clientRef = clientRef
        self.referral = nil
    }
}

/// The 12345 platform's work order a referral comes with.
public struct Referral: Codable, Sendable, Hashable {
    /// The 12345 work-order number (工单号).
    public var ticketId: String?
    /// The 12345 department that referred it, when known.
    public var department: String?

    public init(ticketId: String? = nil, department: String? = nil) {
        self.ticketId = ticketId
        self.department = department
    }
}

/// What intake answers once the call is committed.
public struct CallReceipt: Codable, Sendable, Hashable {
    /// `review`: recorded, no rule classified it; it waits for the call-taker's category.
    public enum Outcome: String, Codable, Sendable, CaseIterable { case opened, merged, diverted, rejected, review }
    public var callId: String
    public var incidentId: String?
    public var outcome: Outcome
    public var location: GridLocation?
    public var category: Category?
    /// 1 is most urgent.
    public var priority: Int?
    /// Who decided the category: `callTaker`, or `rule:<id>` of the classification table.
    public var categorySource: String?
    /// 涉企: the call names an enterprise, came in on the enterprise hotline, or its text says so.
    public var enterpriseRelated: Bool?
    public var casualties: Int?
    /// For a merged call: `sameCaller` or `samePlace`.
    public var mergeReason: String?
    /// For a diverted call: where the 12345 platform should send it.
    public var diversion: Diversion?
    /// What the call-taker should look at: `location-unresolved`, `needs-review`, `repeat-caller`, `malicious-caller`.
    public var flags: [String]?

    public init(callId: String, incidentId: String?, outcome: Outcome, location: GridLocation?, category: Category?) {
        self.callId = callId
        self.incidentId = incidentId
        self.outcome = outcome
        self.location = location
        self.category = category
    }

    /// Where a diverted call goes on the 12345 platform.
    public struct Diversion: Codable, Sendable, Hashable {
        public var ruleId: String
        public var matter: String
        public var department: String

        public init(ruleId: String, matter: String, department: String) {
            self.ruleId = ruleId
            self.matter = matter
            self.department = department
        }
    }
}

/// A rejection that names the field and the reason.
public struct FieldError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var reason: String
    /// A stable reason code for counting (`outside-jurisdiction`, `impossible-time`, …).
    public var code: String?

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public init(field: String, reason: String, code: String) {
        self.field = field
        self.reason = reason
        self.code = code
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}
