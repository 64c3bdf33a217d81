import EventStore
import Foundation
import Model
import Wire

/// dispatch's `dispatch.assigned` and `dispatch.field` for enterprise-related incidents: every
/// dispatch is recorded (a unit sent into a zero-disturbance site alerts the liaison officer at
/// once, kind `coordination`); the first arrival and the close alert the enterprise. An event
/// about an incident liaison has not seen yet is parked until it is (the two sources are not
/// ordered with each other).
struct FollowDispatch {
    let alerts = SendAlerts()

    /// Whether a dispatch event can be left unread, from its topic and header alone: a field report
    /// of a stage liaison never follows, or an event about an incident liaison saw and matched to
    /// no enterprise (most of them; the header's correlation id is the incident). Like the types
    /// the engine drops, such an event's payload is not decoded, so not checked either.
    func ignores(_ event: Envelope, atNoEnterprise: RecentIncidents, _ tx: Transaction) throws -> Bool {
        if event.header.type == FieldReported.type, IncidentState.neverFollows(topic: event.topic) { return true }
        guard let incidentId = event.header.correlationId else { return false }
        return try atNoEnterprise.contains(incidentId) || IncidentStore.isSeenAtNoEnterprise(incidentId, tx)
    }

    /// `parked`: the incidents with events parked, which this one may join.
    func assigned(_ a: UnitAssigned.Fields, payload: [UInt8], registry: Registry, parked: inout Set<String>, _ tx: Transaction) throws {
        guard try IncidentStore.isSeen(a.incidentId, tx) else {
            parked.insert(a.incidentId)
            return try IncidentStore.park(a.incidentId, type: UnitAssigned.type, payload: payload, at: a.assignedAt, tx)
        }
        try apply(a, registry: registry, tx)
    }

    func field(_ report: FieldReported.Fields, payload: [UInt8], registry: Registry, parked: inout Set<String>, _ tx: Transaction) throws {
        guard IncidentState.follows(report) else { return }
        guard try IncidentStore.isSeen(report.incidentId, tx) else {
            parked.insert(report.incidentId)
            return try IncidentStore.park(report.incidentId, type: FieldReported.type, payload: payload, at: report.at, tx)
        }
        try apply(report, registry: registry, tx)
    }

    /// An event parked before its incident was seen.
    func applyParked(type: String, payload: Data, registry: Registry, _ tx: Transaction) throws {
        if type == UnitAssigned.type {
            try apply(try JSONCodec.decode(UnitAssigned.Fields.self, from: payload, fallback: tx.decoder), registry: registry, tx)
        } else {
            try apply(try JSONCodec.decode(FieldReported.Fields.self, from: payload, fallback: tx.decoder), registry: registry, tx)
        }
    }

    private func apply(_ a: UnitAssigned.Fields, registry: Registry, _ tx: Transaction) throws {
        for incident in try IncidentStore.states(a.incidentId, tx) where incident.closedAt == nil {
            let alertId = AlertRules.coordinationAlertId(incident, unitId: a.unitId)
            guard try IncidentStore.recordDispatch(a, to: incident, coordinationAlertId: alertId, tx), let alertId,
                let e = registry[incident.enterpriseId]?.enterprise
            else { continue }
            try alerts.officer(AlertRules.coordinationAlert(incident, e, alertId: alertId, assigned: a), tx)
        }
    }

    private func apply(_ report: FieldReported.Fields, registry: Registry, _ tx: Transaction) throws {
        for incident in try IncidentStore.states(report.incidentId, tx) {
            guard let transition = incident.transition(for: report.stage) else { continue }
            try IncidentStore.record(transition, of: incident, at: report.at, outcome: report.outcome, tx)
            let outcome = transition.name == "closed" ? report.outcome : nil
            try alerts.transition(incident, transition, outcome: outcome, at: report.at, registry: registry, tx)
        }
    }
}
