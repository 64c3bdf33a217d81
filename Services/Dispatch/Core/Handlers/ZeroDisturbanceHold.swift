import EventStore
import Foundation
import Model
import Wire

// Zero-disturbance sites (零滋扰, docs/dispatch.md): ordinary police action at such a site waits
// for the enterprise's liaison officer to acknowledge it (`liaison.coordination`), or for the
// configured timeout, before units go; an emergency goes at once and the officer is told. The
// sites come from liaison's registry events (`liaison.enterprise.*`).
extension Dispatcher {
    /// liaison's events dispatch follows; false for any other event.
    func applyLiaison(_ event: Envelope, _ tx: Transaction) throws -> Bool {
        switch event.header.type {
        case EnterpriseChanged.type:
            let change = try tx.decode(EnterpriseChanged.self, from: event)
            var updated = sites
            let (site, changed) = updated.apply(change)
            guard changed else { return true }
            if let site { try DispatchStore.saveSite(site, tx) } else { try DispatchStore.deleteSite(id: change.enterprise.id, tx) }
            sites = updated
            return true
        case CoordinationAcknowledged.type:
            let ack = try tx.decode(CoordinationAcknowledged.self, from: event)
            // Another instance's incident, or a hold that already ended: nothing to release.
            guard holds[ack.incidentId] != nil else { return true }
            try releaseHold(ack.incidentId, reason: "acknowledged", acknowledgedBy: ack.officerId, sendNeeds: true, tx)
            return true
        default:
            return false
        }
    }

    /// An incident opening at a zero-disturbance site: held when it is ordinary police action (true:
    /// no unit goes yet), or published as bypassed when it is an emergency (its units go at once).
    func holdAtZeroDisturbanceSite(_ opened: IncidentOpened, _ incident: ActiveIncident, _ tx: Transaction) throws -> Bool {
        guard let site = sites.site(named: opened.enterpriseId, at: opened.place.coordinate) else { return false }
        let emergency = ZeroDisturbanceRule.emergency(priority: incident.priority, casualties: incident.facts.casualties, major: incident.facts.major)
        let dueAt = emergency == nil ? tx.now.addingTimeInterval(rules.holdSeconds) : nil
        let status: HoldStatus = emergency == nil ? .held : .bypassed
        let reason = emergency ?? "awaiting the liaison officer"
        try DispatchStore.insertHold(incident.id, site: site, status: status, reason: reason, dueAt: dueAt, tx)
        try tx.emit(
            CoordinationHold(
                incidentId: incident.id, status: status, enterpriseId: site.id, enterpriseName: site.name, liaisonOfficerId: site.liaisonOfficerId,
                category: incident.facts.category, priority: incident.priority, regionId: incident.grid?.regionId, gridId: incident.grid?.gridId,
                heldAt: tx.now, dueAt: dueAt, reason: reason, at: tx.now))
        guard let dueAt else {
            try note(incident.id, "zeroDisturbance", nil, "\(site.id) \(site.name): emergency (\(reason)), units go now; liaison officer \(site.liaisonOfficerId) told", tx)
            return false
        }
        holds[incident.id] = HeldIncident(incidentId: incident.id, site: site, heldAt: tx.now, dueAt: dueAt)
        try note(incident.id, "held", nil, "\(site.id) \(site.name): waiting for liaison officer \(site.liaisonOfficerId) until \(EventTime.string(dueAt))", tx)
        return true
    }

    /// The hold ends; with `sendNeeds`, the incident's needs go now (a dispatcher's own unit serves
    /// it otherwise).
    func releaseHold(_ incidentId: String, reason: String, acknowledgedBy: String?, sendNeeds: Bool, _ tx: Transaction) throws {
        guard let hold = holds[incidentId], let incident = incidents[incidentId] else { return }
        holds[incidentId] = nil
        try DispatchStore.releaseHold(incidentId, reason: reason, acknowledgedBy: acknowledgedBy, tx)
        try tx.emit(
            CoordinationHold(
                incidentId: incidentId, status: .released, enterpriseId: hold.site.id, enterpriseName: hold.site.name,
                liaisonOfficerId: hold.site.liaisonOfficerId, category: incident.facts.category, priority: incident.priority,
                regionId: incident.grid?.regionId, gridId: incident.grid?.gridId, heldAt: hold.heldAt, dueAt: hold.dueAt, reason: reason,
                acknowledgedBy: acknowledgedBy, at: tx.now))
        try note(incidentId, "holdReleased", nil, "\(reason)\(acknowledgedBy.map { " by \($0)" } ?? "")", tx)
        guard sendNeeds else { return }
        for need in policy.initialNeeds(incident.facts, rules: rules) {
            try sendOrQueue(need, to: incidentId, reason: "no available unit for \(need.kind.rawValue)", tx)
        }
    }

    /// Holds whose liaison officer did not answer in time: units go anyway.
    func releaseTimedOutHolds(_ tx: Transaction) throws {
        guard !holds.isEmpty else { return }
        for hold in holds.values.sorted(by: { ($0.dueAt, $0.incidentId) < ($1.dueAt, $1.incidentId) })
        where ZeroDisturbanceRule.timedOut(dueAt: hold.dueAt, now: tx.now) {
            try releaseHold(hold.incidentId, reason: "timeout", acknowledgedBy: nil, sendNeeds: true, tx)
        }
    }
}
