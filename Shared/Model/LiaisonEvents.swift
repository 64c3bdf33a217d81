import Foundation

// Events liaison publishes (`alert.*`).

/// An alert for one enterprise and its liaison officer. Integrator-facing: no caller personal data.
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
    /// Why the incident is enterprise-related: `geofence`, `named`, `address`.
    public var matchedBy: String
    public var liaisonOfficerId: String
    public var zeroDisturbance: Bool
    public var gridId: String?
    public var at: Date

    public init(alertId: String, enterpriseId: String, enterpriseName: String, incidentId: String, transition: String, severity: Severity,
                category: Category, matchedBy: String, liaisonOfficerId: String, zeroDisturbance: Bool, gridId: String?, at: Date) {
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
    }

    public var routingKey: String? { enterpriseId }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

