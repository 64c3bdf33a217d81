import EventStore
import Foundation
import GRDB
import Model

/// The hand-off tables: `handoffs` (a diversion's state at liaison), `support_requests`, and
/// `handoff_steps` (every event of either, as published, for the read APIs).
enum HandoffSchema {
    static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("liaison-handoff-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE handoffs (
                        call_id TEXT PRIMARY KEY, state TEXT NOT NULL, department TEXT NOT NULL, matter TEXT NOT NULL, region_id TEXT,
                        work_order_id TEXT, received_at REAL NOT NULL, diverted_at REAL NOT NULL, answer_by REAL NOT NULL,
                        escalated INTEGER NOT NULL DEFAULT 0);
                    CREATE INDEX handoffs_due ON handoffs(state, escalated, answer_by);
                    CREATE TABLE support_requests (
                        request_id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, department_id TEXT NOT NULL, kind TEXT NOT NULL,
                        incident_id TEXT, case_id TEXT, requested_by TEXT NOT NULL, need TEXT NOT NULL, state TEXT NOT NULL, answer TEXT,
                        requested_at REAL NOT NULL, acknowledge_by REAL NOT NULL, answer_by REAL NOT NULL, acknowledged_at REAL,
                        answered_at REAL, escalated TEXT NOT NULL DEFAULT '', next_due REAL);
                    CREATE INDEX support_due ON support_requests(next_due);
                    CREATE INDEX support_incident ON support_requests(incident_id);
                    CREATE TABLE handoff_steps (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL);
                    CREATE INDEX handoff_steps_subject ON handoff_steps(subject, id);
                    """)
        }
    }
}

/// A diversion as liaison keeps it.
struct HandoffRow {
    var callId: String
    var state: HandoffState
    var department: String
    var matter: String
    var regionId: String?
    var workOrderId: String?
    var receivedAt: Date
    var answerBy: Date
    var escalated: Bool

    init(row: Row) {
        callId = row["call_id"]
        state = HandoffState(rawValue: row["state"]) ?? .delivered
        department = row["department"]
        matter = row["matter"]
        regionId = row["region_id"]
        workOrderId = row["work_order_id"]
        receivedAt = Date(timeIntervalSince1970: row["received_at"])
        answerBy = Date(timeIntervalSince1970: row["answer_by"])
        escalated = row["escalated"]
    }

    init(delivered d: HandoffDelivered) {
        callId = d.callId
        state = .delivered
        department = d.department
        matter = d.matter
        regionId = d.place.grid?.regionId
        receivedAt = d.receivedAt
        answerBy = d.answerBy
        escalated = false
    }
}

/// The only SQL of hand-offs and support requests.
enum HandoffStore {
    static func handoff(_ callId: String, _ db: Database) throws -> HandoffRow? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM handoffs WHERE call_id = ?"), arguments: [callId]).map(HandoffRow.init(row:))
    }

    static func insert(_ d: HandoffDelivered, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO handoffs (call_id, state, department, matter, region_id, received_at, diverted_at, answer_by)
            VALUES (?, 'delivered', ?, ?, ?, ?, ?, ?)
            """,
            [
                d.callId, d.department, d.matter, d.place.grid?.regionId, d.receivedAt.timeIntervalSince1970, d.divertedAt.timeIntervalSince1970,
                d.answerBy.timeIntervalSince1970,
            ])
    }

    static func update(_ h: HandoffRow, _ tx: Transaction) throws {
        try tx.run(
            "UPDATE handoffs SET state = ?, work_order_id = ?, escalated = ? WHERE call_id = ?",
            [h.state.rawValue, h.workOrderId, h.escalated, h.callId])
    }

    /// Diversions without receipt past their deadline, not yet escalated (indexed; a few at a time).
    static func overdueHandoffs(now: Date, _ db: Database) throws -> [HandoffRow] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM handoffs WHERE state = 'delivered' AND escalated = 0 AND answer_by <= ? LIMIT 100"),
            arguments: [now.timeIntervalSince1970]
        ).map(HandoffRow.init(row:))
    }

    /// Records an event of a hand-off or request, for its read API.
    static func step<P: EventPayload>(_ subject: String, _ payload: P, _ tx: Transaction) throws {
        let body = String(decoding: try JSONCodec.encoder().encode(payload), as: UTF8.self)
        try tx.run("INSERT INTO handoff_steps (subject, kind, body) VALUES (?, ?, ?)", [subject, P.type, body])
    }

    static func steps<P: EventPayload>(_ subject: String, _ type: P.Type, _ db: Database) throws -> [P] {
        let decoder = JSONCodec.decoder()
        return try String.fetchAll(
            db.cachedStatement(sql: "SELECT body FROM handoff_steps WHERE subject = ? AND kind = ? ORDER BY id"), arguments: [subject, P.type]
        ).map { try decoder.decode(P.self, from: Data($0.utf8)) }
    }

    // MARK: Support requests

    static func lastSupportNumber(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "SELECT MAX(n) FROM support_requests") ?? 0 }

    static func insert(_ r: DepartmentRequest, n: Int, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO support_requests (request_id, n, department_id, kind, incident_id, case_id, requested_by, need, state, requested_at,
                                          acknowledge_by, answer_by, next_due)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                r.requestId, n, r.departmentId, r.kind, r.incidentId, r.caseId, r.requestedBy, r.need, r.state.rawValue,
                r.requestedAt.timeIntervalSince1970, r.acknowledgeBy.timeIntervalSince1970, r.answerBy.timeIntervalSince1970,
                nextDue(r)?.timeIntervalSince1970,
            ])
    }

    static func update(_ r: DepartmentRequest, _ tx: Transaction) throws {
        try tx.run(
            """
            UPDATE support_requests SET state = ?, answer = ?, acknowledged_at = ?, answered_at = ?, escalated = ?, next_due = ?
            WHERE request_id = ?
            """,
            [
                r.state.rawValue, r.answer, r.acknowledgedAt?.timeIntervalSince1970, r.answeredAt?.timeIntervalSince1970,
                r.escalated.joined(separator: ","), nextDue(r)?.timeIntervalSince1970, r.requestId,
            ])
    }

    /// The next limit a request can miss; `nil` once answered or every limit is escalated.
    static func nextDue(_ r: DepartmentRequest) -> Date? {
        if r.state == .requested, !r.escalated.contains("acknowledge") { return r.acknowledgeBy }
        if r.state != .answered, !r.escalated.contains("answer") { return r.answerBy }
        return nil
    }

    static func support(_ requestId: String, _ db: Database) throws -> DepartmentRequest? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM support_requests WHERE request_id = ?"), arguments: [requestId])
            .map { try request($0, db) }
    }

    static func supports(incidentId: String?, departmentId: String?, _ db: Database) throws -> [DepartmentRequest] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM support_requests WHERE (?1 IS NULL OR incident_id = ?1) AND (?2 IS NULL OR department_id = ?2)
                ORDER BY n DESC LIMIT 500
                """, arguments: [incidentId, departmentId]
        ).map { try request($0, db) }
    }

    static func dueSupports(now: Date, _ db: Database) throws -> [DepartmentRequest] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM support_requests WHERE next_due IS NOT NULL AND next_due <= ? LIMIT 100"),
            arguments: [now.timeIntervalSince1970]
        ).map { try request($0, db) }
    }

    private static func request(_ row: Row, _ db: Database) throws -> DepartmentRequest {
        let id: String = row["request_id"]
        let escalated = ((row["escalated"] as String?) ?? "").split(separator: ",").map(String.init)
        return DepartmentRequest(
            requestId: id, departmentId: row["department_id"], kind: row["kind"], incidentId: row["incident_id"], caseId: row["case_id"],
            requestedBy: row["requested_by"], need: row["need"], state: DepartmentRequest.State(rawValue: row["state"]) ?? .requested,
            answer: row["answer"], requestedAt: Date(timeIntervalSince1970: row["requested_at"]),
            acknowledgeBy: Date(timeIntervalSince1970: row["acknowledge_by"]), answerBy: Date(timeIntervalSince1970: row["answer_by"]),
            acknowledgedAt: (row["acknowledged_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            answeredAt: (row["answered_at"] as Double?).map(Date.init(timeIntervalSince1970:)), escalated: escalated,
            steps: try steps(id, SupportChanged.self, db))
    }
}
