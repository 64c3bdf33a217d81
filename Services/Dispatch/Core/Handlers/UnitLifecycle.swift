import EventStore
import Foundation
import Model

// Units changing state, leaving incidents, and incidents closing: the steps every handler shares.
extension Dispatcher {
    /// Records a unit's new state; publishes `unit.status` when the state changed.
    func setState(_ record: inout TrackedUnit, _ state: UnitState, incidentId: String?, reason: String, _ tx: Transaction) throws {
        let from = record.state
        let previousIncident = record.incidentId
        record.state = state
        record.incidentId = incidentId
        if state != .offDuty { record.offReason = nil }
        fleet[record.id] = record
        try DispatchStore.saveUnit(record, tx)
        guard from != state else { return }
        try tx.emit(
            UnitStatusChanged(
                unitId: record.id, from: from.rawValue, to: state.rawValue, incidentId: incidentId ?? previousIncident,
                stationId: record.unit.stationId ?? record.unit.squadronId, position: record.position,
                reason: reason, at: tx.now))
    }

    /// A unit leaves an incident: free again (or off duty when its shift is over).
    func free(_ unitId: String, reason: String, transition: UnitTransition, _ tx: Transaction) throws {
        guard var record = fleet[unitId] else { return }
        let released = try UnitStateMachine.next(record.state, transition, unitId: unitId)
        let next = shifts.stateAfterRelease(released, record.unit, at: tx.now)
        if next != released { record.offReason = "shift" }
        if transition == .unreachable { record.offReason = Reachability.missedSignOff }
        try setState(&record, next, incidentId: nil, reason: reason, tx)
        if next == .available { queueRetryDue = true }
    }

    /// Ends a unit's assignment on an incident and frees it.
    func release(_ unitId: String, from incidentId: String, reason: String, transition: UnitTransition, _ tx: Transaction) throws {
        guard var incident = incidents[incidentId] else { return }
        incident.active[unitId] = nil
        incidents[incidentId] = incident
        try DispatchStore.endAssignment(incidentId: incidentId, unitId: unitId, reason: reason, tx)
        try free(unitId, reason: reason, transition: transition, tx)
        // A close is on the timeline as the unit's own report.
        if reason != "closed" { try note(incidentId, "released", unitId, reason, tx) }
    }

    /// The incident's last unit closed it: its timers end, it leaves the queue and memory, and
    /// `dispatch.closed` is published.
    func closeIncident(_ incident: ActiveIncident, outcome: Outcome, _ tx: Transaction) throws {
        try DispatchStore.closeIncident(incidentId: incident.id, outcome: outcome, tx)
        try dropQueued(incidentId: incident.id, tx)
        incidents[incident.id] = nil
        // The region's own instance publishes the close of an incident the city desk only helped on.
        guard !incident.cityWideOnly else { return }
        try tx.emit(
            IncidentClosed(
                incidentId: incident.id, outcome: outcome, regionId: incident.grid?.regionId,
                stationId: incident.grid?.stationId, openedAt: incident.openedAt, at: tx.now))
        try note(incident.id, "incidentClosed", nil, outcome.rawValue, tx)
    }

    /// 立案: the case goes to the case-handling team of the incident's station (else the unit's).
    func referCase(_ incident: inout ActiveIncident, byUnit record: TrackedUnit, _ tx: Transaction) throws {
        guard let station = incident.grid?.stationId ?? record.unit.stationId else { return }
        incident.caseReferred = true
        incidents[incident.id] = incident
        try DispatchStore.markCaseReferred(incidentId: incident.id, tx)
        let team = jurisdiction.officers(team: .caseHandling, station: station).map(\.id)
        try tx.emit(
            CaseReferred(
                incidentId: incident.id, stationId: station, team: .caseHandling, officerIds: team,
                regionId: incident.grid?.regionId, byUnitId: record.id, at: tx.now))
        try note(incident.id, "caseReferred", record.id, "case-handling team of \(station)", tx)
    }
}
