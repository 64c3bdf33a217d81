import EventStore
import Foundation
import Model

// `field`: a unit reports on its incident (sign-off, en route, arrival, feedback, handover,
// support, close). Everything is checked before anything is written, so a refused report
// leaves no trace.
extension Dispatcher {
    func report(_ command: FieldCommand, _ tx: Transaction) throws {
        // An unreachable crew that reports is reachable again, whatever becomes of the report
        // (its incident went to another unit, so the report itself is usually refused).
        if var record = fleet[command.unitId], Reachability.isUnreachable(record) {
            try setState(&record, .available, incidentId: nil, reason: "reportedBack", tx)
            queueRetryDue = true
        }
        let next = try FieldReportRules.check(command, unit: fleet[command.unitId], incident: incidents[command.incidentId])
        guard var record = fleet[command.unitId], var incident = incidents[command.incidentId] else { return }
        if let p = command.position { record.position = p }
        // A handover needs its receiver before anything is written.
        var receiver: UnitChoice?
        if command.stage == .handover {
            receiver = try handovers.receiver(command.handover, incident: incident, giver: record, fleet: fleet)
        }
        if command.stage != .requestSupport {
            guard try DispatchStore.insertFieldReport(command, tx) else {
                throw FieldCommandError.refuse("stage", "\(command.stage.rawValue) was already reported")
            }
        }
        let unitId = command.unitId
        var incidentClosed: Bool?
        // The unit that handed over, when this report's implied sign-off freed it.
        var freedGiver: [String] = []

        // Sign-off: explicit, or implied by any later progress.
        if command.stage.impliesSignOff, incident.active[unitId]?.signedOff == false {
            incident.active[unitId]!.signedOff = true
            incidents[incident.id] = incident
            try DispatchStore.markSignedOff(incidentId: incident.id, unitId: unitId, tx)
            try DispatchStore.stopTimer(.signOff, incidentId: incident.id, unitId: unitId, tx)
            // A receiver taking over frees the unit that handed over.
            if let giver = incident.giver(of: unitId), fleet[giver]?.state == .handingOver {
                try release(giver, from: incident.id, reason: "handedOver", transition: .handedOver, tx)
                freedGiver = [giver]
                incident = incidents[incident.id]!
            }
        }
        if let timer = command.stage.meetsTimer {
            try DispatchStore.stopTimer(timer, incidentId: incident.id, unitId: nil, tx)
        }

        if command.stage == .closed {
            try release(unitId, from: incident.id, reason: "closed", transition: .close, tx)
            incident = incidents[incident.id]!
            if command.outcome == .caseOpened && !incident.caseReferred {
                try referCase(&incident, byUnit: record, tx)
            }
            incidentClosed = incident.active.isEmpty && !incident.cityWideOnly
            // The city desk's part is done: it lets the incident go without closing it for the region.
            if incident.active.isEmpty && incident.cityWideOnly, let outcome = command.outcome {
                try closeIncident(incident, outcome: outcome, tx)
            }
        } else if command.position != nil || next != record.state {
            try setState(&record, next, incidentId: record.incidentId, reason: command.stage.rawValue, tx)
        }
        try tx.emit(
            FieldReported(
                incidentId: command.incidentId, unitId: unitId, officerIds: record.unit.officerIds, stage: command.stage,
                outcome: command.outcome, note: command.note, regionId: incident.grid?.regionId, at: tx.now,
                handover: command.handover,
                support: command.stage == .requestSupport ? (command.support ?? SupportRequest()) : nil,
                incidentClosed: incidentClosed))
        try note(command.incidentId, command.stage.rawValue, unitId, FieldReportRules.timelineDetail(command), tx)

        // The incident closes after its last unit's report, so its timeline and events read in order.
        if incidentClosed == true, let outcome = command.outcome { try closeIncident(incident, outcome: outcome, tx) }
        if command.stage == .handover, let receiver {
            let need = Need(kind: incident.active[unitId]?.need.kind ?? .primary, handoverFrom: unitId)
            try assign(receiver, need: need, incidentId: incident.id, tx)
        }
        if command.stage == .requestSupport {
            let request = command.support ?? SupportRequest()
            for _ in 0..<FieldReportRules.supportUnits(request) {
                try sendOrQueue(Need(kind: .support, support: request), to: incident.id, reason: "no available unit for support", tx)
            }
        }
        if command.stage == .closed { try serveQueue(freed: [unitId] + freedGiver, tx) }
    }
}
