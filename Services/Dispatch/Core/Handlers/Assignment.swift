import EventStore
import Foundation
import Model

// Sending units and queueing what cannot be sent: the steps every handler shares.
extension Dispatcher {
    /// Sends a unit for `need`; false when none is free.
    @discardableResult
    func send(_ need: Need, to incidentId: String, _ tx: Transaction) throws -> Bool {
        guard let incident = incidents[incidentId] else { return false }
        let started = ContinuousClock.now
        let tiers = policy.tiers(for: need, incident.facts)
        guard
            let chosen = fleet.nearest(
                in: tiers, to: incident.target(in: jurisdiction), excluding: incident.tried, scope: scope,
                shifts: shifts, minute: shifts.minuteOfDay(tx.now))
        else { return false }
        try assign(chosen, need: need, incidentId: incidentId, tx)
        let elapsed = (ContinuousClock.now - started).components
        observer.decided(chosen.rule, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, tx.now.timeIntervalSince(incident.openedAt))
        return true
    }

    /// Sends a unit for `need`, or queues the need when none is free.
    func sendOrQueue(_ need: Need, to incidentId: String, reason: String, _ tx: Transaction) throws {
        if try !send(need, to: incidentId, tx) { try enqueue(need, incidentId, reason: reason, tx) }
    }

    /// Puts the chosen unit on the incident: its state, the assignment, `dispatch.assigned`, and
    /// its sign-off and the incident's arrival timers.
    func assign(_ choice: UnitChoice, need: Need, incidentId: String, _ tx: Transaction) throws {
        guard var incident = incidents[incidentId], var record = fleet[choice.unitId] else { return }
        let unitId = choice.unitId
        try setState(&record, try UnitStateMachine.next(record.state, .dispatch, unitId: unitId), incidentId: incidentId, reason: need.role, tx)
        incident.active[unitId] = ActiveAssignment(need: need)
        incident.tried.insert(unitId)
        incident.headline = incident.headline(after: choice, need: need, at: tx.now)
        incidents[incidentId] = incident
        let eta = rules.travelSeconds(choice.distance, record.unit.kind)
        try DispatchStore.insertAssignment(incidentId: incidentId, choice: choice, need: need, eta: eta, headline: incident.headline!, tx)
        let grid = incident.grid
        let unitStation = record.unit.stationId ?? record.unit.squadronId
        try tx.emit(
            UnitAssigned(
                incidentId: incidentId, unitId: unitId, callSign: record.unit.callSign, unitKind: record.unit.kind,
                officerIds: record.unit.officerIds,
                rule: choice.rule, regionId: grid?.regionId, stationId: grid?.stationId, gridId: grid?.gridId,
                distanceMeters: choice.distance, etaSeconds: eta, assignedAt: tx.now,
                unitStationId: unitStation == grid?.stationId ? nil : unitStation, postId: grid?.urban == true ? grid?.postId : nil,
                commandStationId: incident.commandStationId, role: need.role, replacesUnitId: need.replaces ?? need.handoverFrom))
        try note(incidentId, "assigned", unitId, "\(choice.rule) (\(need.role)), \(Int(choice.distance)) m, eta \(Int(eta)) s", tx)
        try DispatchStore.startTimer(.signOff, incident, unitId: unitId, SLADeadline(rules.timers.signOff, from: tx.now), tx)
        // Arrival runs from the first dispatch (a later unit finds it started and leaves it).
        let promise = grid.flatMap { jurisdiction.responseMinutes(grid: $0.gridId) }
        let arrival = SLADeadline.arrival(from: tx.now, promiseMinutes: promise, rules: rules.timers.arrival)
        try DispatchStore.startTimer(.arrival, incident, unitId: nil, arrival, tx)
    }

    /// Queues `need` and escalates it to the region's centre station (level 1).
    func enqueue(_ need: Need, _ incidentId: String, reason: String, _ tx: Transaction) throws {
        guard let incident = incidents[incidentId] else { return }
        let entry = try DispatchStore.insertQueued(need, incident, tx)
        queue.insert(entry)
        // An incident with a unit on it stays `assigned` while a further need waits.
        if incident.active.isEmpty { try DispatchStore.markQueued(incidentId: incidentId, tx) }
        try tx.emit(
            IncidentQueued(
                incidentId: incidentId, regionId: incident.grid?.regionId, priority: incident.priority, reason: reason,
                queuedAt: tx.now, need: need.kind.rawValue, queueId: entry.id))
        try escalate(
            IncidentEscalated(
                incidentId: incidentId, regionId: incident.grid?.regionId, reason: "queued", level: 1,
                commandStationId: centreStation(of: incident.grid), note: reason, at: tx.now), tx)
        try note(incidentId, "queued", nil, "\(need.role): \(reason)", tx)
        observer.queueLength(queue.count)
    }

    /// Units came free (or back on duty): serve the queue, most urgent and oldest first, looking
    /// at `limit` entries at most and stopping when no unit at all is free.
    func serveQueue(_ tx: Transaction, limit: Int = 256) throws {
        guard !queue.isEmpty else { return }
        var index = 0
        var looked = 0
        while index < queue.count && looked < limit {
            looked += 1
            let entry = queue.entries[index]
            guard incidents[entry.incidentId] != nil else {
                queue.remove(at: index)
                try DispatchStore.deleteQueued(id: entry.id, tx)
                continue
            }
            if try send(entry.need, to: entry.incidentId, tx) {
                queue.remove(at: index)
                try DispatchStore.deleteQueued(id: entry.id, tx)
                let waited = Int(tx.now.timeIntervalSince(entry.queuedAt))
                try note(entry.incidentId, "dequeued", nil, "\(entry.need.role) served after \(waited) s", tx)
            } else {
                index += 1
            }
            if !fleet.anyAvailable { break }
        }
        observer.queueLength(queue.count)
    }

    /// A closed incident leaves the queue.
    func dropQueued(incidentId: String, _ tx: Transaction) throws {
        guard queue.removeAll(incidentId: incidentId) else { return }
        try DispatchStore.deleteQueued(incidentId: incidentId, tx)
        observer.queueLength(queue.count)
    }
}
