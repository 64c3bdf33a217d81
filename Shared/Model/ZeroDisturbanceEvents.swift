import Foundation

// Zero-disturbance sites (零滋扰): police action at such a site is coordinated with the
// enterprise's liaison officer before units go (docs/dispatch.md, "Zero-disturbance sites";
// docs/liaison.md, "Coordination").

/// Where a hold on a zero-disturbance site stands.
public enum HoldStatus: String, Codable, Sendable, CaseIterable {
    /// A non-emergency incident waits for the liaison officer's acknowledgement (or the timeout).
    case held
    /// The hold ended and units go (`releasedBy` says why).
    case released
    /// An emergency: units went at once and the liaison officer is told.
    case bypassed
}

/// dispatch held, released or bypassed a zero-disturbance hold (`dispatch.hold.<status>.<region>`).
/// liaison follows it to ask the liaison officer for the acknowledgement. Internal.
public struct CoordinationHold: EventPayload, Hashable {
    public static let type = "dispatch.hold"
    public static let version = 1
    public var incidentId: String
    public var status: HoldStatus
    public var enterpriseId: String
    public var enterpriseName: String?
    /// The officer whose acknowledgement releases the hold.
    public var liaisonOfficerId: String
    public var category: Category
    public var priority: Int
    public var regionId: String?
    public var gridId: String?
    /// When the hold began, and when it ends without an acknowledgement.
    public var heldAt: Date?
    public var dueAt: Date?
    /// `released`: `acknowledged`, `timeout`, `dispatcher` (an override sent a unit) or `emergency`
    /// (the incident became one); `bypassed`: why it is an emergency (`priority`, `casualties`, `major`).
    public var reason: String
    /// `released` by an acknowledgement: the officer who gave it.
    public var acknowledgedBy: String?
    public var at: Date

    public init(
        incidentId: String, status: HoldStatus, enterpriseId: String, enterpriseName: String?, liaisonOfficerId: String, category: Category,
        priority: Int, regionId: String?, gridId: String?, heldAt: Date?, dueAt: Date?, reason: String, acknowledgedBy: String? = nil, at: Date
    ) {
        self.incidentId = incidentId
        self.status = status
        self.enterpriseId = enterpriseId
        self.enterpriseName = enterpriseName
        self.liaisonOfficerId = liaisonOfficerId
        self.category = category
        self.priority = priority
        self.regionId = regionId
        self.gridId = gridId
        self.heldAt = heldAt
        self.dueAt = dueAt
        self.reason = reason
        self.acknowledgedBy = acknowledgedBy
        self.at = at
    }

    public var routingKey: String? { "\(status.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

extension CoordinationHold {
    public static var example: CoordinationHold {
        CoordinationHold(
            incidentId: "I00000042", status: .released, enterpriseId: "E0001", enterpriseName: "魏桥创业集团", liaisonOfficerId: "O0131",
            category: .dispute, priority: 3, regionId: "R1", gridId: "G003", heldAt: Date(timeIntervalSince1970: 1_790_000_000),
            dueAt: Date(timeIntervalSince1970: 1_790_000_600), reason: "acknowledged", acknowledgedBy: "O0131",
            at: Date(timeIntervalSince1970: 1_790_000_140))
    }
}

/// The liaison officer acknowledged police action at a zero-disturbance site
/// (`liaison.coordination.<enterpriseId>`): dispatch releases the hold. Internal.
public struct CoordinationAcknowledged: EventPayload, Hashable {
    public static let type = "liaison.coordination"
    public static let version = 1
    public var incidentId: String
    public var enterpriseId: String
    public var officerId: String
    /// What the officer arranged (e.g. `security chief meets the unit at gate 2`).
    public var note: String?
    public var at: Date

    public init(incidentId: String, enterpriseId: String, officerId: String, note: String?, at: Date) {
        self.incidentId = incidentId
        self.enterpriseId = enterpriseId
        self.officerId = officerId
        self.note = note
        self.at = at
    }

    public var routingKey: String? { enterpriseId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

extension CoordinationAcknowledged {
    public static var example: CoordinationAcknowledged {
        CoordinationAcknowledged(
            incidentId: "I00000042", enterpriseId: "E0001", officerId: "O0131", note: "security chief meets the unit at gate 2",
            at: Date(timeIntervalSince1970: 1_790_000_140))
    }
}
