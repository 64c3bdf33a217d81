import EventStore
import Foundation
import Model
import Wire

/// The `publishReports` command (and the tick): publishes the hotspot report (`report.<period>`)
/// of the day, week and month that ended last in event time (`tx.now`), once each; the month's
/// names the monthly awards; each carries the period's hand-off figures (``HandoffSummary``).
enum PublishReportsHandler {
    static func handle(rules: ScoringRules, in tx: Transaction) throws -> [ReportPublished] {
        let log = FactLog(tx: tx)
        guard try log.hasIncidents() else { return [] }
        var out: [ReportPublished] = []
        for kind in [Period.Kind.day, .week, .month] {
            let done = Period.containing(tx.now, kind: kind, timeZone: rules.timeZone).previous(timeZone: rules.timeZone)
            guard try !log.reportPublished(done) else { continue }
            let r = try LedgerReads.hotspots(tx.db, period: done, timeZone: rules.timeZone)
            let id = "hotspots:\(kind.rawValue):\(EventTime.string(done.from))"
            var event = ReportPublished(
                reportId: id, period: kind.rawValue, from: done.from, to: done.to, incidents: r.incidents, top: r.top,
                patrolPlan: r.patrolPlan, at: done.to)
            if kind == .month {
                let a = try LedgerReads.monthlyAwards(tx.db, period: done)
                event.starOfTheMonth = a.starOfTheMonth?.id
                event.excellentTrafficManagers = a.excellentTrafficManagers.map(\.id)
                event.excellentCallTakers = a.excellentCallTakers.map(\.id)
            }
            // The period's hand-offs, at the period's end (a limit still running then counts in no rate).
            event.handoffs = try HandoffFacts.kpis(from: done.from, to: done.to, now: done.to, tx.db).summary
            try log.markReportPublished(done, reportId: id)
            try tx.emit(event)
            out.append(event)
        }
        return out
    }
}
