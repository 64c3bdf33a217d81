import Foundation
import EventStore
import GRDB
import Model

/// intake's read API (docs/intake.md, "Read API"): one consistent snapshot per answer, on a
/// reader connection, so a query never waits for the engine's writer.
public struct IntakeQueries: Sendable {
    let reader: StateReader
    /// Fills in a recorded grid's station, post and urban flag.
    let jurisdiction: Jurisdiction?
    /// The core's key: look-ups by phone go through the caller's keyed hash, which also finds
    /// calls whose phone was redacted.
    let callerKey: CallerKey?

    public init(reader: StateReader, jurisdiction: Jurisdiction?, callerKey: CallerKey? = nil) {
        self.reader = reader
        self.jurisdiction = jurisdiction
        self.callerKey = callerKey
    }

    public func incident(id: String) async throws -> IncidentView? {
        let jurisdiction = jurisdiction
        return try await reader.read { try IntakeSQL.incident(id, jurisdiction: jurisdiction, $0) }
    }

    public func call(id: String) async throws -> CallRecord? {
        let jurisdiction = jurisdiction
        return try await reader.read { try IntakeSQL.call(id, jurisdiction: jurisdiction, $0) }
    }

    public func calls(_ query: CallQuery) async throws -> CallPage {
        let jurisdiction = jurisdiction
        let key = query.caller.map { callerKey?.hash($0) ?? $0 }
        let column = callerKey == nil ? "caller_phone" : "caller_key"
        return try await reader.read { try IntakeSQL.calls(query, callerKey: key, column: column, jurisdiction: jurisdiction, $0) }
    }

    public func caller(phone: String) async throws -> CallerView? {
        let jurisdiction = jurisdiction
        let key = callerKey?.hash(phone) ?? phone
        let column = callerKey == nil ? "caller_phone" : "caller_key"
        return try await reader.read { try IntakeSQL.caller(phone, key: key, column: column, jurisdiction: jurisdiction, $0) }
    }

    public func callers(flag: CallerFlag?, limit: Int) async throws -> [LedgerEntry] {
        try await reader.read { try IntakeSQL.callers(flag: flag, limit: limit, $0) }
    }

    public func count(clientRefPrefix: String) async throws -> Int {
        try await reader.read { try IntakeSQL.count(clientRefPrefix: clientRefPrefix, $0) }
    }

    public func stats() async throws -> [String: Int] {
        try await reader.read { try IntakeSQL.stats($0) }
    }
}

/// The read API's SQL, shared with the handlers that answer from a record.
enum IntakeSQL {
    static func incident(_ id: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> IncidentView? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]) else { return nil }
        let calls = try Row.fetchAll(db, sql: "SELECT * FROM calls WHERE incident_id = ? ORDER BY n", arguments: [id])
            .map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        var location: GridLocation?
        if let gridId: String = row["grid_id"], let grid = jurisdiction?.grid(gridId) {
            location = GridLocation(
                gridId: gridId, stationId: grid.stationId, postId: grid.postId, regionId: row["region_id"] ?? "",
                urban: grid.urban)
        }
        let lat: Double? = row["lat"]
        let lon: Double? = row["lon"]
        return IncidentView(
            incidentId: id, status: row["status"], category: row["category"], priority: row["priority"],
            openedAt: Date(timeIntervalSince1970: row["opened_at"]),
            lastCallAt: (row["last_call_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)), closeOutcome: row["close_outcome"],
            callCount: row["call_count"], enterpriseRelated: row["enterprise_related"], casualties: row["casualties"], location: location,
            coordinate: lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } }, address: row["address"], calls: calls,
            major: row["major"], upgrades: try UpgradeStore.upgrades(of: id, db))
    }

    static func call(_ id: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> CallRecord? {
        guard var record = try Row.fetchOne(db, sql: "SELECT * FROM calls WHERE id = ?", arguments: [id]).map({ CallRecord(row: $0, jurisdiction: jurisdiction) })
        else { return nil }
        if record.diversion != nil {
            let steps = try DiversionStore.steps(id, db)
            record.handoff = steps.isEmpty ? nil : steps
        }
        return record
    }

    /// `callerKey`: the `caller` filter as the caller's keyed hash (`column` caller_key); without
    /// it the filter is the phone itself.
    static func calls(
        _ q: CallQuery, callerKey: String? = nil, column: String = "caller_phone", jurisdiction: Jurisdiction?, _ db: Database
    ) throws -> CallPage {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        func add(_ sql: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(sql)
            arguments.append(value)
        }
        add("channel = ?", q.channel)
        add("outcome = ?", q.outcome)
        add("(reason_code = ? OR merge_reason = ? OR diversion_rule = ?)", q.reason)
        if let reason = q.reason { arguments += [reason, reason] }
        add("call_taker = ?", q.callTaker)
        add("\(column) = ?", callerKey ?? q.caller)
        add("incident_id = ?", q.incidentId)
        add("category = ?", q.category)
        add("received_at >= ?", q.since?.timeIntervalSince1970)
        add("received_at < ?", q.until?.timeIntervalSince1970)
        add("n > ?", q.after.flatMap(RecordIdentifier.callNumber))
        let limit = min(q.limit ?? 50, CallQuery.maxLimit)
        let sql = "SELECT * FROM calls\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) ORDER BY n LIMIT \(limit + 1)"
        var rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        let more = rows.count > limit
        if more { rows.removeLast() }
        let calls = rows.map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        return CallPage(calls: calls, next: more ? calls.last?.callId : nil)
    }

    static func caller(_ phone: String, key: String, column: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> CallerView? {
        var byOutcome: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM calls WHERE \(column) = ? GROUP BY outcome", arguments: [key]) {
            byOutcome[row["outcome"]] = row["n"]
        }
        let ledger = try Row.fetchOne(db, sql: "SELECT * FROM callers WHERE \(column == "caller_phone" ? "phone" : "caller_key") = ?", arguments: [key])
        let total = byOutcome.values.reduce(0, +)
        guard total > 0 || ledger != nil else { return nil }
        let span = try Row.fetchOne(
            db,
            sql: """
                SELECT MIN(received_at) AS first, MAX(received_at) AS last, COUNT(DISTINCT incident_id) AS incidents FROM calls WHERE \(column) = ?
                """, arguments: [key])
        let recent = try Row.fetchAll(
            db, sql: "SELECT * FROM calls WHERE \(column) = ? ORDER BY received_at DESC, n DESC LIMIT 20",
            arguments: [key]
        )
        .map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        let repeatSince = (ledger?["repeat_since"] as Double?).map(Date.init(timeIntervalSince1970:))
        let maliciousSince = (ledger?["malicious_since"] as Double?).map(Date.init(timeIntervalSince1970:))
        return CallerView(
            phone: phone, calls: total, byOutcome: byOutcome, incidents: span?["incidents"] ?? 0, falseReports: ledger?["false_reports"] ?? 0,
            repeatCaller: repeatSince != nil, repeatSince: repeatSince, maliciousCaller: maliciousSince != nil, maliciousSince: maliciousSince,
            firstCallAt: (span?["first"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastCallAt: (span?["last"] as Double?).map(Date.init(timeIntervalSince1970:)),
            recentCalls: recent)
    }

    /// The ledger: callers flagged `repeat` or `malicious` (or both when `flag` is nil).
    static func callers(flag: CallerFlag?, limit: Int, _ db: Database) throws -> [LedgerEntry] {
        let condition =
            switch flag {
            case .repeat: "repeat_since IS NOT NULL"
            case .malicious: "malicious_since IS NOT NULL"
            case nil: "repeat_since IS NOT NULL OR malicious_since IS NOT NULL"
            }
        return try Row.fetchAll(db, sql: "SELECT * FROM callers WHERE \(condition) ORDER BY phone IS NULL, phone, caller_key LIMIT ?", arguments: [limit]).map { row in
            LedgerEntry(
                phone: row["phone"] ?? LedgerEntry.redacted, falseReports: String(row["false_reports"] as Int),
                repeatSince: (row["repeat_since"] as Double?).map(Date.init(timeIntervalSince1970:)),
                maliciousSince: (row["malicious_since"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Calls recorded with a `clientRef` starting with `prefix` (the load generator's check).
    static func count(clientRefPrefix prefix: String, _ db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM calls WHERE client_ref >= ? AND client_ref < ?",
            arguments: [prefix, prefix + "\u{10FFFF}"]) ?? 0
    }

    /// `calls`, `incidents`, `calls_<outcome>`, `calls_channel_<channel>`, `calls_rejected_<reason>`,
    /// `calls_merged_<reason>`, `calls_diverted_<rule>`, `incidents_open`, `incidents_closed`.
    static func stats(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [
            "calls": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls") ?? 0,
            "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0,
        ]
        for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM calls GROUP BY outcome") {
            out["calls_\(row["outcome"] as String)"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT COALESCE(channel, 'unknown') AS k, COUNT(*) AS n FROM calls GROUP BY k") {
            out["calls_channel_\(row["k"] as String)"] = row["n"]
        }
        let rejected = "SELECT COALESCE(reason_code, 'unknown') AS k, COUNT(*) AS n FROM calls WHERE outcome = 'rejected' GROUP BY k"
        for row in try Row.fetchAll(db, sql: rejected) {
            out["calls_rejected_\(row["k"] as String)"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT merge_reason AS k, COUNT(*) AS n FROM calls WHERE outcome = 'merged' GROUP BY k") {
            out["calls_merged_\((row["k"] as String?) ?? "unknown")"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT diversion_rule AS k, COUNT(*) AS n FROM calls WHERE outcome = 'diverted' GROUP BY k") {
            out["calls_diverted_\((row["k"] as String?) ?? "unknown")"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM incidents GROUP BY status") {
            out["incidents_\(row["status"] as String)"] = row["n"]
        }
        return out
    }
}
