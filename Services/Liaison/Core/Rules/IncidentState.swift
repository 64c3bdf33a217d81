import Foundation
import Model

/// Liaison's working state of one enterprise-related incident (one per incident and enterprise).
struct IncidentState: Sendable, Hashable {
    var incidentId: String
    var enterpriseId: String
    var matchedBy: String
    var reasons: [String]
    var category: Category
    var severity: EnterpriseAlert.Severity
    var zeroDisturbance: Bool
    var gridId: String?
    var openedAt: Date
    var arrivedAt: Date?
    var closedAt: Date?

    /// The state of an incident that just opened at `match`'s enterprise.
    init(_ opened: IncidentOpened.Fields, match: Match) {
        incidentId = opened.incidentId
        enterpriseId = match.enterprise.id
        matchedBy = match.matchedBy.rawValue
        reasons = match.reasons.map(\.rawValue)
        category = opened.category
        severity = AlertText.severity(opened.category, casualties: opened.casualties)
        zeroDisturbance = match.enterprise.zeroDisturbance
        gridId = opened.place.grid?.gridId
        openedAt = opened.receivedAt
    }

    init(
        incidentId: String, enterpriseId: String, matchedBy: String, reasons: [String], category: Category, severity: EnterpriseAlert.Severity,
        zeroDisturbance: Bool, gridId: String?, openedAt: Date, arrivedAt: Date?, closedAt: Date?
    ) {
        self.incidentId = incidentId
        self.enterpriseId = enterpriseId
        self.matchedBy = matchedBy
        self.reasons = reasons
        self.category = category
        self.severity = severity
        self.zeroDisturbance = zeroDisturbance
        self.gridId = gridId
        self.openedAt = openedAt
        self.arrivedAt = arrivedAt
        self.closedAt = closedAt
    }

    /// A step of the incident the enterprise is told about.
    struct Transition: Sendable, Hashable {
        /// `arrived` or `closed` (`opened` is the incident itself).
        var name: String
        /// The incident's status after it: `onScene` or `closed`.
        var status: String
    }

    /// What a field report means for this incident: the first arrival, or the close; nothing
    /// once it is closed or for a repeated arrival.
    func transition(for stage: FieldStage) -> Transition? {
        guard closedAt == nil else { return nil }
        switch stage {
        case .arrived where arrivedAt == nil: return Transition(name: "arrived", status: "onScene")
        case .closed: return Transition(name: "closed", status: "closed")
        default: return nil
        }
    }

    /// Whether liaison follows a field report at all: arrivals, and the close of the incident
    /// itself (with several units, each unit's close frees that unit; the incident closes with the last).
    static func follows(_ report: FieldReported.Fields) -> Bool {
        report.stage == .arrived || (report.stage == .closed && report.incidentClosed != false)
    }

    /// Whether a field report's topic names a stage liaison never follows, so that its payload
    /// need not be read; `false` when the topic names no stage.
    static func neverFollows(topic: String) -> Bool {
        guard let stage = FieldReported.stage(ofTopic: topic) else { return false }
        return stage != .arrived && stage != .closed
    }
}
