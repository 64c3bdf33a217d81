import EventStore
import Foundation
import Model

// `incident.opened` from intake: the incident enters dispatch and its first units go.
extension Dispatcher {
    func open(_ opened: IncidentOpened, _ tx: Transaction) throws {
        // Only this instance's regions (the inbox still advances for the rest).
        guard scope.serves(regionKey: RegionScope.regionKey(of: opened.place.grid)) else { return }
        let incident = IncidentOpening.activeIncident(opened, rules: rules, jurisdiction: jurisdiction)
        guard try DispatchStore.insertIncident(incident, tx) else { return }
        incidents[incident.id] = incident
        let major = incident.facts.major
        try note(incident.id, "opened", nil, "\(opened.category.rawValue), priority \(opened.priority)\(major ? ", major" : "")", tx)

        // Incident-level timers run from receipt (event time).
        try DispatchStore.startTimer(.firstFeedback, incident, unitId: nil, SLADeadline(rules.timers.firstFeedback, from: opened.receivedAt), tx)
        try DispatchStore.startTimer(.close, incident, unitId: nil, SLADeadline(rules.timers.close, from: opened.receivedAt), tx)

        if major, let grid = incident.grid {
            let command = incident.commandStationId ?? "?"
            try escalate(
                IncidentEscalated(
                    incidentId: incident.id, regionId: grid.regionId, reason: "major", level: 1,
                    commandStationId: incident.commandStationId,
                    note: "centre station \(command) takes command of the region's units", at: tx.now), tx)
            try note(incident.id, "escalated", nil, "major: centre station \(command) commands", tx)
            try DispatchStore.insertEchelons(EchelonPlan.later(rules.ptuEchelons, openedAt: opened.receivedAt), incidentId: incident.id, tx)
        }
        try notifyChiefs(incident, tx)
        if try holdAtZeroDisturbanceSite(opened, incident, tx) { return }

        for need in policy.initialNeeds(incident.facts, rules: rules) {
            try sendOrQueue(need, to: incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
        }
    }

    /// `dispatch.notified.<role>.<officer>` to each chief `ChiefSelection` names, once per role.
    private func notifyChiefs(_ incident: ActiveIncident, _ tx: Transaction) throws {
        guard let grid = incident.grid else { return }
        var sent = Set<String>()
        for notice in chiefs.notices(for: incident) {
            for officer in notice.officers where sent.insert("\(notice.role.rawValue).\(officer.id)").inserted {
                try tx.emit(
                    ChiefNotified(
                        incidentId: incident.id, officerId: officer.id, role: notice.role, reason: notice.reason,
                        regionId: grid.regionId, stationId: grid.stationId, gridId: grid.gridId,
                        schoolId: notice.schoolId, at: tx.now))
                try note(incident.id, "notified", nil, "\(notice.role.rawValue) \(officer.id) (\(notice.reason))", tx)
            }
        }
    }
}
