import EventStore
import Foundation
import Model

// `units`: a unit reports its position, or goes off or on duty.
extension Dispatcher {
    func unitReport(_ report: UnitReport, _ tx: Transaction) throws {
        guard var record = fleet[report.unitId] else {
            throw FieldCommandError.refuse("unitId", "unknown unit '\(report.unitId)'")
        }
        guard scope.commands(unitRegion: record.regionId) else {
            throw FieldCommandError.refuse("unitId", "unit \(report.unitId) is not in this instance's regions")
        }
        if let p = report.position {
            guard p.isValid else { throw FieldCommandError.refuse("position", "not a valid coordinate") }
            record.position = p
            fleet[record.id] = record
            try DispatchStore.saveUnit(record, tx)
        }
        switch report.duty {
        case .offDuty?:
            let next = try dutyChange(record, .signOut)
            record.offReason = "signedOut"
            try setState(&record, next, incidentId: nil, reason: "signedOut", tx)
        case .onDuty?:
            // A crew already on duty reporting back in is accepted as it is.
            guard Reachability.afterReportingIn(record) != nil else { break }
            let next = try dutyChange(record, .signOn)
            let reason = Reachability.isUnreachable(record) ? "reportedBack" : "signedOn"
            try setState(&record, next, incidentId: nil, reason: reason, tx)
            try serveQueue(freed: [record.id], tx)
        case nil:
            break
        }
    }

    /// The state after signing out or on, or the refusal naming `duty`.
    private func dutyChange(_ record: TrackedUnit, _ transition: UnitTransition) throws -> UnitState {
        do { return try UnitStateMachine.next(record.state, transition, unitId: record.id) } catch let e as IllegalTransition {
            throw FieldCommandError.refuse("duty", e.description)
        }
    }
}
