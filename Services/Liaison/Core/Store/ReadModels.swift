import Foundation
import Model

// What liaison's read operations answer.

/// Liaison's own record of an enterprise-related incident (one per incident and enterprise).
public struct LiaisonIncident: Codable, Sendable, Hashable {
    public struct Dispatch: Codable, Sendable, Hashable {
        public var unitId: String
        public var callSign: String
        public var at: Date
        /// The coordination alert sent to the liaison officer (zero-disturbance sites only).
        public var coordinationAlertId: String?
    }
    public var incidentId: String
    public var enterpriseId: String
    public var matchedBy: String
    public var reasons: [String]
    public var category: Category
    public var severity: EnterpriseAlert.Severity
    /// The incident is at a zero-disturbance site (零滋扰).
    public var zeroDisturbance: Bool
    /// Police action must be coordinated through the liaison officer (same as `zeroDisturbance`).
    public var coordinationRequired: Bool
    /// `open`, `onScene`, `closed`.
    public var status: String
    public var gridId: String?
    public var openedAt: Date
    public var arrivedAt: Date?
    public var closedAt: Date?
    public var outcome: Outcome?
    public var dispatches: [Dispatch]
}

/// An alert as liaison recorded it.
public struct AlertRecord: Codable, Sendable, Hashable {
    public var alertId: String
    /// `enterprise` (alert.enterprise.<id>) or `officer` (alert.officer.<id>).
    public var audience: String
    public var officerId: String?
    /// `incident` or `coordination` (officer alerts); `incident` for enterprise alerts.
    public var kind: String
    public var enterpriseId: String
    public var incidentId: String
    public var transition: String
    public var matchedBy: String
    public var severity: String
    public var zeroDisturbance: Bool
    public var summary: String?
    public var at: Date
}

/// Case figures over a period: cases opened and solved in it, suspects caught and losses recovered in it.
public struct CaseTotals: Codable, Sendable, Hashable {
    public var key: String
    public var casesOpened: Int
    public var casesSolved: Int
    public var suspectsCaught: Int
    /// Yuan.
    public var lossesRecovered: Double

    public init(key: String, casesOpened: Int = 0, casesSolved: Int = 0, suspectsCaught: Int = 0, lossesRecovered: Double = 0) {
        self.key = key
        self.casesOpened = casesOpened
        self.casesSolved = casesSolved
        self.suspectsCaught = suspectsCaught
        self.lossesRecovered = lossesRecovered
    }
}

public struct CaseTotalsReport: Codable, Sendable, Hashable {
    public var from: Date?
    public var to: Date
    public var by: CaseTotalsQuery.By
    /// One row per enterprise or officer with figures in the period (empty for `city`).
    public var rows: [CaseTotals]
    public var city: CaseTotals
}

public struct OverdueEntry: Codable, Sendable, Hashable {
    public var enterpriseId: String
    public var name: String
    public var liaisonOfficerId: String
    public var lastVisitAt: Date?
    public var lastMeetingAt: Date?
    public var lastContactAt: Date?
    /// Days since the last visit or meeting; nil when there never was one.
    public var daysSinceContact: Double?
}

public struct OverdueReport: Codable, Sendable, Hashable {
    public var asOf: Date
    public var periodDays: Double
    public var overdue: [OverdueEntry]
}

public struct EnterpriseProfile: Codable, Sendable, Hashable {
    public var record: EnterpriseRecord
    public var openIncidents: [LiaisonIncident]
    public var recentIncidents: [LiaisonIncident]
    public var alerts: [AlertRecord]
    public var cases: [EnterpriseCase]
    public var caseTotals: CaseTotals
    public var workLog: [WorkLogEntry]
    public var lastVisitAt: Date?
    public var lastMeetingAt: Date?
    public var overdue: Bool
}

public struct PortfolioEntry: Codable, Sendable, Hashable {
    public var enterpriseId: String
    public var name: String
    /// `liaison`, `deputy` or `stationed`.
    public var role: String
    public var majorProject: Bool
    public var zeroDisturbance: Bool
    public var openIncidents: Int
    public var openCases: Int
    public var lastContactAt: Date?
    public var overdue: Bool
}

public struct OfficerPortfolio: Codable, Sendable, Hashable {
    public var officerId: String
    public var enterprises: [PortfolioEntry]
    /// The officer's latest alerts (alert.officer.<id>), newest first.
    public var alerts: [AlertRecord]
    /// All-time figures of the cases counted for this officer.
    public var caseTotals: CaseTotals
}

public struct EnterpriseSummary: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var gridId: String
    public var scale: Enterprise.Scale
    public var liaisonOfficerId: String
    public var deputyOfficerId: String?
    public var stationedOfficerId: String?
    public var majorProject: Bool
    public var zeroDisturbance: Bool
    public var revision: Int
    public var retired: Bool
}

/// One enterprise alert in the feed of `GET /v1/alerts`.
public struct AlertFeedEntry: Codable, Sendable, Hashable {
    public var alertId: String
    public var enterpriseId: String
    public var incidentId: String
    public var transition: String
    public var matchedBy: String
    public var severity: String
    public var summary: String?
    public var zeroDisturbance: Bool
    public var at: Date
}
