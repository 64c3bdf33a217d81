import EventStore
import Foundation
import GRDB
import Model

/// The `calls` table as the handlers write it: one row per call, whatever became of it.
enum CallStore {
    /// The highest call and incident numbers recorded, so identifiers continue after a restart.
    static func lastNumbers(_ db: Database) throws -> (call: Int, incident: Int) {
        (try Int.fetchOne(db, sql: "SELECT MAX(n) FROM calls") ?? 0, try Int.fetchOne(db, sql: "SELECT MAX(n) FROM incidents") ?? 0)
    }

    /// The record of the call first sent with `clientRef`, if any.
    static func call(clientRef: String, jurisdiction: Jurisdiction, _ db: Database) throws -> CallRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM calls WHERE client_ref = ?"), arguments: [clientRef])
            .map { CallRecord(row: $0, jurisdiction: jurisdiction) }
    }

    /// A readable call and what was decided about it; `json` is the call as it arrived.
    static func insert(
        _ callId: String, n: Int, request: CallRequest, receivedAt: Date, json: String, callerKey: String?, _ d: CallDecision, _ tx: Transaction
    ) throws {
        let c = d.classification
        try tx.run(
            """
            INSERT INTO calls (id, n, received_at, channel, outcome, status, reason_code, reason_field, reason, incident_id, category,
                               category_source,
                               priority, enterprise_related, casualties, merge_reason, diversion_rule, diversion_matter, diversion_department, flags,
                               grid_id, station_id, post_id, region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref,
                               description, request, caller_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                callId, n, receivedAt.timeIntervalSince1970, request.channel.rawValue, d.outcome.rawValue, d.status,
                d.problem?.code, d.problem?.field, d.problem?.reason, d.incidentId, c?.category?.rawValue, c?.source,
                c?.priority, c?.enterpriseRelated, c?.casualties, d.mergeReason, d.diversion?.ruleId, d.diversion?.matter, d.diversion?.department,
                flags(d), d.located?.gridId, d.located?.stationId, d.located?.postId, d.located?.regionId, d.coordinate?.lat ?? request.location?.lat,
                d.coordinate?.lon ?? request.location?.lon, request.location?.address, request.caller?.name, request.caller?.phone,
                request.callTaker, request.clientRef, request.description, json, callerKey,
            ])
    }

    /// A call that could not be read as one: rejected, with what was readable and the evidence.
    static func insertUnreadable(
        _ callId: String, n: Int, at: Date, problem: FieldError, status: Int, hints: CallParser.Hints, evidence: String, callerKey: String?,
        _ tx: Transaction
    ) throws {
        try tx.run(
            """
            INSERT INTO calls (id, n, received_at, channel, outcome, status, reason_code, reason_field, reason, caller_phone, call_taker,
                               client_ref, request, caller_key)
            VALUES (?, ?, ?, ?, 'rejected', ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                callId, n, at.timeIntervalSince1970, hints.channel, status, problem.code, problem.field, problem.reason,
                hints.callerPhone, hints.callTaker, hints.clientRef, evidence, callerKey,
            ])
    }

    /// What classifying a call needs of its record.
    struct Recorded {
        var outcome: String
        var request: String
        var receivedAt: Date
    }

    static func recorded(_ callId: String, _ db: Database) throws -> Recorded? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT outcome, request, received_at FROM calls WHERE id = ?"), arguments: [callId]).map {
            Recorded(outcome: $0["outcome"], request: $0["request"], receivedAt: Date(timeIntervalSince1970: $0["received_at"]))
        }
    }

    /// A call left for review, once the call-taker classified it.
    static func updateClassified(_ callId: String, callTaker: String?, _ d: CallDecision, _ tx: Transaction) throws {
        let c = d.classification
        try tx.run(
            """
            UPDATE calls SET outcome = ?, incident_id = ?, category = ?, category_source = ?, priority = ?, enterprise_related = ?, casualties = ?,
                             merge_reason = ?, diversion_rule = ?, diversion_matter = ?, diversion_department = ?, flags = ?, call_taker = ?
            WHERE id = ?
            """,
            [
                d.outcome.rawValue, d.incidentId, c?.category?.rawValue, c?.source, c?.priority, c?.enterpriseRelated, c?.casualties,
                d.mergeReason, d.diversion?.ruleId, d.diversion?.matter, d.diversion?.department, flags(d), callTaker, callId,
            ])
    }

    /// The caller's calls into still-open incidents since `since`, newest first (by keyed hash:
    /// it still matches once the phone is redacted).
    static func earlierCalls(callerKey: String, since: Date, _ db: Database) throws -> [MergePolicy.EarlierCall] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT c.incident_id, c.lat, c.lon FROM calls c JOIN incidents i ON i.id = c.incident_id
                    WHERE c.caller_key = ? AND c.received_at >= ? AND i.status = 'open' ORDER BY c.received_at DESC LIMIT 20
                    """), arguments: [callerKey, since.timeIntervalSince1970]
        ).map { row in
            let lat: Double? = row["lat"]
            let lon: Double? = row["lon"]
            let coordinate = lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } }
            return MergePolicy.EarlierCall(incidentId: row["incident_id"], coordinate: coordinate)
        }
    }

    /// The caller's calls after `since`.
    static func callCount(callerKey: String, after since: Date, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT COUNT(*) FROM calls WHERE caller_key = ? AND received_at > ?"),
            arguments: [callerKey, since.timeIntervalSince1970]) ?? 0
    }

    /// The callers (keyed hash, and the phone while it is kept) who called about an incident.
    static func callers(incidentId: String, _ db: Database) throws -> [(key: String, phone: String?)] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT caller_key, MAX(caller_phone) AS phone FROM calls WHERE incident_id = ? AND caller_key IS NOT NULL GROUP BY caller_key"),
            arguments: [incidentId]
        ).map { ($0["caller_key"], $0["phone"]) }
    }

    private static func flags(_ d: CallDecision) -> String? { d.flags.isEmpty ? nil : d.flags.joined(separator: ",") }
}
