import EventStore
import Foundation
import Model

/// `worklog.overdue`: active enterprises with no visit and no joint meeting within the period.
struct ReadOverdue {
    let settings: LiaisonSettings

    func handle(periodDays: Double?, registry: Registry, _ tx: Transaction) throws -> OverdueReport {
        let periodDays = periodDays ?? settings.workPeriodDays
        guard periodDays.isFinite, periodDays > 0 else {
            throw LiaisonError.invalid([FieldError(field: "periodDays", reason: "must be more than 0; got \(periodDays)")])
        }
        let contacts = try WorkLogStore.lastContacts(tx.db)
        let overdue: [OverdueEntry] = registry.active.compactMap { record in
            let e = record.enterprise
            let c = contacts[e.id]
            guard WorkLogRules.isOverdue(lastContact: c?.latest, now: tx.now, periodDays: periodDays) else { return nil }
            return OverdueEntry(
                enterpriseId: e.id, name: e.name, liaisonOfficerId: e.liaisonOfficerId, lastVisitAt: c?.visit,
                lastMeetingAt: c?.meeting,
                lastContactAt: c?.latest, daysSinceContact: c?.latest.map { tx.now.timeIntervalSince($0) / 86_400 })
        }
        return OverdueReport(asOf: tx.now, periodDays: periodDays, overdue: overdue)
    }
}

/// `case.totals`: case figures over a period (event time), per enterprise, officer or city.
struct ReadCaseTotals {
    func handle(_ query: CaseTotalsQuery, _ tx: Transaction) throws -> CaseTotalsReport {
        let period = try CaseRules.period(query, now: tx.now)
        let rows = query.by == .city ? [] : try CaseStore.totals(tx.db, by: query.by, start: period.start, end: period.end)
        let city = try CaseStore.totals(tx.db, by: nil, start: period.start, end: period.end).first ?? CaseTotals(key: "city")
        return CaseTotalsReport(from: query.from, to: period.to, by: query.by, rows: rows, city: city)
    }
}

/// `incident`: liaison's record of an incident at each enterprise it touches.
struct ReadIncident {
    func handle(_ id: String, _ tx: Transaction) throws -> [LiaisonIncident] {
        let found = try IncidentStore.incidents(tx.db, incidentId: id)
        guard !found.isEmpty else { throw LiaisonError.notFound("id", "incident '\(id)' is not enterprise-related, or liaison has not seen it") }
        return found
    }
}
