import Synchronization

/// Each waiting need's candidate units, remembered between walks of the queue.
///
/// Every close walks up to 1,024 waiting needs asking whether the freed unit is a candidate of
/// each; working it out again each time cost three hashes per need (the incident, its tier key,
/// the unit's id). A need's candidates depend only on the need and its incident's facts, so they
/// are kept by queue entry, and the whole cache is dropped when any incident's facts change
/// (`ActiveIncident.factsRevision`: an upgrade, a reclassification, marking major — rare) or when
/// dispatch reloads its state. An entry is used only for the same incident and need, so an id
/// reissued after a rollback is never read for another need.
struct CandidacyCache {
    private var byEntry: [Int64: (incidentId: String, need: Need, units: UnitBits)] = [:]
    private var revision = -1

    /// Drops everything if any incident's facts changed since, or if entries of needs long gone
    /// outnumber the queue.
    mutating func sync(queueCount: Int) {
        let now = ActiveIncident.factsRevision.load(ordering: .relaxed)
        if now != revision || byEntry.count > 2 * queueCount + 1_024 {
            byEntry.removeAll(keepingCapacity: true)
            revision = now
        }
    }

    func units(of entry: QueueEntry) -> UnitBits? {
        guard let known = byEntry[entry.id], known.incidentId == entry.incidentId, known.need == entry.need else { return nil }
        return known.units
    }

    mutating func remember(_ units: UnitBits, of entry: QueueEntry) {
        byEntry[entry.id] = (entry.incidentId, entry.need, units)
    }

    mutating func clear() { byEntry.removeAll() }
}
