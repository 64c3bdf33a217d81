import EventStore
import Foundation
import Model
import Synchronization

// Sending units and queueing what cannot be sent: the steps every handler shares.
extension Dispatcher {
    /// Sends a unit for `need`; false when none is free.
    @discardableResult
    func send(_ need: Need, to incidentId: String, _ tx: Transaction) throws -> Bool {
        var noneFree = Set<TierKey>()
        return try send(need, to: incidentId, minute: shifts.minuteOfDay(tx.now), noneFree: &noneFree, tx)
    }

    /// Sends a unit for `need` at local `minute`; false when none is free. `noneFree` holds the
    /// tier keys that found no free unit in this pass (units only get busier within one pass):
    /// a need of a key in it is not looked at again, and a failed need of an incident that has
    /// excluded no unit adds its key.
    func send(_ need: Need, to incidentId: String, minute: Int, noneFree: inout Set<TierKey>, _ tx: Transaction) throws -> Bool {
        // The incident is read in place (`values[slot]`): a copy out of the dictionary, field
        // after field retained and released, showed in the profile of every pass over the queue.
        guard let slot = incidents.index(forKey: incidentId) else { return false }
        let started = ContinuousClock.now
        let (tiers, key) = policy.keyedTiers(for: need, incidents.values[slot].facts)
        if noneFree.contains(key) { return false }
        guard
            let chosen = fleet.nearest(
                in: tiers, to: incidents.values[slot].target(in: jurisdiction), excluding: incidents.values[slot].tried, scope: scope,
                shifts: shifts, minute: minute)
        else {
            if incidents.values[slot].tried.isEmpty { noneFree.insert(key) }
            return false
        }
        let openedAt = incidents.values[slot].openedAt
        try assign(chosen, need: need, incidentId: incidentId, tx)
        let elapsed = (ContinuousClock.now - started).components
        observer.decided(chosen.rule, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, tx.now.timeIntervalSince(openedAt))
        return true
    }

    /// Sends a unit for `need`, or queues the need when none is free.
    func sendOrQueue(_ need: Need, to incidentId: String, reason: String, _ tx: Transaction) throws {
        if try !send(need, to: incidentId, tx) { try enqueue(need, incidentId, reason: reason, tx) }
    }

    /// Puts the chosen unit on the incident: its state, the assignment, `dispatch.assigned`, and
    /// its sign-off and the incident's arrival timers.
    func assign(_ choice: UnitChoice, need: Need, incidentId: String, _ tx: Transaction) throws {
        guard let slot = incidents.index(forKey: incidentId), var record = fleet[choice.unitId] else { return }
        let unitId = choice.unitId
        try setState(&record, try UnitStateMachine.next(record.state, .dispatch, unitId: unitId), incidentId: incidentId, reason: need.role, tx)
        // Changed in place: a copy changed and stored back copied its assignments and tried
        // units (shared with the stored one) at every assignment.
        incidents.values[slot].active[unitId] = ActiveAssignment(need: need)
        incidents.values[slot].tried.insert(unitId)
        incidents.values[slot].headline = incidents.values[slot].headline(after: choice, need: need, at: tx.now)
        let incident = incidents.values[slot]
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
        // Arrival runs from the first dispatch (a later unit finds it started and leaves it); the
        // region's own instance runs it for an incident the city desk holds for its city-wide needs.
        guard !incident.cityWideOnly else { return }
        let arrival = SLADeadline.arrival(from: tx.now, grid: grid?.gridId, jurisdiction: jurisdiction, rules: rules.timers.arrival)
        try DispatchStore.startTimer(.arrival, incident, unitId: nil, arrival, tx)
    }

    /// Queues `need` and escalates it to the region's centre station (level 1).
    func enqueue(_ need: Need, _ incidentId: String, reason: String, _ tx: Transaction) throws {
        guard let incident = incidents[incidentId] else { return }
        let entry = try DispatchStore.insertQueued(need, incident, tx)
        queue.insert(entry, tier: policy.keyedCandidates(for: need, incident.facts))
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
    /// at `limit` entries at most and stopping when no unit at all is free. The minute of day is
    /// taken once per pass, and needs whose candidates already found no free unit are skipped
    /// without a search.
    func serveQueue(_ tx: Transaction, limit: Int = 256) throws {
        guard !queue.isEmpty else { return }
        let minute = shifts.minuteOfDay(tx.now)
        var noneFree = Set<TierKey>()
        var next = queue.first
        var looked = 0
        while let entry = next, looked < limit {
            looked += 1
            // After this need is done with: the walk goes on from its key, whatever left the queue.
            defer { next = queue.entry(after: entry) }
            guard incidents.index(forKey: entry.incidentId) != nil else {
                try dropOrphan(entry, tx)
                continue
            }
            if try send(entry.need, to: entry.incidentId, minute: minute, noneFree: &noneFree, tx) { try dequeued(entry, tx) }
            if !fleet.anyAvailable { break }
        }
        observer.queueLength(queue.count)
    }

    /// `freed` came free (a close, a hand-over, a sign-on): serve the queue from them. Every other
    /// free unit was already offered every waiting need it could serve, so only the needs one of
    /// these units is a candidate for can be served now. The queue files each need under its tier
    /// key and knows each unit's keys, so the walk visits only those needs, in serving order,
    /// wherever they wait in the backlog, and ends when the freed units are taken or after `limit`
    /// needs (each one a search for the nearest free unit).
    ///
    /// Walking the queue from its head instead asked every need in turn whether a freed unit could
    /// serve it, up to 1,024 per close: in a run of 40,000 calls on the big city, with a backlog of
    /// tens of thousands, that walk was a quarter of dispatch's CPU.
    func serveQueue(freed: [String], _ tx: Transaction, limit: Int = 1024) throws {
        guard !queue.isEmpty else { return }
        let minute = shifts.minuteOfDay(tx.now)
        // A unit the jurisdiction does not list is in no tier: it cannot serve a waiting need.
        var waiting = freed.compactMap { id in
            fleet.isDispatchable(id, scope: scope, shifts: shifts, minute: minute) ? policy.index(of: id).map { (id: id, bit: $0) } : nil
        }
        var tiers = Set<FiledTier>()
        for unit in waiting { tiers.formUnion(queue.tiers(ofUnit: unit.bit)) }
        let among = Array(tiers)
        var noneFree = Set<TierKey>()
        var after: NeedKey?
        var looked = 0
        while !waiting.isEmpty, looked < limit, let (entry, tier) = queue.next(among: among, after: after) {
            looked += 1
            after = entry.key
            // Only the parts of the incident needed are read, in place (`values[slot]`): copying it
            // out of the dictionary (`incidents[id]?.facts` does) showed in the profile.
            guard let slot = incidents.index(forKey: entry.incidentId) else {
                try dropOrphan(entry, tx)
                continue
            }
            let candidates = queue.units(of: tier)
            let tried = incidents.values[slot].tried
            let fits = waiting.contains { candidates.contains($0.bit) && !tried.contains($0.id) }
            if fits, try send(entry.need, to: entry.incidentId, minute: minute, noneFree: &noneFree, tx) {
                try dequeued(entry, tx)
                waiting.removeAll { fleet[$0.id]?.state != .available }
            }
        }
        observer.queueLength(queue.count)
    }

    /// Files `incidentId`'s waiting needs by tier again after its facts changed (an upgrade, a
    /// reclassification, marking major): a need's tier key follows its incident's facts, and
    /// only this incident's needs can have moved.
    ///
    /// Filing every waiting need again on any change instead (what the queue did before) cost
    /// O(backlog) per change: with merged calls upgrading incidents all the time, that was 2.5 %
    /// of dispatch's samples 10 s into a run of 200,000 calls on the big city and 10.5 % a minute
    /// later, growing with the backlog.
    func factsChanged(_ incidentId: String) {
        queue.file(incidentId: incidentId) { entry in tier(of: entry) }
    }

    /// Files every waiting need by tier: once, when the queue is loaded.
    func fileQueue() {
        queue.fileAll { entry in tier(of: entry) }
    }

    private func tier(of entry: QueueEntry) -> (key: TierKey, units: UnitBits)? {
        guard let slot = incidents.index(forKey: entry.incidentId) else { return nil }
        return policy.keyedCandidates(for: entry.need, incidents.values[slot].facts)
    }

    /// `entry` belongs to an incident no longer open: it leaves the queue.
    private func dropOrphan(_ entry: QueueEntry, _ tx: Transaction) throws {
        queue.remove(entry)
        try DispatchStore.deleteQueued(id: entry.id, tx)
    }

    private func dequeued(_ entry: QueueEntry, _ tx: Transaction) throws {
        queue.remove(entry)
        try DispatchStore.deleteQueued(id: entry.id, tx)
        let waited = Int(tx.now.timeIntervalSince(entry.queuedAt))
        try note(entry.incidentId, "dequeued", nil, "\(entry.need.role) served after \(waited) s", tx)
    }

    /// A closed incident leaves the queue.
    func dropQueued(incidentId: String, _ tx: Transaction) throws {
        guard queue.removeAll(incidentId: incidentId) else { return }
        try DispatchStore.deleteQueued(incidentId: incidentId, tx)
        observer.queueLength(queue.count)
    }
}
