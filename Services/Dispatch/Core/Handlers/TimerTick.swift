import EventStore
import Foundation
import Model

// The engine's tick, on event time (`tx.now`): shifts, service-level warnings and breaches,
// later PTU echelons, queue escalation, and serving the queue when units came back.
extension Dispatcher {
    func tick(_ tx: Transaction) throws {
        try applyShifts(tx)
        // Warnings first, for timers not yet due.
        for due in try DispatchStore.warningsDue(tx) where SLADeadline.warns(dueSeconds: due.dueSeconds, nowSeconds: tx.now.timeIntervalSince1970) {
            try warn(due, tx)
        }
        for due in try DispatchStore.breachesDue(tx) { try breach(due, tx) }
        // Later PTU echelons (梯次增援) of major incidents still open.
        for due in try DispatchStore.echelonsDue(tx) {
            try DispatchStore.markEchelonDone(due, tx)
            guard incidents[due.incidentId] != nil else { continue }
            for _ in 0..<due.units {
                try sendOrQueue(
                    Need(kind: .ptu, echelon: due.echelon), to: due.incidentId,
                    reason: "no PTU team free for echelon \(due.echelon)", tx)
            }
        }
        try escalateStillQueued(tx)
        try escalateOverdue(tx)
        if queueRetryDue {
            queueRetryDue = false
            try serveQueue(tx)
        }
        observer.ticked(tx.now)
    }

    private func warn(_ due: DueTimer, _ tx: Transaction) throws {
        try DispatchStore.setTimerState(.warned, due, ended: false, tx)
        try tx.emit(
            SLAWarning(
                incidentId: due.incidentId, unitId: due.unitId, timer: due.timer, regionId: due.regionId,
                stationId: due.stationId, startedAt: due.startedAt, dueAt: due.dueAt, at: tx.now))
        let left = Int(due.dueSeconds - tx.now.timeIntervalSince1970)
        try note(due.incidentId, "warning", due.unitId, "\(due.timer.rawValue) due in \(left) s", tx)
        observer.warned(due.timer)
    }

    /// A breached sign-off re-dispatches to the next unit (never one that signed off) and holds
    /// the silent crew unreachable; any other breach escalates (`overdue`). Every breach is
    /// published with what was done and the units and officers it charges.
    private func breach(_ due: DueTimer, _ tx: Transaction) throws {
        try DispatchStore.setTimerState(.breached, due, ended: true, tx)
        var action = BreachAction.none
        var consequence: String?
        var charged = due.unitId.map { [$0] } ?? []
        if due.timer != .signOff, let incident = incidents[due.incidentId] {
            charged = OverdueRule.charged(due.timer, active: incident.active, arrived: [])
        }
        let officers = charged.flatMap { fleet[$0]?.unit.officerIds ?? [] }
        if due.timer != .signOff, let incident = incidents[due.incidentId] {
            consequence = try overdue(due, incident, tx)
        }
        if let unitId = due.unitId, let assignment = incidents[due.incidentId]?.active[unitId],
            BreachAction.redispatches(due.timer, assignment: assignment, unitState: fleet[unitId]?.state)
        {
            try release(unitId, from: due.incidentId, reason: "signOffBreached", transition: .unreachable, tx)
            var need = assignment.need
            need.replaces = unitId
            if try send(need, to: due.incidentId, tx) {
                action = .redispatched
            } else {
                try enqueue(need, due.incidentId, reason: "sign-off expired and no other unit is free", tx)
                action = .queued
            }
        }
        try tx.emit(
            SLABreached(
                incidentId: due.incidentId, unitId: due.unitId, officerIds: officers, timer: due.timer, regionId: due.regionId,
                stationId: due.stationId, startedAt: due.startedAt, dueAt: due.dueAt, action: consequence ?? action.rawValue, at: tx.now,
                unitIds: charged))
        try note(due.incidentId, "breached", due.unitId, "\(due.timer.rawValue) (\(consequence ?? action.rawValue))", tx)
        observer.breached(due.timer)
    }

    /// Needs still queued after `queue.escalateAfterSeconds` go to the city command centre (level 2).
    private func escalateStillQueued(_ tx: Transaction) throws {
        var raised: [QueueEntry] = []
        for entry in queue.escalateDue(at: tx.now, after: rules.queue.escalateAfterSeconds) {
            try DispatchStore.escalateQueued(id: entry.id, tx)
            let incident = incidents[entry.incidentId]
            try escalate(
                IncidentEscalated(
                    incidentId: entry.incidentId, regionId: incident?.grid?.regionId, reason: "stillQueued", level: 2,
                    commandStationId: centreStation(of: incident?.grid),
                    note: "\(entry.need.role) waiting \(Int(tx.now.timeIntervalSince(entry.queuedAt))) s", at: tx.now), tx)
            try note(entry.incidentId, "escalated", nil, "still queued: city command centre", tx)
            raised.append(entry)
        }
        try borrow(for: raised, tx)
    }

    /// Shifts change on the minute: a free unit outside its shift goes off duty; one whose
    /// shift begins comes back (and the queue is served).
    private func applyShifts(_ tx: Transaction) throws {
        guard rules.shifts.enforce else { return }
        let minute = shifts.minuteOfDay(tx.now)
        guard minute != lastShiftMinute else { return }
        lastShiftMinute = minute
        for id in fleet.order {
            guard var record = fleet[id], scope.commands(unitRegion: record.regionId), let change = shifts.shiftChange(record, minute: minute)
            else { continue }
            if change == .offDuty {
                record.offReason = "shift"
                try setState(&record, .offDuty, incidentId: nil, reason: "shiftEnded", tx)
            } else {
                try setState(&record, .available, incidentId: nil, reason: "shiftStarted", tx)
                queueRetryDue = true
            }
        }
    }
}
