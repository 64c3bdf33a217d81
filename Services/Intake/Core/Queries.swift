import Foundation
import GRDB
import Model
import Wire

// intake's read API (GET /v1/incidents/{id}, /v1/calls, /v1/callers/…, /v1/stats), over a read
// connection: pure functions of the store, shared by HTTP and the ROUTER.

/// One call as recorded.
public struct CallRecord: Codable, Sendable, Hashable {
    public var callId: String
    public var receivedAt: Date
    public var channel: String?
    public var outcome: String
    public var status: Int?
    public var reasonCode: String?
    public var reasonField: String?
    public var reason: String?
    public var incidentId: String?
    public var category: String?
    public var categorySource: String?
    public var priority: Int?
    public var enterpriseRelated: Bool?
    public var casualties: Int?
    public var mergeReason: String?
    public var diversion: CallReceipt.Diversion?
    public var flags: [String]
    public var location: GridLocation?
    public var coordinate: Coordinate?
    public var address: String?
    public var caller: Caller?
    public var callTaker: String?
    public var clientRef: String?
    public var description: String?

    init(row: Row, jurisdiction: Jurisdiction?) {
        callId = row["id"]
        receivedAt = Date(timeIntervalSince1970: row["received_at"])
        channel = row["channel"]
        outcome = row["outcome"]
        status = row["status"]
        reasonCode = row["reason_code"]
        reasonField = row["reason_field"]
        reason = row["reason"]
        incidentId = row["incident_id"]
        category = row["category"]
        categorySource = row["category_source"]
        priority = row["priority"]
        enterpriseRelated = row["enterprise_related"]
        casualties = row["casualties"]
        mergeReason = row["merge_reason"]
        if let rule: String = row["diversion_rule"] {
            diversion = CallReceipt.Diversion(ruleId: rule, matter: row["diversion_matter"] ?? "", department: row["diversion_department"] ?? "")
        }
        flags = ((row["flags"] as String?) ?? "").split(separator: ",").map(String.init)
        if let gridId: String = row["grid_id"] {
            let grid = jurisdiction?.grid(gridId)
            location = GridLocation(gridId: gridId, stationId: row["station_id"] ?? grid?.stationId ?? "", postId: row["post_id"] ?? grid?.postId,
                                    regionId: row["region_id"] ?? "", urban: grid?.urban ?? false)
        }
        if let lat: Double = row["lat"], let lon: Double = row["lon"] { coordinate = Coordinate(lat: lat, lon: lon) }
        address = row["address"]
        let name: String? = row["caller_name"], phone: String? = row["caller_phone"]
        caller = name == nil && phone == nil ? nil : Caller(name: name, phone: phone)
        callTaker = row["call_taker"]
        clientRef = row["client_ref"]
        description = row["description"]
    }

    /// The receipt this record answered with.
    var receipt: CallReceipt {
        var r = CallReceipt(callId: callId, incidentId: incidentId, outcome: CallReceipt.Outcome(rawValue: outcome) ?? .opened, location: location,
                            category: category.flatMap(Category.init(rawValue:)))
        r.priority = priority
        r.categorySource = categorySource
        r.enterpriseRelated = enterpriseRelated
        r.casualties = casualties
        r.mergeReason = mergeReason
        r.diversion = diversion
        r.flags = flags.isEmpty ? nil : flags
        return r
    }
}

/// An incident with every call that opened or joined it.
public struct IncidentView: Codable, Sendable {
    public var incidentId: String
    public var status: String
    public var category: String
    public var priority: Int?
    public var openedAt: Date
    public var lastCallAt: Date?
    public var closedAt: Date?
    public var closeOutcome: String?
    public var callCount: Int
    public var enterpriseRelated: Bool
    public var casualties: Int
    public var location: GridLocation?
    public var coordinate: Coordinate?
    public var address: String?
    public var calls: [CallRecord]
}

/// Filters of `GET /v1/calls` (and the ROUTER's `calls` op). Paging is by cursor: `after` is the
/// last `callId` of the previous page (answers list calls in the order they were recorded).
public struct CallQuery: Codable, Sendable, Hashable {
    public var channel: String?
    public var outcome: String?
    public var reason: String?
    public var callTaker: String?
    public var caller: String?
    public var incidentId: String?
    public var category: String?
    public var since: Date?
    public var until: Date?
    public var after: String?
    public var limit: Int?

    public init(channel: String? = nil, outcome: String? = nil, reason: String? = nil, callTaker: String? = nil, caller: String? = nil,
                incidentId: String? = nil, category: String? = nil, since: Date? = nil, until: Date? = nil, after: String? = nil, limit: Int? = nil) {
        self.channel = channel
        self.outcome = outcome
        self.reason = reason
        self.callTaker = callTaker
        self.caller = caller
        self.incidentId = incidentId
        self.category = category
        self.since = since
        self.until = until
        self.after = after
        self.limit = limit
    }

    public static let maxLimit = 500

    /// A problem with the filters, naming the parameter.
    public func validate() -> FieldError? {
        if let limit, !(1...Self.maxLimit).contains(limit) { return FieldError(field: "limit", reason: "must be 1…\(Self.maxLimit) (got \(limit))", code: "invalid-value") }
        if let channel, Channel(rawValue: channel) == nil { return FieldError(field: "channel", reason: "'\(channel)' is not a channel", code: "unknown-channel") }
        if let outcome, CallReceipt.Outcome(rawValue: outcome) == nil {
            return FieldError(field: "outcome", reason: "'\(outcome)' is not one of \(CallReceipt.Outcome.allCases.map(\.rawValue).joined(separator: ", "))", code: "invalid-value")
        }
        if let category, Category(rawValue: category) == nil { return FieldError(field: "category", reason: "'\(category)' is not a category", code: "invalid-value") }
        if let after, IntakeQueries.number(after) == nil { return FieldError(field: "after", reason: "'\(after)' is not a call id", code: "invalid-value") }
        return nil
    }
}

public struct CallPage: Codable, Sendable {
    public var calls: [CallRecord]
    /// Pass as `after` for the next page; absent on the last page.
    public var next: String?
}

/// The repeat / malicious caller ledger (DOMAIN.md §3.4, 001 §10) for one phone number.
public struct CallerView: Codable, Sendable {
    public var phone: String
    public var calls: Int
    public var byOutcome: [String: Int]
    public var incidents: Int
    public var falseReports: Int
    public var repeatCaller: Bool
    public var repeatSince: Date?
    public var maliciousCaller: Bool
    public var maliciousSince: Date?
    public var firstCallAt: Date?
    public var lastCallAt: Date?
    public var recentCalls: [CallRecord]
}

public enum IntakeQueries {
    static func number(_ callId: String) -> Int? {
        guard callId.hasPrefix("C") else { return nil }
        return Int(callId.dropFirst())
    }

    public static func incident(_ id: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> IncidentView? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM incidents WHERE id = ?", arguments: [id]) else { return nil }
        let calls = try Row.fetchAll(db, sql: "SELECT * FROM calls WHERE incident_id = ? ORDER BY n", arguments: [id]).map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        var location: GridLocation?
        if let gridId: String = row["grid_id"], let grid = jurisdiction?.grid(gridId) {
            location = GridLocation(gridId: gridId, stationId: grid.stationId, postId: grid.postId, regionId: row["region_id"] ?? "", urban: grid.urban)
        }
        let lat: Double? = row["lat"], lon: Double? = row["lon"]
        return IncidentView(
            incidentId: id, status: row["status"], category: row["category"], priority: row["priority"],
            openedAt: Date(timeIntervalSince1970: row["opened_at"]), lastCallAt: (row["last_call_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)), closeOutcome: row["close_outcome"],
            callCount: row["call_count"], enterpriseRelated: row["enterprise_related"], casualties: row["casualties"], location: location,
            coordinate: lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } }, address: row["address"], calls: calls)
    }

    public static func call(_ id: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> CallRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM calls WHERE id = ?", arguments: [id]).map { CallRecord(row: $0, jurisdiction: jurisdiction) }
    }

    public static func calls(_ q: CallQuery, jurisdiction: Jurisdiction?, _ db: Database) throws -> CallPage {
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
        add("caller_phone = ?", q.caller)
        add("incident_id = ?", q.incidentId)
        add("category = ?", q.category)
        add("received_at >= ?", q.since?.timeIntervalSince1970)
        add("received_at < ?", q.until?.timeIntervalSince1970)
        add("n > ?", q.after.flatMap(number))
        let limit = min(q.limit ?? 50, CallQuery.maxLimit)
        let sql = "SELECT * FROM calls\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) ORDER BY n LIMIT \(limit + 1)"
        var rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        let more = rows.count > limit
        if more { rows.removeLast() }
        let calls = rows.map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        return CallPage(calls: calls, next: more ? calls.last?.callId : nil)
    }

    public static func caller(_ phone: String, jurisdiction: Jurisdiction?, _ db: Database) throws -> CallerView? {
        var byOutcome: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM calls WHERE caller_phone = ? GROUP BY outcome", arguments: [phone]) {
            byOutcome[row["outcome"]] = row["n"]
        }
        let ledger = try Row.fetchOne(db, sql: "SELECT * FROM callers WHERE phone = ?", arguments: [phone])
        let total = byOutcome.values.reduce(0, +)
        guard total > 0 || ledger != nil else { return nil }
        let span = try Row.fetchOne(db, sql: "SELECT MIN(received_at) AS first, MAX(received_at) AS last, COUNT(DISTINCT incident_id) AS incidents FROM calls WHERE caller_phone = ?", arguments: [phone])
        let recent = try Row.fetchAll(db, sql: "SELECT * FROM calls WHERE caller_phone = ? ORDER BY received_at DESC, n DESC LIMIT 20", arguments: [phone])
            .map { CallRecord(row: $0, jurisdiction: jurisdiction) }
        let repeatSince = (ledger?["repeat_since"] as Double?).map(Date.init(timeIntervalSince1970:))
        let maliciousSince = (ledger?["malicious_since"] as Double?).map(Date.init(timeIntervalSince1970:))
        return CallerView(
            phone: phone, calls: total, byOutcome: byOutcome, incidents: span?["incidents"] ?? 0, falseReports: ledger?["false_reports"] ?? 0,
            repeatCaller: repeatSince != nil, repeatSince: repeatSince, maliciousCaller: maliciousSince != nil, maliciousSince: maliciousSince,
            firstCallAt: (span?["first"] as Double?).map(Date.init(timeIntervalSince1970:)), lastCallAt: (span?["last"] as Double?).map(Date.init(timeIntervalSince1970:)),
            recentCalls: recent)
    }

    /// The ledger: callers flagged `repeat` or `malicious` (or both when `flag` is nil).
    public static func callers(flag: String?, limit: Int, _ db: Database) throws -> [[String: String]] {
        let condition = switch flag {
        case "repeat": "repeat_since IS NOT NULL"
        case "malicious": "malicious_since IS NOT NULL"
        default: "repeat_since IS NOT NULL OR malicious_since IS NOT NULL"
        }
        return try Row.fetchAll(db, sql: "SELECT * FROM callers WHERE \(condition) ORDER BY phone LIMIT ?", arguments: [limit]).map { row in
            var o: [String: String] = ["phone": row["phone"], "falseReports": String(row["false_reports"] as Int)]
            if let t: Double = row["repeat_since"] { o["repeatSince"] = EventTime.string(Date(timeIntervalSince1970: t)) }
            if let t: Double = row["malicious_since"] { o["maliciousSince"] = EventTime.string(Date(timeIntervalSince1970: t)) }
            return o
        }
    }

    /// `calls`, `incidents`, `calls_<outcome>`, `calls_channel_<channel>`, `calls_rejected_<reason>`,
    /// `calls_merged_<reason>`, `calls_diverted_<rule>`, `incidents_open`, `incidents_closed`.
    public static func stats(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = ["calls": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls") ?? 0,
                                  "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0]
        for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM calls GROUP BY outcome") {
            out["calls_\(row["outcome"] as String)"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT COALESCE(channel, 'unknown') AS k, COUNT(*) AS n FROM calls GROUP BY k") {
            out["calls_channel_\(row["k"] as String)"] = row["n"]
        }
        for row in try Row.fetchAll(db, sql: "SELECT COALESCE(reason_code, 'unknown') AS k, COUNT(*) AS n FROM calls WHERE outcome = 'rejected' GROUP BY k") {
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
