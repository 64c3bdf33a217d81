import EventStore
import Foundation
import Model

// A missed arrival, feedback or close timer (issue 15, point 2): the station's duty chief hears of
// it (level 1) and, for feedback and close still unmet later, the region's centre station
// (level 2); a missed arrival also brings the nearest free unit, offered or sent by the rules.
extension Dispatcher {
    /// The consequence of `due` on `incident`; the breach's `action`.
    func overdue(_ due: DueTimer, _ incident: ActiveIncident, _ tx: Transaction) throws -> String {
        let overdue = rules.overdueRules
        let first = OverdueRule.escalation(due.timer, level: 1, grid: incident.grid, jurisdiction: jurisdiction, rules: overdue, now: tx.now)
        try raise(first, due.timer, incident, tx)
        guard due.timer == .arrival, overdue.arrivalAction != "none" else { return "escalated" }
        return try reinforce(incident, reason: "arrivalOverdue", send: overdue.arrivalAction == "send", tx) ?? "escalated"
    }

    /// Level-1 escalations still unmet when their next level is due go to the centre station.
    func escalateOverdue(_ tx: Transaction) throws {
        for due in try DispatchStore.escalationsDue(tx) {
            guard let incident = incidents[due.incidentId] else { continue }  // closed meanwhile
            if due.timer == .firstFeedback, try DispatchStore.hasFeedback(incidentId: due.incidentId, tx) { continue }
            let second = OverdueRule.escalation(
                due.timer, level: 2, grid: incident.grid, jurisdiction: jurisdiction, rules: rules.overdueRules, now: tx.now)
            try raise(second, due.timer, incident, tx)
        }
    }

    /// Publishes one escalation: `dispatch.escalated` with its level and reason, and
    /// `dispatch.notified.dutyChief.<officer>` to each duty chief it names.
    private func raise(_ e: OverdueEscalation, _ timer: SLATimer, _ incident: ActiveIncident, _ tx: Transaction) throws {
        try DispatchStore.insertOverdueLevel(e, timer: timer, incidentId: incident.id, tx)
        let grid = incident.grid
        let whom = e.level == 1 ? "station duty chief" : "centre station"
        // Through `escalate`, so the dispatcher can acknowledge it like every other escalation.
        try escalate(
            IncidentEscalated(
                incidentId: incident.id, regionId: grid?.regionId, reason: e.reason, level: e.level, commandStationId: e.stationId,
                note: "\(timer.rawValue) overdue: \(whom) \(e.stationId ?? "?")", at: tx.now), tx)
        for officer in e.officerIds {
            try tx.emit(
                ChiefNotified(
                    incidentId: incident.id, officerId: officer, role: .dutyChief, reason: e.reason, regionId: grid?.regionId,
                    stationId: e.stationId, gridId: grid?.gridId, schoolId: nil, at: tx.now))
        }
        try note(incident.id, "escalated", nil, "\(e.reason) level \(e.level): \(whom) \(e.stationId ?? "?")", tx)
    }

    /// The nearest free unit for the incident's primary need, offered (an event for the
    /// dispatcher) or sent; `offered`/`sent`, or `nil` when none is free.
    func reinforce(_ incident: ActiveIncident, reason: String, send: Bool, _ tx: Transaction) throws -> String? {
        let need = Need(kind: send ? .support : .primary)
        let tiers = policy.tiers(for: Need(kind: .primary), incident.facts)
        guard
            let choice = fleet.nearest(
                in: tiers, to: incident.target(in: jurisdiction), excluding: incident.tried, scope: scope, shifts: shifts,
                minute: shifts.minuteOfDay(tx.now))
        else { return nil }
        if send { try assign(choice, need: need, incidentId: incident.id, tx) }
        let action = send ? "sent" : "offered"
        try emitReinforcement(choice, incident, reason: reason, action: action, need: need.role, tx)
        return action
    }

    func emitReinforcement(_ choice: UnitChoice, _ incident: ActiveIncident, reason: String, action: String, need: String, _ tx: Transaction) throws {
        guard let record = fleet[choice.unitId] else { return }
        try tx.emit(
            Reinforcement(
                incidentId: incident.id, unitId: choice.unitId, callSign: record.unit.callSign, regionId: incident.grid?.regionId,
                unitRegionId: record.regionId, reason: reason, action: action, need: need, distanceMeters: choice.distance,
                etaSeconds: rules.travelSeconds(choice.distance, record.unit.kind), at: tx.now))
        try note(incident.id, "reinforced", choice.unitId, "\(reason): \(action) (\(Int(choice.distance)) m)", tx)
    }
}
