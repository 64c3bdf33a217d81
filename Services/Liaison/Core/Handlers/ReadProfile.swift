import EventStore
import Foundation
import Model

/// `enterprise.profile`: everything liaison knows of one enterprise. A command on the engine
/// (not a reader query) because it needs the registry in memory and event time for `overdue`.
struct ReadProfile {
    let settings: LiaisonSettings

    func handle(_ id: String, registry: Registry, _ tx: Transaction) throws -> EnterpriseProfile {
        guard let record = registry[id] else { throw LiaisonError.notFound("id", "no enterprise '\(id)'") }
        let contacts = try WorkLogStore.lastContacts(tx.db)[id]
        return EnterpriseProfile(
            record: record,
            openIncidents: try IncidentStore.incidents(tx.db, enterpriseId: id, openOnly: true),
            recentIncidents: try IncidentStore.incidents(tx.db, enterpriseId: id, limit: 50),
            alerts: try AlertStore.records(tx.db, enterpriseId: id),
            cases: try CaseStore.cases(tx.db, enterpriseId: id),
            caseTotals: try CaseStore.allTime(enterpriseId: id, tx.db),
            workLog: try WorkLogStore.entries(tx.db, enterpriseId: id, limit: 50),
            lastVisitAt: contacts?.visit, lastMeetingAt: contacts?.meeting,
            overdue: !record.retired && WorkLogRules.isOverdue(lastContact: contacts?.latest, now: tx.now, periodDays: settings.workPeriodDays))
    }
}

/// `officer.portfolio`: the enterprises an officer serves (as liaison, deputy or stationed
/// officer), their alerts and case figures.
struct ReadPortfolio {
    let settings: LiaisonSettings
    let jurisdiction: Jurisdiction?

    func handle(_ officerId: String, registry: Registry, _ tx: Transaction) throws -> OfficerPortfolio {
        let contacts = try WorkLogStore.lastContacts(tx.db)
        var entries: [PortfolioEntry] = []
        for record in registry.active {
            let e = record.enterprise
            guard let role = Self.role(of: officerId, at: e) else { continue }
            let last = contacts[e.id]?.latest
            entries.append(
                PortfolioEntry(
                    enterpriseId: e.id, name: e.name, role: role, majorProject: e.majorProject, zeroDisturbance: e.zeroDisturbance,
                    openIncidents: try IncidentStore.openCount(enterpriseId: e.id, tx), openCases: try CaseStore.openCount(enterpriseId: e.id, tx),
                    lastContactAt: last, overdue: WorkLogRules.isOverdue(lastContact: last, now: tx.now, periodDays: settings.workPeriodDays)))
        }
        let known = jurisdiction.map { $0.officers[officerId] != nil } ?? true
        if entries.isEmpty && !known { throw LiaisonError.notFound("id", "no officer '\(officerId)'") }
        return OfficerPortfolio(
            officerId: officerId, enterprises: entries, alerts: try AlertStore.records(tx.db, officerId: officerId, limit: 50),
            caseTotals: try CaseStore.allTime(officerId: officerId, tx.db))
    }

    /// `liaison`, `deputy` or `stationed`; `nil` when the officer does not serve the enterprise.
    static func role(of officerId: String, at e: Enterprise) -> String? {
        if e.liaisonOfficerId == officerId { return "liaison" }
        if e.deputyOfficerId == officerId { return "deputy" }
        if e.stationedOfficerId == officerId { return "stationed" }
        return nil
    }
}
