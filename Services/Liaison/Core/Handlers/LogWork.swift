import EventStore
import Foundation
import Model

/// `worklog.add`: records a visit or a joint meeting (`liaison.worklog.<kind>.<id>`); the same
/// `entryId` again is a retry and records nothing, unless its content differs (a conflict).
struct LogWork {
    let jurisdiction: Jurisdiction?

    func handle(_ input: WorkInput, registry: Registry, _ tx: Transaction) throws -> WorkWrite {
        let record = registry[input.enterpriseId]
        let problems = WorkLogRules.problems(input, record: record, now: tx.now, jurisdiction: jurisdiction)
        guard problems.isEmpty, let record else { throw LiaisonError.invalid(problems) }
        let entry = WorkLogRules.entry(input, record: record, now: tx.now, generatedId: "W-\(UUID().uuidString.prefix(12).lowercased())")
        if let old = try WorkLogStore.entries(tx.db, entryId: entry.entryId).first {
            guard WorkLogRules.repeats(old, entry, atGiven: input.at != nil) else {
                throw LiaisonError.conflict("entryId", "entry '\(entry.entryId)' is already recorded with other content")
            }
            return WorkWrite(entry: old, created: false)
        }
        try WorkLogStore.insert(entry, tx)
        try tx.emit(WorkLogged(entry: entry))
        return WorkWrite(entry: entry, created: true)
    }
}
