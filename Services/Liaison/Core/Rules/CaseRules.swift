import Foundation
import Model
import Wire

/// Enterprise cases (涉企案件, docs/liaison.md, "Cases"): what a case write may say, how a case
/// moves (open → solved → closed, or open → closed), and what each change adds to the figures.
/// Pure: the time is passed in.
enum CaseRules {
    /// Money is kept in fen (0.01 yuan), so sums of many cases stay exact.
    static func fen(_ yuan: Double) -> Int64 { Int64((yuan * 100).rounded()) }

    /// Every problem of the input on its own (before the case it names is looked at).
    static func problems(_ input: CaseInput, jurisdiction: Jurisdiction?) -> [FieldError] {
        var problems: [FieldError] = []
        func fail(_ field: String, _ reason: String) { problems.append(FieldError(field: field, reason: reason)) }
        if !EnterpriseValidator.isValidId(input.caseId) { fail("caseId", "must be 1–64 letters, digits, '-' or '_'; got '\(input.caseId)'") }
        if let n = input.suspectsCaught, n < 0 { fail("suspectsCaught", "must be 0 or more; got \(n)") }
        if let y = input.lossesRecovered, !(y.isFinite && y >= 0 && y < 1e13) {
            fail("lossesRecovered", "must be a number of yuan, 0 or more; got \(y)")
        }
        if let title = input.title, title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { fail("title", "must not be empty") }
        if let officer = input.officerId, let jurisdiction, jurisdiction.officers[officer] == nil {
            fail("officerId", "'\(officer)' is not an officer of this city")
        }
        return problems
    }

    /// A new case at `record`'s enterprise; counted for the liaison officer unless another is named.
    static func opening(_ input: CaseInput, record: EnterpriseRecord?, now: Date) throws -> EnterpriseCase {
        guard let enterpriseId = input.enterpriseId else {
            throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: "is required for a new case")])
        }
        guard let record, !record.retired else {
            throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: "'\(enterpriseId)' is not a registered enterprise")])
        }
        guard let title = input.title else { throw LiaisonError.invalid([FieldError(field: "title", reason: "is required for a new case")]) }
        let status = input.status ?? .open
        return EnterpriseCase(
            caseId: input.caseId, enterpriseId: enterpriseId, officerId: input.officerId ?? record.enterprise.liaisonOfficerId,
            incidentId: input.incidentId, title: title, status: status, suspectsCaught: input.suspectsCaught ?? 0,
            lossesRecovered: Double(fen(input.lossesRecovered ?? 0)) / 100, openedAt: now,
            solvedAt: status == .solved ? now : nil, updatedAt: now)
    }

    /// The case after `input`, or `nil` when it changes nothing (a retry). A case keeps its
    /// enterprise and officer; its status only moves forward.
    static func updating(_ old: EnterpriseCase, with input: CaseInput, now: Date) throws -> EnterpriseCase? {
        if let e = input.enterpriseId, e != old.enterpriseId {
            let reason = "case \(old.caseId) belongs to \(old.enterpriseId); a case cannot move to another enterprise"
            throw LiaisonError.invalid([FieldError(field: "enterpriseId", reason: reason)])
        }
        if let o = input.officerId, o != old.officerId {
            let reason = "case \(old.caseId) counts for \(old.officerId); the officer is fixed when the case is opened"
            throw LiaisonError.invalid([FieldError(field: "officerId", reason: reason)])
        }
        var c = old
        if let status = input.status, status != old.status {
            guard allows(from: old.status, to: status) else {
                throw LiaisonError.conflict(
                    "status",
                    "case \(old.caseId) cannot go from \(old.status.rawValue) to \(status.rawValue) "
                        + "(open → solved → closed, or open → closed)")
            }
            c.status = status
            if status == .solved { c.solvedAt = now }
        }
        if let title = input.title { c.title = title }
        if let incident = input.incidentId { c.incidentId = incident }
        if let n = input.suspectsCaught { c.suspectsCaught = n }
        if let y = input.lossesRecovered { c.lossesRecovered = Double(fen(y)) / 100 }
        guard c != old else { return nil }
        c.updatedAt = now
        return c
    }

    static func allows(from: EnterpriseCase.Status, to: EnterpriseCase.Status) -> Bool {
        [(EnterpriseCase.Status.open, EnterpriseCase.Status.solved), (.open, .closed), (.solved, .closed)].contains { $0 == (from, to) }
    }

    /// What one change adds to the case figures (a ledger row at its event time).
    struct Delta: Sendable, Hashable {
        var opened: Int
        var solved: Int
        var suspects: Int
        var fen: Int64

        /// A case opened as `c`.
        init(opened c: EnterpriseCase) {
            opened = 1
            solved = c.status == .solved ? 1 : 0
            suspects = c.suspectsCaught
            fen = CaseRules.fen(c.lossesRecovered)
        }

        /// A case changed from `old` to `new`.
        init(from old: EnterpriseCase, to new: EnterpriseCase) {
            opened = 0
            solved = new.status == .solved && old.status != .solved ? 1 : 0
            suspects = new.suspectsCaught - old.suspectsCaught
            fen = CaseRules.fen(new.lossesRecovered) - CaseRules.fen(old.lossesRecovered)
        }
    }

    /// The ledger times a totals query covers: `from` inclusive, `to` exclusive; when `to` is left
    /// out it is now, and what happened at now is included.
    static func period(_ query: CaseTotalsQuery, now: Date) throws -> (start: Double, end: Double, to: Date) {
        let to = query.to ?? now
        if let from = query.from, from >= to {
            throw LiaisonError.invalid([FieldError(field: "from", reason: "must be before 'to' (\(EventTime.string(to)))")])
        }
        let end = query.to == nil ? to.timeIntervalSince1970 + 0.001 : to.timeIntervalSince1970
        return (query.from?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude, end, to)
    }
}
