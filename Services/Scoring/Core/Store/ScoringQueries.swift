import EventStore
import Foundation
import GRDB
import Model

/// scoring's read API: rankings, an officer's points, KPIs, intervals, awards, hotspots,
/// complaints and the load-verification stats, each read in one snapshot on a reader connection
/// (a read never waits for the engine). Periods default to the latest event time.
public struct ScoringQueries: Sendable {
    let reader: StateReader
    /// Names for ranking keys.
    let jurisdiction: Jurisdiction?

    public init(reader: StateReader, jurisdiction: Jurisdiction? = nil) {
        self.reader = reader
        self.jurisdiction = jurisdiction
    }

    static func period(_ query: some PeriodQuery, _ db: Database, _ rules: ScoringRules, default kind: Period.Kind) throws -> Period {
        try query.selection.resolve(
            default: kind, latestEvent: try LedgerReads.latestEventTime(db), earliestEvent: try LedgerReads.earliestEventTime(db),
            timeZone: rules.timeZone)
    }

    /// Points by officer (default), unit or area, over all time by default.
    public func rankings(_ q: ScoringAPI.RankingsQuery, rules: ScoringRules) async throws -> ScoringAPI.Rankings {
        let by = q.by ?? .officer
        let limit = q.limit ?? 20
        let jurisdiction = self.jurisdiction
        return try await reader.read { db in
            let period = try Self.period(q, db, rules, default: .all)
            let entries = try LedgerReads.rankings(db, level: by, period: period, limit: limit).map { e in
                ScoringAPI.RankedLine(
                    rank: e.rank, key: e.key, officerId: by == .officer ? e.key : nil, name: jurisdiction?.name(of: e.key, at: by),
                    stationId: by == .officer ? jurisdiction?.officers[e.key]?.stationId : nil, points: e.points,
                    awards: e.awards, incidents: e.incidents)
            }
            return ScoringAPI.Rankings(by: by, period: period, entries: entries, officers: by == .officer ? entries : nil)
        }
    }

    /// One officer's ledger lines in the period (all time by default), explained.
    public func officerPoints(_ q: ScoringAPI.OfficerPointsQuery, rules: ScoringRules) async throws -> ScoringAPI.OfficerPoints {
        let name = jurisdiction?.officers[q.id]?.name
        return try await reader.read { db in
            let period = try Self.period(q, db, rules, default: .all)
            let (total, lines) = try LedgerReads.officerPoints(db, officerId: q.id, period: period)
            return ScoringAPI.OfficerPoints(officerId: q.id, name: name, period: period, total: total, lines: lines)
        }
    }

    /// The KPIs of a level (city by default) over the period (the latest day by default), with the
    /// city's hand-off figures over the same period (`handoffs`).
    public func kpis(_ q: ScoringAPI.KPIQuery, rules: ScoringRules) async throws -> KPIReport {
        try await reader.read { db in
            let period = try Self.period(q, db, rules, default: .day)
            var report = try LedgerReads.kpiReport(db, level: q.level ?? .city, key: q.key, period: period, rules: rules)
            // The city's hand-offs over the same period, whatever the level (docs/scoring.md, "Hand-off KPIs").
            report.handoffs = try HandoffFacts.kpis(from: period.from, to: period.to, now: try HandoffFacts.eventNow(db), db)
            return report
        }
    }

    /// The interval report by category (default) or unit, over the period (the latest day by default).
    public func intervals(_ q: ScoringAPI.IntervalsQuery, rules: ScoringRules) async throws -> ScoringAPI.Intervals {
        let by = q.by ?? .category
        return try await reader.read { db in
            let period = try Self.period(q, db, rules, default: .day)
            let entries = IntervalEntry.report(try LedgerReads.kpiIncidents(db, period), byUnit: by == .unit)
            return ScoringAPI.Intervals(period: period, by: by, entries: entries)
        }
    }

    /// The monthly awards (the latest month by default).
    public func awards(_ q: ScoringAPI.PeriodOnlyQuery, rules: ScoringRules) async throws -> MonthlyAwards {
        try await reader.read { db in try LedgerReads.monthlyAwards(db, period: try Self.period(q, db, rules, default: .month)) }
    }

    /// The hotspot report (the latest day by default).
    public func hotspots(_ q: ScoringAPI.HotspotsQuery, rules: ScoringRules) async throws -> HotspotReport {
        try await reader.read { db in
            try LedgerReads.hotspots(db, period: try Self.period(q, db, rules, default: .day), timeZone: rules.timeZone, top: q.top ?? 10)
        }
    }

    /// The complaints and call-backs recorded, of one incident or all.
    public func complaints(_ q: ScoringAPI.ComplaintsQuery) async throws -> ScoringAPI.ComplaintList {
        try await reader.read { db in
            let decoder = JSONCodec.decoder()
            let filter = q.incident == nil ? "" : " WHERE incident_id = ?"
            let args: StatementArguments = q.incident.map { [$0] } ?? []
            let complaints = try Data.fetchAll(db, sql: "SELECT body FROM complaints\(filter) ORDER BY complaint_id", arguments: args)
                .map { try decoder.decode(Complaint.self, from: $0) }
            let callbacks = try Data.fetchAll(db, sql: "SELECT body FROM callbacks\(filter) ORDER BY callback_id", arguments: args)
                .map { try decoder.decode(Callback.self, from: $0) }
            return ScoringAPI.ComplaintList(complaints: complaints, callbacks: callbacks)
        }
    }

    /// The counts `precinct load` verifies against dispatch.
    public func stats() async throws -> ScoringAPI.Stats {
        try await reader.read { db in
            ScoringAPI.Stats(
                awards: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0,
                incidentsCredited: try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM ledger WHERE rule = 'dispatched'") ?? 0,
                incidentsAssigned: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assignments") ?? 0,
                incidents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0)
        }
    }
}
