import EventStore
import Foundation
import GRDB
import Model
import Wire

/// The fact log inside one engine transaction: the events and API records scoring keeps per
/// incident, which incidents need re-deriving (`dirty`), and the records kept beside the log.
struct FactLog {
    let tx: Transaction

    /// Keeps a fact; marks its incident dirty when it is new (or, with `replace`, changed), so a
    /// replayed event (same id) changes nothing.
    func record(_ fact: Fact, incident: String, replace: Bool = false) throws {
        try tx.run(
            "INSERT OR \(replace ? "REPLACE" : "IGNORE") INTO facts (id, incident_id, type, at, payload) VALUES (?, ?, ?, ?, ?)",
            [fact.id, incident, fact.type, fact.at.timeIntervalSince1970, fact.payload])
        guard tx.db.changesCount > 0 else { return }
        try markDirty(incident)
    }

    func markDirty(_ incident: String) throws {
        try tx.run("INSERT OR IGNORE INTO dirty (incident_id) VALUES (?)", [incident])
    }

    /// The incidents waiting to be re-derived, in id order.
    func dirtyIncidents() throws -> [String] {
        try String.fetchAll(tx.db, sql: "SELECT incident_id FROM dirty ORDER BY incident_id")
    }

    func clearDirty() throws { try tx.run("DELETE FROM dirty") }

    /// Every incident of the fact log, in id order.
    func allIncidents() throws -> [String] {
        try String.fetchAll(tx.db, sql: "SELECT DISTINCT incident_id FROM facts ORDER BY incident_id")
    }

    /// Whether scoring has any fact about `incident`.
    func knows(_ incident: String) throws -> Bool {
        try tx.fetchOne(Int.self, "SELECT 1 FROM facts WHERE incident_id = ? LIMIT 1", [incident]) != nil
    }

    /// An incident's facts, in storage order (derivation orders them itself).
    func facts(of incident: String) throws -> [Fact] {
        try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT id, type, at, payload FROM facts WHERE incident_id = ?"), arguments: [incident]).map {
            Fact(id: $0["id"], type: $0["type"], at: Date(timeIntervalSince1970: $0["at"]), payload: $0["payload"])
        }
    }

    /// One row per incident and unit (the `incidentsAssigned` stat the load verification reads).
    func recordAssignment(_ e: UnitAssigned) throws {
        try tx.run("INSERT OR IGNORE INTO assignments (incident_id, unit_id, station_id) VALUES (?, ?, ?)", [e.incidentId, e.unitId, e.stationId])
    }

    /// The incident a complaint id was first recorded for, if any.
    func incident(ofComplaint id: String) throws -> String? {
        try tx.fetchOne(String.self, "SELECT incident_id FROM complaints WHERE complaint_id = ?", [id])
    }

    /// Keeps a complaint (a later one with the same id replaces it) and its fact.
    func save(_ complaint: Complaint) throws {
        let body = try JSONCodec.encoder().encode(complaint)
        try tx.run(
            "INSERT OR REPLACE INTO complaints (complaint_id, incident_id, body) VALUES (?, ?, ?)",
            [complaint.complaintId, complaint.incidentId, body])
        let fact = Fact(id: "complaint:\(complaint.complaintId)", type: Complaint.factType, at: complaint.at, payload: body)
        try record(fact, incident: complaint.incidentId, replace: true)
        try markDirty(complaint.incidentId)
    }

    /// Keeps a call-back (a later one with the same id replaces it) and its fact.
    func save(_ callback: Callback) throws {
        let body = try JSONCodec.encoder().encode(callback)
        try tx.run(
            "INSERT OR REPLACE INTO callbacks (callback_id, incident_id, body) VALUES (?, ?, ?)",
            [callback.callbackId, callback.incidentId, body])
        let fact = Fact(id: "callback:\(callback.callbackId)", type: Callback.factType, at: callback.at, payload: body)
        try record(fact, incident: callback.incidentId, replace: true)
        try markDirty(callback.incidentId)
    }

    // MARK: Reports

    /// Whether any incident row exists (no report is published before the first incident).
    func hasIncidents() throws -> Bool {
        try tx.fetchOne(Int.self, "SELECT 1 FROM incidents LIMIT 1") != nil
    }

    func reportPublished(_ period: Period) throws -> Bool {
        try tx.fetchOne(
            Int.self, "SELECT 1 FROM reports_published WHERE period = ? AND from_at = ?",
            [period.kind.rawValue, period.from.timeIntervalSince1970]) != nil
    }

    func markReportPublished(_ period: Period, reportId: String) throws {
        try tx.run(
            "INSERT INTO reports_published (period, from_at, report_id) VALUES (?, ?, ?)",
            [period.kind.rawValue, period.from.timeIntervalSince1970, reportId])
    }
}

extension FactLog {
    /// Keeps an inbound event as a fact of `incident` at event time `at`; `decoded` (the payload
    /// the handler already decoded) goes into `cache`, so derivation does not decode it again.
    func keep(_ event: Envelope, incident: String, at: Date, decoded: (any Sendable)? = nil, cache: DecodedFacts? = nil) throws {
        let fact = Fact(id: event.header.id, type: event.header.type, at: at, payload: Data(event.payload))
        try record(fact, incident: incident)
        if let decoded, let cache { cache.seed(fact.id, payload: fact.payload, value: decoded) }
    }
}
