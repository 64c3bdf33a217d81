import EventStore
import Foundation
import Model
import Wire

// Escalations a dispatcher can acknowledge.
extension Dispatcher {
    /// Raises an escalation: publishes it and records it under `<source>-<seq>` of its event
    /// (`dispatch-1043`: unique in this instance's store, safe in a URL), the id a dispatcher
    /// acknowledges it by (`POST /v1/escalations/<id>/acknowledge`). Every escalation dispatch
    /// raises goes through here.
    @discardableResult
    func escalate(_ escalation: IncidentEscalated, _ tx: Transaction) throws -> String {
        let header = try tx.emit(escalation)
        let id = Self.escalationId(header)
        try DispatchStore.insertEscalation(id: id, escalation, tx)
        return id
    }

    /// The escalation id of the event that raised it.
    static func escalationId(_ header: EventHeader) -> String { "\(header.source)-\(header.seq)" }
}
