import Foundation

// Events liaison publishes (`alert.*`, `liaison.*`). docs/liaison.md describes each.

/// An alert for one enterprise (`alert.enterprise.<enterpriseId>`), one per incident transition
/// that matters (`opened`, `arrived`, `closed`). Integrator-facing: it carries what the enterprise
/// may see and nothing else, so no caller personal data (no caller name or phone, no free-text
/// description, no coordinates).
public struct EnterpriseAlert: EventPayload, Hashable {
    public static let type = "alert.enterprise"
    public static let version = 1
    public enum Severity: String, Codable, Sendable { case minor, moderate, severe }
    public var alertId: String
    public var enterpriseId: String
    public var enterpriseName: String
    public var incidentId: String
    /// The incident transition: `opened`, `arrived`, `closed`.
    public var transition: String
    public var severity: Severity
    public var category: Category
    /// Why the incident is enterprise-related: `named`, `geofence`, `address` (the strongest reason).
    public var matchedBy: String
    public var liaisonOfficerId: String
    public var zeroDisturbance: Bool
    public var gridId: String?
    public var at: Date
    /// A generated one-line summary (category, transition, outcome); never the caller's words.
    public var summary: String?
    /// Incident status after this transition: `open`, `onScene`, `closed`.
    public var status: String?
    /// How the incident was closed (`closed` alerts only).
    public var outcome: Outcome?
    /// Every reason the incident matched, strongest first.
    public var reasons: [String]?
    /// The incident is at a zero-disturbance site: police action is coordinated through the liaison officer.
    public var coordinationRequired: Bool?
    /// When the incident was opened (event time).
    public var openedAt: Date?
    /// The earlier alerts of this incident for this enterprise, oldest first: what an `Update` or
    /// `Cancel` refers to (CAP `<references>`).
    public var references: [AlertReference]?
    /// The enterprise's own site (its geofence and a circle round its registered point), never
    /// the caller's position.
    public var area: AlertArea?

    public init(
        alertId: String, enterpriseId: String, enterpriseName: String, incidentId: String, transition: String, severity: Severity,
        category: Category, matchedBy: String, liaisonOfficerId: String, zeroDisturbance: Bool, gridId: String?, at: Date,
        summary: String? = nil, status: String? = nil, outcome: Outcome? = nil, reasons: [String]? = nil,
        coordinationRequired: Bool? = nil, openedAt: Date? = nil, references: [AlertReference]? = nil, area: AlertArea? = nil
    ) {
        self.alertId = alertId
        self.enterpriseId = enterpriseId
        self.enterpriseName = enterpriseName
        self.incidentId = incidentId
        self.transition = transition
        self.severity = severity
        self.category = category
        self.matchedBy = matchedBy
        self.liaisonOfficerId = liaisonOfficerId
        self.zeroDisturbance = zeroDisturbance
        self.gridId = gridId
        self.at = at
        self.summary = summary
        self.status = status
        self.outcome = outcome
        self.reasons = reasons
        self.coordinationRequired = coordinationRequired
        self.openedAt = openedAt
        self.references = references
        self.area = area
    }

    public var routingKey: String? { enterpriseId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// An earlier alert an enterprise alert refers to.
public struct AlertReference: Codable, Sendable, Hashable {
    public var alertId: String
    /// When that alert was sent (its event time).
    public var sent: Date

    public init(alertId: String, sent: Date) {
        self.alertId = alertId
        self.sent = sent
    }
}

/// Where an enterprise alert applies: the enterprise's registered site.
public struct AlertArea: Codable, Sendable, Hashable {
    /// Human-readable name of the area (the enterprise and its grid).
    public var description: String
    /// The site's outer boundary, closed (first point repeated last).
    public var polygon: [Coordinate]?
    /// Centre of a circle round the site's registered point.
    public var center: Coordinate?
    /// Radius of that circle, kilometres.
    public var radiusKm: Double?

    public init(description: String, polygon: [Coordinate]? = nil, center: Coordinate? = nil, radiusKm: Double? = nil) {
        self.description = description
        self.polygon = polygon
        self.center = center
        self.radiusKm = radiusKm
    }
}

/// An alert for a liaison officer (`alert.officer.<officerId>`). Internal police topic: it carries
/// the operational detail an officer needs (description, address, position, the unit sent), but
/// still no caller name or phone. Never expose it to integrators.
public struct OfficerAlert: EventPayload, Hashable {
    public static let type = "alert.officer"
    public static let version = 1
    public enum Kind: String, Codable, Sendable {
        /// An incident transition at one of the officer's enterprises (mirrors the enterprise alert).
        case incident
        /// A unit is being dispatched into a zero-disturbance site (零滋扰): coordinate it.
        case coordination
    }
    public var alertId: String
    public var officerId: String
    public var kind: Kind
    public var enterpriseId: String
    public var enterpriseName: String
    public var incidentId: String
    /// `opened`, `arrived`, `closed`, or `dispatched` (coordination).
    public var transition: String
    public var severity: EnterpriseAlert.Severity
    public var category: Category
    public var matchedBy: String
    public var zeroDisturbance: Bool
    public var coordinationRequired: Bool
    public var summary: String
    public var description: String?
    public var address: String?
    public var coordinate: Coordinate?
    public var gridId: String?
    public var stationId: String?
    public var unitId: String?
    public var callSign: String?
    public var etaSeconds: Double?
    public var outcome: Outcome?
    public var deputyOfficerId: String?
    public var stationedOfficerId: String?
    /// The enterprise's own contacts, so the officer can call them.
    public var contacts: [Enterprise.Contact]
    public var at: Date

    public init(
        alertId: String, officerId: String, kind: Kind, enterpriseId: String, enterpriseName: String, incidentId: String,
        transition: String, severity: EnterpriseAlert.Severity, category: Category, matchedBy: String, zeroDisturbance: Bool,
        coordinationRequired: Bool, summary: String, description: String? = nil, address: String? = nil, coordinate: Coordinate? = nil,
        gridId: String? = nil, stationId: String? = nil, unitId: String? = nil, callSign: String? = nil, etaSeconds: Double? = nil,
        outcome: Outcome? = nil, deputyOfficerId: String? = nil, stationedOfficerId: String? = nil, contacts: [Enterprise.Contact] = [], at: Date
    ) {
        self.alertId = alertId
        self.officerId = officerId
        self.kind = kind
        self.enterpriseId = enterpriseId
        self.enterpriseName = enterpriseName
        self.incidentId = incidentId
        self.transition = transition
        self.severity = severity
        self.category = category
        self.matchedBy = matchedBy
        self.zeroDisturbance = zeroDisturbance
        self.coordinationRequired = coordinationRequired
        self.summary = summary
        self.description = description
        self.address = address
        self.coordinate = coordinate
        self.gridId = gridId
        self.stationId = stationId
        self.unitId = unitId
        self.callSign = callSign
        self.etaSeconds = etaSeconds
        self.outcome = outcome
        self.deputyOfficerId = deputyOfficerId
        self.stationedOfficerId = stationedOfficerId
        self.contacts = contacts
        self.at = at
    }

    public var routingKey: String? { officerId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

/// The enterprise registry changed (`liaison.enterprise.<change>.<enterpriseId>`): seeded from
/// the city's `enterprises.json`, or written through the API.
public struct EnterpriseChanged: EventPayload, Hashable {
    public static let type = "liaison.enterprise"
    public static let version = 1
    public enum Change: String, Codable, Sendable { case registered, updated, retired }
    public var change: Change
    public var enterprise: Enterprise
    /// Registry version of this enterprise after the change (1 when registered).
    public var revision: Int
    /// `seed` (the city file, on first start) or `api`.
    public var origin: String
    public var at: Date

    public init(change: Change, enterprise: Enterprise, revision: Int, origin: String, at: Date) {
        self.change = change
        self.enterprise = enterprise
        self.revision = revision
        self.origin = origin
        self.at = at
    }

    public var routingKey: String? { "\(change.rawValue).\(enterprise.id)" }
    public var correlationId: String? { enterprise.id }
    public var eventTime: Date { at }
}

/// An enterprise-related case (涉企案件).
public struct EnterpriseCase: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// 立案, under investigation.
        case open
        /// 破案.
        case solved
        /// Closed without being solved (撤案, 移送).
        case closed
    }
    public var caseId: String
    public var enterpriseId: String
    /// The officer the case counts for (default: the enterprise's liaison officer).
    public var officerId: String
    public var incidentId: String?
    public var title: String
    public var status: Status
    public var suspectsCaught: Int
    /// Losses recovered, in yuan (kept to the fen).
    public var lossesRecovered: Double
    public var openedAt: Date
    public var solvedAt: Date?
    public var updatedAt: Date

    public init(
        caseId: String, enterpriseId: String, officerId: String, incidentId: String?, title: String, status: Status,
        suspectsCaught: Int, lossesRecovered: Double, openedAt: Date, solvedAt: Date?, updatedAt: Date
    ) {
        self.caseId = caseId
        self.enterpriseId = enterpriseId
        self.officerId = officerId
        self.incidentId = incidentId
        self.title = title
        self.status = status
        self.suspectsCaught = suspectsCaught
        self.lossesRecovered = lossesRecovered
        self.openedAt = openedAt
        self.solvedAt = solvedAt
        self.updatedAt = updatedAt
    }
}

/// A case was opened or updated (`liaison.case.<opened|updated>.<enterpriseId>`).
public struct CaseChanged: EventPayload, Hashable {
    public static let type = "liaison.case"
    public static let version = 1
    public var change: String
    public var enterpriseCase: EnterpriseCase
    /// What this change adds to the totals (may be negative for a correction).
    public var suspectsCaughtDelta: Int
    public var lossesRecoveredDelta: Double
    public var at: Date

    public init(change: String, enterpriseCase: EnterpriseCase, suspectsCaughtDelta: Int, lossesRecoveredDelta: Double, at: Date) {
        self.change = change
        self.enterpriseCase = enterpriseCase
        self.suspectsCaughtDelta = suspectsCaughtDelta
        self.lossesRecoveredDelta = lossesRecoveredDelta
        self.at = at
    }

    public var routingKey: String? { "\(change).\(enterpriseCase.enterpriseId)" }
    public var correlationId: String? { enterpriseCase.caseId }
    public var eventTime: Date { at }
}

/// One entry of the liaison work log: a joint meeting (联席会议) or a visit (走访).
public struct WorkLogEntry: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case meeting, visit }
    public var entryId: String
    public var enterpriseId: String
    public var kind: Kind
    public var officerIds: [String]
    /// When it took place (event time; not in the future).
    public var at: Date
    public var note: String?
    public var recordedAt: Date

    public init(entryId: String, enterpriseId: String, kind: Kind, officerIds: [String], at: Date, note: String?, recordedAt: Date) {
        self.entryId = entryId
        self.enterpriseId = enterpriseId
        self.kind = kind
        self.officerIds = officerIds
        self.at = at
        self.note = note
        self.recordedAt = recordedAt
    }
}

/// A work-log entry was recorded (`liaison.worklog.<kind>.<enterpriseId>`).
public struct WorkLogged: EventPayload, Hashable {
    public static let type = "liaison.worklog"
    public static let version = 1
    public var entry: WorkLogEntry

    public init(entry: WorkLogEntry) { self.entry = entry }

    public var routingKey: String? { "\(entry.kind.rawValue).\(entry.enterpriseId)" }
    public var correlationId: String? { entry.enterpriseId }
    public var eventTime: Date { entry.recordedAt }
}
