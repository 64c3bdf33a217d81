import Foundation
import Model

/// The alerts liaison sends (docs/liaison.md, "Alerts"): one enterprise alert and one officer
/// alert per incident, enterprise and transition, and a coordination alert per unit dispatched
/// into a zero-disturbance site. The ids are the de-duplication keys: the same transition
/// reported twice has the same id, so it alerts nobody twice. Pure: built from what liaison
/// knows, never from the caller's words.
enum AlertRules {
    /// Radius of the circle round an enterprise's registered point in its alerts' `area`.
    static let areaRadiusKm = 0.5

    static func alertId(_ incident: IncidentState, transition: String) -> String {
        "\(incident.incidentId):\(incident.enterpriseId):\(transition)"
    }

    /// The coordination alert's id, or `nil` when the site needs no coordination.
    static func coordinationAlertId(_ incident: IncidentState, unitId: String) -> String? {
        incident.zeroDisturbance ? "\(incident.incidentId):\(incident.enterpriseId):coordination:\(unitId)" : nil
    }

    /// The enterprise's own registered site: its geofence (outer ring, closed) and a circle round
    /// its registered point. Never the caller's position.
    static func area(of e: Enterprise) -> AlertArea {
        var ring = e.geofence.outerRing
        if let first = ring.first, ring.last != first { ring.append(first) }
        return AlertArea(
            description: "\(e.name)（网格 \(e.gridId)）", polygon: ring.count >= 4 ? ring : nil,
            center: e.location, radiusKm: areaRadiusKm)
    }

    /// What the officer alert of an opening adds: the call's details, for the officer only.
    struct OfficerDetail: Sendable {
        var description: String?
        var address: String?
        var coordinate: Coordinate?
        var stationId: String?
    }

    /// `alert.enterprise.<id>`; `references` are the alerts sent before for this incident.
    static func enterpriseAlert(
        _ incident: IncidentState, _ e: Enterprise, transition: IncidentState.Transition, outcome: Outcome?, at: Date,
        references: [AlertReference]
    ) -> EnterpriseAlert {
        EnterpriseAlert(
            alertId: alertId(incident, transition: transition.name), enterpriseId: e.id, enterpriseName: e.name, incidentId: incident.incidentId,
            transition: transition.name, severity: incident.severity, category: incident.category, matchedBy: incident.matchedBy,
            liaisonOfficerId: e.liaisonOfficerId, zeroDisturbance: incident.zeroDisturbance, gridId: incident.gridId, at: at,
            summary: AlertText.summary(enterprise: e, category: incident.category, transition: transition.name, outcome: outcome),
            status: transition.status, outcome: outcome, reasons: incident.reasons, coordinationRequired: incident.zeroDisturbance,
            openedAt: incident.openedAt, references: references, area: area(of: e))
    }

    /// `alert.officer.<id>` beside an enterprise alert, kind `incident`.
    static func officerAlert(
        _ incident: IncidentState, _ e: Enterprise, transition: IncidentState.Transition, outcome: Outcome?, at: Date,
        detail: OfficerDetail?
    ) -> OfficerAlert {
        OfficerAlert(
            alertId: alertId(incident, transition: transition.name) + ":officer", officerId: e.liaisonOfficerId, kind: .incident, enterpriseId: e.id,
            enterpriseName: e.name, incidentId: incident.incidentId, transition: transition.name, severity: incident.severity,
            category: incident.category, matchedBy: incident.matchedBy, zeroDisturbance: incident.zeroDisturbance,
            coordinationRequired: incident.zeroDisturbance,
            summary: AlertText.summary(enterprise: e, category: incident.category, transition: transition.name, outcome: outcome),
            description: detail?.description, address: detail?.address, coordinate: detail?.coordinate, gridId: incident.gridId,
            stationId: detail?.stationId, outcome: outcome, deputyOfficerId: e.deputyOfficerId, stationedOfficerId: e.stationedOfficerId,
            contacts: e.contacts, at: at)
    }

    /// `alert.officer.<id>`, kind `coordination`: a unit is on its way into a zero-disturbance site.
    static func coordinationAlert(_ incident: IncidentState, _ e: Enterprise, alertId: String, assigned a: UnitAssigned.Fields) -> OfficerAlert {
        let summary = AlertText.summary(enterprise: e, category: incident.category, transition: "dispatched", outcome: nil) + "：\(a.callSign)"
        return OfficerAlert(
            alertId: alertId, officerId: e.liaisonOfficerId, kind: .coordination, enterpriseId: e.id, enterpriseName: e.name,
            incidentId: incident.incidentId, transition: "dispatched", severity: incident.severity, category: incident.category,
            matchedBy: incident.matchedBy, zeroDisturbance: true, coordinationRequired: true, summary: summary, gridId: incident.gridId,
            stationId: a.stationId, unitId: a.unitId, callSign: a.callSign, etaSeconds: a.etaSeconds, deputyOfficerId: e.deputyOfficerId,
            stationedOfficerId: e.stationedOfficerId, contacts: e.contacts, at: a.assignedAt)
    }
}
