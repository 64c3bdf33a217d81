import Foundation
import Model
import Wire

/// A read that takes a period: `period=day|week|month` with `date=YYYY-MM-DD`, `from`/`to`
/// (ISO-8601, implying `period=range`), or `period=all`. Unset: the read's own default.
public protocol PeriodQuery: Sendable {
    var period: Period.Kind? { get }
    var date: String? { get }
    var from: String? { get }
    var to: String? { get }
}

extension PeriodQuery {
    public var selection: PeriodSelection { PeriodSelection(kind: period, date: date, from: from, to: to) }
}

/// scoring's operations: the same over HTTP and the ROUTER (`[{"op": name}, input]`), shared
/// with every caller. docs/scoring.md documents each; the HTTP routes are in the App.
public enum ScoringAPI {
    /// `POST /v1/complaints`: records (or replaces) a complaint or irregularity; 201.
    public static let complaint = APIOperation<ComplaintInput, Complaint>("complaint")
    /// `POST /v1/callbacks`: records (or replaces) a satisfaction call-back; 201.
    public static let callback = APIOperation<CallbackInput, Callback>("callback")
    /// `POST /admin/recompute`: re-derives the ledger under the rule table given (JSON, fields
    /// over the defaults) or, with no body, the table in force.
    public static let recompute = APIOperation<RawJSON, RecomputeSummary>("recompute")
    /// `GET /v1/stats`: the counts `precinct load` verifies.
    public static let stats = APIOperation<NoBody, Stats>("stats")
    /// `GET /v1/rankings`.
    public static let rankings = APIOperation<RankingsQuery, Rankings>("rankings")
    /// `GET /v1/officers/:id/points`.
    public static let officerPoints = APIOperation<OfficerPointsQuery, OfficerPoints>("officerPoints")
    /// `GET /v1/kpis`.
    public static let kpis = APIOperation<KPIQuery, KPIReport>("kpis")
    /// `GET /v1/intervals`.
    public static let intervals = APIOperation<IntervalsQuery, Intervals>("intervals")
    /// `GET /v1/awards`.
    public static let awards = APIOperation<PeriodOnlyQuery, MonthlyAwards>("awards")
    /// `GET /v1/reports/hotspots` (JSON; `format=csv` is answered by the HTTP route only).
    public static let hotspots = APIOperation<HotspotsQuery, HotspotReport>("hotspots")
    /// `GET /v1/rules`: the rule table in force.
    public static let rules = APIOperation<NoBody, ScoringRules>("rules")
    /// `GET /v1/complaints`: complaints and call-backs, of one incident (`incident`) or all.
    public static let complaints = APIOperation<ComplaintsQuery, ComplaintList>("complaints")

    // MARK: Commands' inputs and outputs

    /// A complaint or irregularity to record; posting the same `complaintId` again replaces it.
    public struct ComplaintInput: Codable, Sendable {
        public var complaintId: String
        public var incidentId: String
        public var kind: Complaint.Kind?
        public var status: Complaint.Status?
        public var officerIds: [String]?
        public var note: String?
        /// Event time it was received or decided; default: now (event time).
        public var at: Date?

        public init(
            complaintId: String, incidentId: String, kind: Complaint.Kind? = nil, status: Complaint.Status? = nil,
            officerIds: [String]? = nil, note: String? = nil, at: Date? = nil
        ) {
            self.complaintId = complaintId
            self.incidentId = incidentId
            self.kind = kind
            self.status = status
            self.officerIds = officerIds
            self.note = note
            self.at = at
        }
    }

    /// A satisfaction call-back to record; posting the same `callbackId` again replaces it.
    public struct CallbackInput: Codable, Sendable {
        public var callbackId: String
        public var incidentId: String
        public var satisfied: Bool
        public var note: String?
        /// Event time of the call-back; default: now (event time).
        public var at: Date?

        public init(callbackId: String, incidentId: String, satisfied: Bool, note: String? = nil, at: Date? = nil) {
            self.callbackId = callbackId
            self.incidentId = incidentId
            self.satisfied = satisfied
            self.note = note
            self.at = at
        }
    }

    /// What a recompute changed.
    public struct RecomputeSummary: Codable, Sendable, Hashable {
        public var rulesVersion: String
        public var incidents: Int
        public var added: Int
        public var changed: Int
        public var withdrawn: Int
        public var awards: Int
        public var points: Double
    }

    /// The counts `precinct load` compares with dispatch's.
    public struct Stats: Codable, Sendable, Hashable {
        /// Ledger lines.
        public var awards: Int
        /// Distinct incidents with a `dispatched` award.
        public var incidentsCredited: Int
        /// Rows of the assignments table (one per incident and unit).
        public var incidentsAssigned: Int
        /// Incident rows.
        public var incidents: Int
    }

    // MARK: Reads' inputs

    /// The rankings' input.
    public struct RankingsQuery: PeriodQuery, Codable {
        /// The level to rank (default: officer).
        public var by: Level?
        public var limit: Int?
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(by: Level? = nil, limit: Int? = nil, period: Period.Kind? = nil, date: String? = nil, from: String? = nil, to: String? = nil) {
            self.by = by
            self.limit = limit
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// An officer's points: the input.
    public struct OfficerPointsQuery: PeriodQuery, Codable {
        /// The officer (the route's `:id`).
        public var id: String
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(id: String, period: Period.Kind? = nil, date: String? = nil, from: String? = nil, to: String? = nil) {
            self.id = id
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// The KPI report's input.
    public struct KPIQuery: PeriodQuery, Codable {
        /// Default: city.
        public var level: Level?
        /// Only this group of the level.
        public var key: String?
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(
            level: Level? = nil, key: String? = nil, period: Period.Kind? = nil, date: String? = nil, from: String? = nil,
            to: String? = nil
        ) {
            self.level = level
            self.key = key
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// How the interval report groups.
    public enum IntervalGrouping: String, Codable, Sendable, CaseIterable { case category, unit }

    /// The interval report's input.
    public struct IntervalsQuery: PeriodQuery, Codable {
        /// Default: category.
        public var by: IntervalGrouping?
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(by: IntervalGrouping? = nil, period: Period.Kind? = nil, date: String? = nil, from: String? = nil, to: String? = nil) {
            self.by = by
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// The input of a read that takes only a period (the monthly awards).
    public struct PeriodOnlyQuery: PeriodQuery, Codable {
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(period: Period.Kind? = nil, date: String? = nil, from: String? = nil, to: String? = nil) {
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// How a report is rendered.
    public enum ReportFormat: String, Codable, Sendable, CaseIterable { case json, csv }

    /// The hotspot report's input.
    public struct HotspotsQuery: PeriodQuery, Codable {
        /// How many top cells (default 10).
        public var top: Int?
        /// JSON (default) or CSV (the HTTP route only: the ROUTER answers JSON).
        public var format: ReportFormat?
        public var period: Period.Kind?
        public var date: String?
        public var from: String?
        public var to: String?

        public init(
            top: Int? = nil, format: ReportFormat? = nil, period: Period.Kind? = nil, date: String? = nil, from: String? = nil,
            to: String? = nil
        ) {
            self.top = top
            self.format = format
            self.period = period
            self.date = date
            self.from = from
            self.to = to
        }
    }

    /// The complaint list's input: one incident's, or (no `incident`) all.
    public struct ComplaintsQuery: Codable, Sendable {
        public var incident: String?
        public init(incident: String? = nil) { self.incident = incident }
    }

    // MARK: Reads' outputs

    /// One place of a ranking, with the name of what is ranked (from the jurisdiction).
    public struct RankedLine: Codable, Sendable, Hashable {
        public var rank: Int
        public var key: String
        public var officerId: String?
        public var name: String?
        public var stationId: String?
        public var points: Double
        public var awards: Int
        public var incidents: Int
    }

    /// A ranking by points.
    public struct Rankings: Codable, Sendable, Hashable {
        public var by: Level
        public var period: Period
        public var entries: [RankedLine]
        /// The same entries, under their old name, when ranking officers.
        public var officers: [RankedLine]?
    }

    /// An officer's ledger lines in a period, each explained, and their total.
    public struct OfficerPoints: Codable, Sendable, Hashable {
        public var officerId: String
        public var name: String?
        public var period: Period
        public var total: Double
        public var lines: [LedgerLine]
    }

    /// The interval report.
    public struct Intervals: Codable, Sendable, Hashable {
        public var period: Period
        public var by: IntervalGrouping
        public var entries: [IntervalEntry]
    }

    /// Complaints and call-backs, in id order.
    public struct ComplaintList: Codable, Sendable, Hashable {
        public var complaints: [Complaint]
        public var callbacks: [Callback]
    }
}
