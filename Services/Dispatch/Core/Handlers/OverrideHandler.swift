import EventStore
import Foundation
import Model
import Wire

// A dispatcher overrides the rules (docs/dispatch.md, "Dispatcher overrides"): sends a named
// unit, reassigns, cancels an assignment, reclassifies, marks or unmarks major, acknowledges an
// escalation. Every check (`OverrideRules`) runs before anything is written, so a refused
// override leaves no trace; every accepted one is a `dispatch.override` event and a timeline line,
// and moves units through the same state machine and the same steps as the rules do.
extension Dispatcher {
    func override(_ command: OverrideCommand, _ tx: Transaction) throws -> OverrideReply {
        if case .recommend(let limit) = command.action {
            let incident = try openIncident(command.target, tx)
            let units = OverrideRules.recommendations(
                for: incident, queued: queue.entries(of: incident.id), fleet: fleet, policy: policy, rules: rules, scope: scope, shifts: shifts,
                minute: shifts.minuteOfDay(tx.now), target: incident.target(in: jurisdiction), limit: limit)
            return .recommendations(incidentId: incident.id, units: units)
        }
        try OverrideRules.validate(dispatcher: command.dispatcher, reason: command.reason)
        if case .acknowledge = command.action { return try acknowledge(command, tx) }
        let incident = try openIncident(command.target, tx)
        switch command.action {
        case .assign(let unitId): try send(unitId, to: incident, command, tx)
        case .reassign(let from, let to): try reassign(from, to, incident, command, tx)
        case .cancelAssignment(let unitId): try cancel(unitId, incident, command, tx)
        case .reclassify(let category): try reclassify(incident, category, command, tx)
        case .major(let major): try setMajor(incident, major, command, tx)
        case .recommend, .acknowledge: break
        }
        return .incident(incident.id)
    }

    /// The incident dispatch is working on; a closed one is refused, an unknown one not found.
    private func openIncident(_ id: String, _ tx: Transaction) throws -> ActiveIncident {
        if let incident = incidents[id] { return incident }
        if try DispatchStore.incidentStatus(id, tx) == "closed" {
            throw OverrideRefusal(.conflict, field: "id", "incident \(id) is closed")
        }
        throw OverrideRefusal(.notFound, field: "id", "no incident '\(id)'")
    }

    private func choice(_ record: TrackedUnit, for incident: ActiveIncident) -> UnitChoice {
        let distance = incident.target(in: jurisdiction).map { record.position.distance(to: $0) } ?? 0
        return UnitChoice(unitId: record.id, rule: "override", distance: distance)
    }

    private func send(_ unitId: String, to incident: ActiveIncident, _ command: OverrideCommand, _ tx: Transaction) throws {
        let record = try OverrideRules.checkSend(unitId, field: "unitId", to: incident, fleet: fleet, scope: scope)
        let (need, served) = OverrideRules.needForSend(queued: queue.entries(of: incident.id), incident: incident)
        try recordOverride(command, .assign, incident, unitId: unitId, detail: "sent \(unitId) (\(need.role))", tx)
        try releaseHold(incident.id, reason: "dispatcher", acknowledgedBy: nil, sendNeeds: false, tx)
        if let served, queue.remove(served) {
            try DispatchStore.deleteQueued(id: served.id, tx)
            observer.queueLength(queue.count)
        }
        try assign(choice(record, for: incident), need: need, incidentId: incident.id, tx)
    }

    private func reassign(_ from: String, _ to: String, _ incident: ActiveIncident, _ command: OverrideCommand, _ tx: Transaction) throws {
        guard from != to else { throw OverrideRefusal(.invalid, field: "toUnitId", "toUnitId must differ from fromUnitId") }
        let assignment = try OverrideRules.checkRecall(from, field: "fromUnitId", from: incident, fleet: fleet)
        let record = try OverrideRules.checkSend(to, field: "toUnitId", to: incident, fleet: fleet, scope: scope)
        try recordOverride(command, .reassign, incident, unitId: to, fromUnitId: from, detail: "\(from) → \(to)", tx)
        try release(from, from: incident.id, reason: "reassigned", transition: .recall, tx)
        var need = assignment.need
        need.replaces = from
        need.handoverFrom = nil
        try assign(choice(record, for: incident), need: need, incidentId: incident.id, tx)
    }

    /// The unit is taken off; an incident left with no unit and nothing waiting is served again
    /// by the rules (never by the cancelled unit), so it is never forgotten.
    private func cancel(_ unitId: String, _ incident: ActiveIncident, _ command: OverrideCommand, _ tx: Transaction) throws {
        let assignment = try OverrideRules.checkRecall(unitId, field: "unitId", from: incident, fleet: fleet)
        try recordOverride(command, .cancelAssignment, incident, unitId: unitId, detail: "took \(unitId) off", tx)
        try release(unitId, from: incident.id, reason: "cancelled", transition: .recall, tx)
        let waiting = queue.contains(incidentId: incident.id)
        if incidents[incident.id]?.active.isEmpty == true && !waiting {
            var need = assignment.need
            need.replaces = unitId
            need.handoverFrom = nil
            try sendOrQueue(need, to: incident.id, reason: "assignment of \(unitId) cancelled and no other unit is free", tx)
        }
    }

    private func reclassify(_ incident: ActiveIncident, _ category: Category, _ command: OverrideCommand, _ tx: Transaction) throws {
        guard category != incident.facts.category else {
            throw OverrideRefusal(.conflict, field: "category", "incident \(incident.id) is already \(category.rawValue)")
        }
        var updated = incident
        updated.facts.category = category
        let added = OverrideRules.addedNeeds(policy: policy, rules: rules, before: incident.facts, after: updated.facts)
        incidents[incident.id] = updated
        factsChanged(incident.id)
        try DispatchStore.setCategory(incidentId: incident.id, category, tx)
        try recordOverride(
            command, .reclassify, incident, category: category, previousCategory: incident.facts.category,
            detail: "\(incident.facts.category.rawValue) → \(category.rawValue)", tx)
        // A held incident's needs go when its hold ends; one that became an emergency goes now.
        if holds[incident.id] != nil {
            if updated.facts.isCasualtyAccident { try releaseHold(incident.id, reason: "emergency", acknowledgedBy: nil, sendNeeds: true, tx) }
            return
        }
        for need in added {
            try sendOrQueue(need, to: incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
        }
    }

    /// Marking major does what an incident opened major gets (the centre station commands, its
    /// duty chiefs are told, the region's units and PTU echelons go); unmarking stops what has not
    /// gone yet (later echelons, waiting major and PTU needs). Units already sent stay.
    private func setMajor(_ incident: ActiveIncident, _ major: Bool, _ command: OverrideCommand, _ tx: Transaction) throws {
        guard major != incident.facts.major else {
            throw OverrideRefusal(.conflict, field: "major", "incident \(incident.id) is \(major ? "already" : "not") major")
        }
        var updated = incident
        updated.facts.major = major
        updated.commandStationId = major ? (centreStation(of: incident.grid) ?? incident.grid?.stationId) : incident.grid?.stationId
        let added = OverrideRules.addedNeeds(policy: policy, rules: rules, before: incident.facts, after: updated.facts)
        incidents[incident.id] = updated
        factsChanged(incident.id)
        try DispatchStore.setMajor(incidentId: incident.id, major, commandStationId: updated.commandStationId, tx)
        try recordOverride(command, .major, incident, major: major, detail: major ? "marked major" : "unmarked major", tx)
        if major {
            let station = updated.commandStationId ?? "?"
            try escalate(
                IncidentEscalated(
                    incidentId: incident.id, regionId: incident.grid?.regionId, reason: "major", level: 1,
                    commandStationId: updated.commandStationId,
                    note: "marked major by \(command.dispatcher): centre station \(station) takes command", at: tx.now), tx)
            try note(incident.id, "escalated", nil, "major: centre station \(station) commands", tx)
            try notifyDutyChiefs(updated, tx)
            try DispatchStore.insertEchelons(EchelonPlan.later(rules.ptuEchelons, openedAt: tx.now), incidentId: incident.id, tx)
            // A held incident is now an emergency: every need goes (the release sends them all).
            if holds[incident.id] != nil { return try releaseHold(incident.id, reason: "emergency", acknowledgedBy: nil, sendNeeds: true, tx) }
            for need in added {
                try sendOrQueue(need, to: incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
            }
        } else {
            try DispatchStore.cancelEchelons(incidentId: incident.id, tx)
            for entry in queue.entries(of: incident.id) where entry.need.kind == .major || entry.need.kind == .ptu {
                queue.remove(entry)
                try DispatchStore.deleteQueued(id: entry.id, tx)
            }
            observer.queueLength(queue.count)
        }
    }

    private func notifyDutyChiefs(_ incident: ActiveIncident, _ tx: Transaction) throws {
        guard let grid = incident.grid else { return }
        for notice in chiefs.notices(for: incident) where notice.role == .dutyChief {
            for officer in notice.officers {
                try tx.emit(
                    ChiefNotified(
                        incidentId: incident.id, officerId: officer.id, role: notice.role, reason: notice.reason,
                        regionId: grid.regionId, stationId: grid.stationId, gridId: grid.gridId, schoolId: nil, at: tx.now))
                try note(incident.id, "notified", nil, "\(notice.role.rawValue) \(officer.id) (\(notice.reason))", tx)
            }
        }
    }

    private func acknowledge(_ command: OverrideCommand, _ tx: Transaction) throws -> OverrideReply {
        guard let escalation = try DispatchStore.escalation(id: command.target, tx) else {
            throw OverrideRefusal(.notFound, field: "id", "no escalation '\(command.target)'")
        }
        if let by = escalation.acknowledgedBy {
            let when = escalation.acknowledgedAt.map { " at \(EventTime.string($0))" } ?? ""
            throw OverrideRefusal(.conflict, field: "id", "escalation \(escalation.id) was already acknowledged by \(by)\(when)")
        }
        try DispatchStore.acknowledgeEscalation(id: escalation.id, by: command.dispatcher, reason: command.reason, tx)
        try tx.emit(
            DispatcherOverride(
                incidentId: escalation.incidentId, action: .acknowledgeEscalation, dispatcher: command.dispatcher, reason: command.reason,
                escalationId: escalation.id, regionId: escalation.regionId, at: tx.now))
        try note(escalation.incidentId, "override", nil, "acknowledgeEscalation \(escalation.id) by \(command.dispatcher): \(command.reason)", tx)
        return .escalation(escalation.id)
    }

    /// `dispatch.override` and the timeline line for an accepted override.
    private func recordOverride(
        _ command: OverrideCommand, _ action: OverrideAction, _ incident: ActiveIncident, unitId: String? = nil, fromUnitId: String? = nil,
        category: Category? = nil, previousCategory: Category? = nil, major: Bool? = nil, detail: String, _ tx: Transaction
    ) throws {
        try tx.emit(
            DispatcherOverride(
                incidentId: incident.id, action: action, dispatcher: command.dispatcher, reason: command.reason, unitId: unitId,
                fromUnitId: fromUnitId, category: category, previousCategory: previousCategory, major: major,
                regionId: incident.grid?.regionId, at: tx.now))
        try note(incident.id, "override", unitId, "\(action.rawValue) by \(command.dispatcher): \(detail); \(command.reason)", tx)
    }
}
