import EventStore
import Foundation
import Model

// A saturated region borrows (issue 15, point 12): a need still queued after its level-2
// escalation goes to the nearest free qualified unit of a neighbouring region this instance
// commands, when the rules allow it.
extension Dispatcher {
    /// Tries to lend a unit to each of `entries` (needs just escalated to level 2).
    func borrow(for entries: [QueueEntry], _ tx: Transaction) throws {
        let lending = rules.borrowingRules
        guard lending.enabled else { return }
        for entry in entries {
            guard let incident = incidents[entry.incidentId], queue.contains(entry) else { continue }
            let own = policy.tiers(for: entry.need, incident.facts)
            guard let tier = borrowing.tier(for: own, regionId: incident.grid?.regionId),
                let choice = fleet.nearest(
                    in: [tier], to: incident.target(in: jurisdiction), excluding: incident.tried, scope: scope, shifts: shifts,
                    minute: shifts.minuteOfDay(tx.now)),
                choice.distance <= lending.maxDistanceMeters
            else { continue }
            queue.remove(entry)
            try DispatchStore.deleteQueued(id: entry.id, tx)
            try assign(choice, need: entry.need, incidentId: incident.id, tx)
            try emitReinforcement(choice, incident, reason: "borrowed", action: "sent", need: entry.need.role, tx)
        }
        observer.queueLength(queue.count)
    }
}
