import EventStore
import Foundation
import Model

/// Zero-disturbance coordination (零滋扰): dispatch's `dispatch.hold` asks the liaison officer
/// (an officer alert, kind `coordination`, transition `hold`; an emergency sent at once is
/// `emergency`), and the officer's acknowledgement is published as `liaison.coordination.<enterprise>`,
/// which dispatch follows to release the hold.
struct Coordination {
    let alerts = SendAlerts()

    func hold(_ h: CoordinationHold, registry: Registry, _ tx: Transaction) throws {
        try CoordinationStore.record(h, tx)
        if let alert = CoordinationRules.officerAlert(h, enterprise: registry[h.enterpriseId]?.enterprise) { try alerts.officer(alert, tx) }
    }

    func acknowledge(_ input: CoordinationAck, registry: Registry, _ tx: Transaction) throws -> CoordinationView {
        let known = try CoordinationStore.hold(tx.db, incidentId: input.incidentId)
        let hold = try CoordinationRules.check(input, hold: known, enterprise: known.flatMap { registry[$0.enterpriseId]?.enterprise })
        try CoordinationStore.acknowledge(input.incidentId, by: input.officerId, note: input.note, tx)
        try tx.emit(CoordinationAcknowledged(incidentId: input.incidentId, enterpriseId: hold.enterpriseId, officerId: input.officerId, note: input.note, at: tx.now))
        return try CoordinationStore.hold(tx.db, incidentId: input.incidentId) ?? hold
    }
}
