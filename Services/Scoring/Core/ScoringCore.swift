import EventStore
import Foundation
import GRDB
import Model
import Wire

/// The points ledger (110积分制) and the incident fact table behind the KPIs.
///
/// scoring keeps every event it uses (the fact log, `facts`) and derives, per incident, the fact
/// row (`incidents`, `incident_units`) and the awards (`ledger`) as a pure function of that
/// incident's facts and the rule table (``Derivation``). An event marks its incident dirty; the
/// engine's tick (and every command) re-derives dirty incidents and writes the difference to the
/// ledger, so the final ledger does not depend on the order events arrive in, and a replayed
/// event (same id) changes nothing.
public final class ScoringCore: ServiceCore {
    public enum Command: Sendable {
        /// Derives the dirty incidents now (reads that must see every applied event).
        case flush
        /// Re-derives the whole ledger from the fact log under `rules` (nil: the current table).
        case recompute(ScoringRules?)
        case complaint(ComplaintInput)
        case callback(CallbackInput)
        case complaints(incidentId: String?)
        /// Publishes the reports of the periods that ended (what the tick does).
        case publishReports
    }

    public enum Reply: Sendable {
        case flushed(Int)
        case recomputed(RecomputeSummary)
        case complaint(Complaint)
        case callback(Callback)
        case complaints([Complaint], [Callback])
        case reports([ReportPublished])
    }

    public struct RecomputeSummary: Codable, Sendable, Hashable {
        public var rulesVersion: String
        public var incidents: Int
        public var added: Int
        public var changed: Int
        public var withdrawn: Int
        public var awards: Int
        public var points: Double
    }

    public struct ComplaintInput: Codable, Sendable {
        public var complaintId: String
        public var incidentId: String
        public var kind: Complaint.Kind?
        public var status: Complaint.Status?
        public var officerIds: [String]?
        public var note: String?
        /// Event time it was received or decided; default: now (event time).
        public var at: Date?
        public init(complaintId: String, incidentId: String, kind: Complaint.Kind? = nil, status: Complaint.Status? = nil, officerIds: [String]? = nil, note: String? = nil, at: Date? = nil) {
            self.complaintId = complaintId; self.incidentId = incidentId; self.kind = kind; self.status = status
            self.officerIds = officerIds; self.note = note; self.at = at
        }
    }

    public struct CallbackInput: Codable, Sendable {
        public var callbackId: String
        public var incidentId: String
        public var satisfied: Bool
        public var note: String?
        public var at: Date?
        public init(callbackId: String, incidentId: String, satisfied: Bool, note: String? = nil, at: Date? = nil) {
            self.callbackId = callbackId; self.incidentId = incidentId; self.satisfied = satisfied; self.note = note; self.at = at
        }
    }

    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var field: String?
        public var message: String
        public var description: String { message }
    }

    public private(set) var rules: ScoringRules
    let promises: [String: Double]

    /// `jurisdiction` gives each unit's arrival promise (its response point's minutes).
    public init(rules: ScoringRules = .defaults, jurisdiction: Jurisdiction? = nil) {
        self.rules = rules
        var promises: [String: Double] = [:]
        if let j = jurisdiction {
            for u in j.units {
                if let p = u.responsePointId, let point = j.responsePoints[p] { promises[u.id] = Double(point.minutes) * 60 }
            }
        }
        self.promises = promises
    }

    /// The event types scoring keeps in its fact log.
    static let kept: Set<String> = [IncidentOpened.type, UnitAssigned.type, FieldReported.type, SLABreached.type, IncidentClosed.type]

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("scoring-v1") { db in
            try db.execute(sql: """
                CREATE TABLE ledger (
                    award_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, unit_id TEXT, incident_id TEXT NOT NULL,
                    rule TEXT NOT NULL, points REAL NOT NULL, earned_by TEXT NOT NULL, station_id TEXT, at REAL NOT NULL);
                CREATE INDEX ledger_officer ON ledger(officer_id);
                CREATE INDEX ledger_incident ON ledger(incident_id);
                CREATE TABLE assignments (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, station_id TEXT, PRIMARY KEY (incident_id, unit_id));
                """)
        }
        // v2: the fact log and the derived tables. The old ledger cannot be explained by facts it
        // never kept: it is rebuilt by replaying every followed source from its start.
        migrator.registerMigration("scoring-v2") { db in
            try db.execute(sql: """
                DROP TABLE ledger;
                DELETE FROM assignments;
                DELETE FROM inbox;
                CREATE TABLE ledger (
                    award_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, unit_id TEXT, incident_id TEXT NOT NULL,
                    rule TEXT NOT NULL, points REAL NOT NULL, earned_by TEXT NOT NULL, explanation TEXT NOT NULL,
                    station_id TEXT, post_id TEXT, region_id TEXT, grid_id TEXT, unit_station_id TEXT, category TEXT,
                    at REAL NOT NULL, rules_version TEXT NOT NULL, revision INTEGER NOT NULL);
                CREATE INDEX ledger_officer ON ledger(officer_id, at);
                CREATE INDEX ledger_incident ON ledger(incident_id);
                CREATE INDEX ledger_at ON ledger(at);
                CREATE TABLE facts (id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, type TEXT NOT NULL, at REAL NOT NULL, payload BLOB NOT NULL);
                CREATE INDEX facts_incident ON facts(incident_id);
                CREATE TABLE dirty (incident_id TEXT PRIMARY KEY);
                CREATE TABLE incidents (
                    incident_id TEXT PRIMARY KEY, received_at REAL, start_at REAL, category TEXT, channel TEXT, call_taker TEXT,
                    grid_id TEXT, station_id TEXT, post_id TEXT, region_id TEXT,
                    first_assigned_at REAL, first_signed_at REAL, first_arrived_at REAL, first_feedback_at REAL,
                    closed_at REAL, outcome TEXT, handed_over INTEGER NOT NULL, station_units INTEGER NOT NULL, units INTEGER NOT NULL,
                    complaints INTEGER NOT NULL, complaints_upheld INTEGER NOT NULL, callbacks INTEGER NOT NULL, satisfied INTEGER NOT NULL);
                CREATE INDEX incidents_start ON incidents(start_at);
                CREATE TABLE incident_units (
                    incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, kind TEXT, station_id TEXT, officer_ids TEXT NOT NULL, role TEXT,
                    assigned_at REAL NOT NULL, signed_at REAL, arrived_at REAL, feedback_at REAL, closed_at REAL, outcome TEXT,
                    handed_over INTEGER NOT NULL, PRIMARY KEY (incident_id, unit_id));
                CREATE TABLE complaints (complaint_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE callbacks (callback_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, body BLOB NOT NULL);
                CREATE TABLE reports_published (period TEXT NOT NULL, from_at REAL NOT NULL, report_id TEXT NOT NULL, PRIMARY KEY (period, from_at));
                """)
        }
    }

    public func load(_ db: Database) throws {}

    // MARK: Events

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        let type = event.header.type
        guard Self.kept.contains(type) else { return }
        // Field stages other than these change no award or KPI: not kept.
        if type == FieldReported.type {
            let t = event.topic
            guard ["signedOff", "arrived", "feedback", "closed", "handover"].contains(where: { t.hasPrefix("dispatch.field.\($0).") }) else { return }
        }
        let incidentId: String
        let at: Date
        switch type {
        case IncidentOpened.type:
            let e = try tx.decode(IncidentOpened.self, from: event); incidentId = e.incidentId; at = e.receivedAt
        case UnitAssigned.type:
            let e = try tx.decode(UnitAssigned.self, from: event); incidentId = e.incidentId; at = e.assignedAt
            try tx.run("INSERT OR IGNORE INTO assignments (incident_id, unit_id, station_id) VALUES (?, ?, ?)", [e.incidentId, e.unitId, e.stationId])
        case FieldReported.type:
            let e = try tx.decode(FieldReported.self, from: event); incidentId = e.incidentId; at = e.at
        case SLABreached.type:
            let e = try tx.decode(SLABreached.self, from: event); incidentId = e.incidentId; at = e.at
        case IncidentClosed.type:
            let e = try tx.decode(IncidentClosed.self, from: event); incidentId = e.incidentId; at = e.at
        default:
            return
        }
        try record(Fact(id: event.header.id, type: type, at: at, payload: Data(event.payload)), incident: incidentId, tx)
    }

    func record(_ fact: Fact, incident: String, replace: Bool = false, _ tx: Transaction) throws {
        try tx.run("INSERT OR \(replace ? "REPLACE" : "IGNORE") INTO facts (id, incident_id, type, at, payload) VALUES (?, ?, ?, ?, ?)",
                   [fact.id, incident, fact.type, fact.at.timeIntervalSince1970, fact.payload])
        guard tx.db.changesCount > 0 else { return }
        try tx.run("INSERT OR IGNORE INTO dirty (incident_id) VALUES (?)", [incident])
    }

    public func tick(in tx: Transaction) throws {
        _ = try flush(tx)
        _ = try publishReports(tx)
    }

    /// Publishes the hotspot report (`report.<period>`) of the day, week and month that ended last
    /// in event time (`tx.now`), once each; the month's names the monthly awards.
    func publishReports(_ tx: Transaction) throws -> [ReportPublished] {
        guard try tx.fetchOne(Int.self, "SELECT 1 FROM incidents LIMIT 1") != nil else { return [] }
        var out: [ReportPublished] = []
        for kind in [Period.Kind.day, .week, .month] {
            let done = Period.containing(tx.now, kind: kind, timeZone: rules.timeZone).previous(timeZone: rules.timeZone)
            guard try tx.fetchOne(Int.self, "SELECT 1 FROM reports_published WHERE period = ? AND from_at = ?", [kind.rawValue, done.from.timeIntervalSince1970]) == nil else { continue }
            let r = try ScoringReports.hotspots(tx.db, period: done, timeZone: rules.timeZone)
            let id = "hotspots:\(kind.rawValue):\(EventTime.string(done.from))"
            var event = ReportPublished(reportId: id, period: kind.rawValue, from: done.from, to: done.to, incidents: r.incidents, top: r.top,
                                        patrolPlan: r.patrolPlan, at: done.to)
            if kind == .month {
                let a = try ScoringReports.monthlyAwards(tx.db, period: done)
                event.starOfTheMonth = a.starOfTheMonth?.id
                event.excellentTrafficManagers = a.excellentTrafficManagers.map(\.id)
                event.excellentCallTakers = a.excellentCallTakers.map(\.id)
            }
            try tx.run("INSERT INTO reports_published (period, from_at, report_id) VALUES (?, ?, ?)", [kind.rawValue, done.from.timeIntervalSince1970, id])
            try tx.emit(event)
            out.append(event)
        }
        return out
    }

    // MARK: Commands

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .flush:
            return .flushed(try flush(tx))
        case .publishReports:
            _ = try flush(tx)
            return .reports(try publishReports(tx))
        case .recompute(let newRules):
            _ = try flush(tx)
            if let newRules { rules = newRules }
            var summary = RecomputeSummary(rulesVersion: rules.version, incidents: 0, added: 0, changed: 0, withdrawn: 0, awards: 0, points: 0)
            let ids = try String.fetchAll(tx.db, sql: "SELECT DISTINCT incident_id FROM facts ORDER BY incident_id")
            for id in ids {
                let d = try derive(id, tx)
                summary.added += d.added; summary.changed += d.changed; summary.withdrawn += d.withdrawn
            }
            summary.incidents = ids.count
            summary.awards = try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM ledger") ?? 0
            summary.points = try Double.fetchOne(tx.db, sql: "SELECT TOTAL(points) FROM ledger") ?? 0
            return .recomputed(summary)
        case .complaint(let input):
            guard !input.complaintId.isEmpty else { throw Refusal(status: 400, field: "complaintId", message: "complaintId is empty") }
            guard try tx.fetchOne(Int.self, "SELECT 1 FROM facts WHERE incident_id = ? LIMIT 1", [input.incidentId]) != nil else {
                throw Refusal(status: 404, field: "incidentId", message: "incident '\(input.incidentId)' is not known to scoring")
            }
            if let existing = try tx.fetchOne(String.self, "SELECT incident_id FROM complaints WHERE complaint_id = ?", [input.complaintId]), existing != input.incidentId {
                throw Refusal(status: 409, field: "incidentId", message: "complaint '\(input.complaintId)' belongs to incident '\(existing)'")
            }
            let c = Complaint(complaintId: input.complaintId, incidentId: input.incidentId, kind: input.kind ?? .complaint, status: input.status ?? .pending,
                              officerIds: input.officerIds ?? [], note: input.note, at: input.at ?? tx.now)
            let body = try JSONCodec.encoder().encode(c)
            try tx.run("INSERT OR REPLACE INTO complaints (complaint_id, incident_id, body) VALUES (?, ?, ?)", [c.complaintId, c.incidentId, body])
            try record(Fact(id: "complaint:\(c.complaintId)", type: Complaint.factType, at: c.at, payload: body), incident: c.incidentId, replace: true, tx)
            try tx.run("INSERT OR IGNORE INTO dirty (incident_id) VALUES (?)", [c.incidentId])
            _ = try flush(tx)
            return .complaint(c)
        case .callback(let input):
            guard !input.callbackId.isEmpty else { throw Refusal(status: 400, field: "callbackId", message: "callbackId is empty") }
            guard try tx.fetchOne(Int.self, "SELECT 1 FROM facts WHERE incident_id = ? LIMIT 1", [input.incidentId]) != nil else {
                throw Refusal(status: 404, field: "incidentId", message: "incident '\(input.incidentId)' is not known to scoring")
            }
            let c = Callback(callbackId: input.callbackId, incidentId: input.incidentId, satisfied: input.satisfied, note: input.note, at: input.at ?? tx.now)
            let body = try JSONCodec.encoder().encode(c)
            try tx.run("INSERT OR REPLACE INTO callbacks (callback_id, incident_id, body) VALUES (?, ?, ?)", [c.callbackId, c.incidentId, body])
            try record(Fact(id: "callback:\(c.callbackId)", type: Callback.factType, at: c.at, payload: body), incident: c.incidentId, replace: true, tx)
            try tx.run("INSERT OR IGNORE INTO dirty (incident_id) VALUES (?)", [c.incidentId])
            _ = try flush(tx)
            return .callback(c)
        case .complaints(let incidentId):
            let decoder = JSONCodec.decoder()
            let filter = incidentId == nil ? "" : " WHERE incident_id = ?"
            let args: StatementArguments = incidentId.map { [$0] } ?? []
            let cs = try Data.fetchAll(tx.db, sql: "SELECT body FROM complaints\(filter) ORDER BY complaint_id", arguments: args).map { try decoder.decode(Complaint.self, from: $0) }
            let bs = try Data.fetchAll(tx.db, sql: "SELECT body FROM callbacks\(filter) ORDER BY callback_id", arguments: args).map { try decoder.decode(Callback.self, from: $0) }
            return .complaints(cs, bs)
        }
    }

    // MARK: Derivation

    /// Re-derives every dirty incident; returns how many.
    func flush(_ tx: Transaction) throws -> Int {
        let ids = try String.fetchAll(tx.db, sql: "SELECT incident_id FROM dirty ORDER BY incident_id")
        guard !ids.isEmpty else { return 0 }
        for id in ids { _ = try derive(id, tx) }
        try tx.run("DELETE FROM dirty")
        return ids.count
    }

    struct Diff { var added = 0; var changed = 0; var withdrawn = 0 }

    /// Derives one incident from its facts and writes the difference to the ledger.
    func derive(_ incidentId: String, _ tx: Transaction) throws -> Diff {
        let facts = try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT id, type, at, payload FROM facts WHERE incident_id = ?"), arguments: [incidentId]).map {
            Fact(id: $0["id"], type: $0["type"], at: Date(timeIntervalSince1970: $0["at"]), payload: $0["payload"])
        }
        let promises = self.promises
        let (inc, awards) = Derivation.derive(incidentId: incidentId, facts: facts, rules: rules, decoder: tx.decoder, promise: { promises[$0] })
        try writeIncident(inc, tx)

        struct Existing {
            var points: Double; var earnedBy: String; var at: Double; var unit: String?; var revision: Int; var explanation: String; var version: String
            /// Where and what: station, post, region, grid, unit's station, category.
            var context: [String?]
        }
        var existing: [String: Existing] = [:]
        for row in try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT award_id, points, earned_by, at, unit_id, revision, explanation, rules_version, station_id, post_id, region_id, grid_id, unit_station_id, category
            FROM ledger WHERE incident_id = ?
            """), arguments: [incidentId]) {
            existing[row["award_id"]] = Existing(points: row["points"], earnedBy: row["earned_by"], at: row["at"], unit: row["unit_id"], revision: row["revision"],
                                                 explanation: row["explanation"], version: row["rules_version"],
                                                 context: [row["station_id"], row["post_id"], row["region_id"], row["grid_id"], row["unit_station_id"], row["category"]])
        }
        let unitStation = Dictionary(inc.units.map { ($0.unitId, $0.stationId) }, uniquingKeysWith: { a, _ in a })
        var diff = Diff()
        for a in awards {
            let earned = String(decoding: try JSONEncoder().encode(a.earnedBy), as: UTF8.self)
            let old = existing.removeValue(forKey: a.awardId)
            let unitStationId = a.unitId.flatMap { unitStation[$0] ?? nil }
            let context = [inc.stationId, inc.postId, inc.regionId, inc.gridId, unitStationId, inc.category?.rawValue]
            if let old, old.points == a.points, old.earnedBy == earned, old.at == a.at.timeIntervalSince1970, old.unit == a.unitId,
               old.explanation == a.explanation, old.context == context, old.version == rules.version {
                continue
            }
            let revision = (old?.revision ?? 0) + 1
            try tx.run("""
                INSERT OR REPLACE INTO ledger (award_id, officer_id, unit_id, incident_id, rule, points, earned_by, explanation, station_id, post_id,
                    region_id, grid_id, unit_station_id, category, at, rules_version, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [a.awardId, a.officerId, a.unitId, a.incidentId, a.rule, a.points, earned, a.explanation, inc.stationId, inc.postId,
                      inc.regionId, inc.gridId, unitStationId, inc.category?.rawValue, a.at.timeIntervalSince1970, rules.version, revision])
            if old == nil { diff.added += 1 } else { diff.changed += 1 }
            // Only a change of points is news on the bus; a new explanation or rule version alone is not.
            if old == nil || old!.points != a.points || old!.unit != a.unitId {
                var event = PointsAwarded(awardId: a.awardId, officerId: a.officerId, unitId: a.unitId, incidentId: a.incidentId, rule: a.rule,
                                          points: a.points, earnedBy: a.earnedBy, stationId: inc.stationId, at: a.at)
                event.revision = revision
                event.previousPoints = old?.points
                event.rulesVersion = rules.version
                event.explanation = a.explanation
                try tx.emit(event)
            }
        }
        for (awardId, old) in existing.sorted(by: { $0.key < $1.key }) {
            guard let row = try Row.fetchOne(tx.db, sql: "SELECT officer_id, rule, at FROM ledger WHERE award_id = ?", arguments: [awardId]) else { continue }
            try tx.run("DELETE FROM ledger WHERE award_id = ?", [awardId])
            diff.withdrawn += 1
            var event = PointsAwarded(awardId: awardId, officerId: row["officer_id"], unitId: old.unit, incidentId: incidentId, rule: row["rule"],
                                      points: 0, earnedBy: [], stationId: inc.stationId, at: Date(timeIntervalSince1970: row["at"]))
            event.revision = old.revision + 1
            event.previousPoints = old.points
            event.withdrawn = true
            event.rulesVersion = rules.version
            try tx.emit(event)
        }
        return diff
    }

    func writeIncident(_ inc: IncidentFacts, _ tx: Transaction) throws {
        func t(_ d: Date?) -> Double? { d?.timeIntervalSince1970 }
        let stationUnits = inc.units.filter { $0.kind.map { stationUnitKinds.contains($0) } ?? false }.count
        try tx.run("""
            INSERT OR REPLACE INTO incidents (incident_id, received_at, start_at, category, channel, call_taker, grid_id, station_id, post_id, region_id,
                first_assigned_at, first_signed_at, first_arrived_at, first_feedback_at, closed_at, outcome, handed_over, station_units, units,
                complaints, complaints_upheld, callbacks, satisfied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [inc.incidentId, t(inc.receivedAt), t(inc.start), inc.category?.rawValue, inc.channel?.rawValue, inc.callTaker, inc.gridId, inc.stationId,
                  inc.postId, inc.regionId, t(inc.firstAssignedAt), t(inc.firstSignedAt), t(inc.firstArrivedAt), t(inc.firstFeedbackAt), t(inc.closedAt),
                  inc.outcome?.rawValue, inc.handedOver, stationUnits, inc.units.count, inc.complaints, inc.complaintsUpheld, inc.callbacks, inc.satisfied])
        try tx.run("DELETE FROM incident_units WHERE incident_id = ?", [inc.incidentId])
        for u in inc.units {
            let officers = String(decoding: try JSONEncoder().encode(u.officerIds), as: UTF8.self)
            try tx.run("""
                INSERT INTO incident_units (incident_id, unit_id, kind, station_id, officer_ids, role, assigned_at, signed_at, arrived_at, feedback_at,
                    closed_at, outcome, handed_over) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [inc.incidentId, u.unitId, u.kind?.rawValue, u.stationId, officers, u.role, u.assignedAt.timeIntervalSince1970, t(u.signedAt),
                      t(u.arrivedAt), t(u.feedbackAt), t(u.closedAt), u.outcome?.rawValue, u.handedOver])
        }
    }
}
