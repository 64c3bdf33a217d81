import Foundation
import Model
import Wire

/// The liaison work log (docs/liaison.md, "Work log"): visits and joint meetings, and the rule
/// that makes an enterprise overdue. Pure: the time is passed in.
enum WorkLogRules {
    /// Every problem of an entry; `record` is the enterprise it names.
    static func problems(_ input: WorkInput, record: EnterpriseRecord?, now: Date, jurisdiction: Jurisdiction?) -> [FieldError] {
        var problems: [FieldError] = []
        func fail(_ field: String, _ reason: String) { problems.append(FieldError(field: field, reason: reason)) }
        if record == nil || record!.retired { fail("enterpriseId", "'\(input.enterpriseId)' is not a registered enterprise") }
        if let id = input.entryId, !EnterpriseValidator.isValidId(id) { fail("entryId", "must be 1–64 letters, digits, '-' or '_'; got '\(id)'") }
        if let at = input.at, at > now { fail("at", "\(EventTime.string(at)) is in the future (now is \(EventTime.string(now)))") }
        if let officers = input.officerIds {
            if officers.isEmpty { fail("officerIds", "must name at least one officer (or be left out: the liaison officer)") }
            if let jurisdiction {
                for (i, o) in officers.enumerated() where jurisdiction.officers[o] == nil {
                    fail("officerIds[\(i)]", "'\(o)' is not an officer of this city")
                }
            }
        }
        return problems
    }

    /// The entry `input` records; `generatedId` when the client sent none.
    static func entry(_ input: WorkInput, record: EnterpriseRecord, now: Date, generatedId: @autoclosure () -> String) -> WorkLogEntry {
        WorkLogEntry(
            entryId: input.entryId ?? generatedId(), enterpriseId: input.enterpriseId, kind: input.kind,
            officerIds: input.officerIds ?? [record.enterprise.liaisonOfficerId], at: input.at ?? now, note: input.note, recordedAt: now)
    }

    /// Whether `entry` repeats `old` (a retry, so nothing new is recorded). Without an `at` in
    /// the input, the time is the retry's own and is not compared.
    static func repeats(_ old: WorkLogEntry, _ entry: WorkLogEntry, atGiven: Bool) -> Bool {
        old.enterpriseId == entry.enterpriseId && old.kind == entry.kind && old.officerIds == entry.officerIds
            && old.note == entry.note && (!atGiven || abs(old.at.timeIntervalSince(entry.at)) < 0.001)
    }

    /// The overdue rule: an active enterprise with no visit and no joint meeting in the last
    /// `periodDays` days of event time (`at` in (now − period, now]) is overdue.
    static func isOverdue(lastContact: Date?, now: Date, periodDays: Double) -> Bool {
        guard let lastContact else { return true }
        return lastContact <= now.addingTimeInterval(-periodDays * 86_400)
    }
}

/// An enterprise's latest visit and latest joint meeting.
struct LastContacts: Sendable, Hashable {
    var visit: Date?
    var meeting: Date?

    /// The later of the two.
    var latest: Date? { [visit, meeting].compactMap { $0 }.max() }
}
