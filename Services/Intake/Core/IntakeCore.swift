import EventStore
import Foundation
import GRDB
import Model
import Wire

/// intake's rules (DOMAIN.md §3.1–3.5, docs/intake.md): every call gets a record, even when it
/// is rejected, merged, diverted or left for review; it is validated per channel, classified,
/// located in a grid, merged into an open incident when it repeats one, diverted to 12345 when it
/// is not a police matter, and otherwise opens an incident (`incident.opened.<region>`).
public final class IntakeCore: ServiceCore {
    public enum Command: Sendable {
        /// A call, with the bytes it arrived as (kept as evidence; encoded anew when absent).
        case call(CallRequest, raw: [UInt8]? = nil)
        /// A call that could not be read as one: recorded as rejected, with what was readable.
        case unreadable(FieldError, status: Int, hints: CallParser.Hints, raw: [UInt8]?)
        /// The call-taker classifies a call left for review: it then opens, merges or is diverted.
        case classify(callId: String, category: Category, callTaker: String?)
    }

    public enum Reply: Sendable {
        case accepted(CallReceipt)
        /// The same `clientRef` was seen before: the first answer, nothing new recorded.
        case duplicate(CallReceipt)
        /// Recorded and rejected. `status`: 400 unreadable, 413 too large, 422 invalid.
        case rejected(callId: String, FieldError, status: Int = 422)
        /// A command that changed nothing (unknown call, call not waiting for review).
        case refused(status: Int, FieldError)
    }

    let jurisdiction: Jurisdiction
    let addresses: [String: Coordinate]
    public let rules: IntakeRules
    private var nextCall = 1
    private var nextIncident = 1
    private let recordEncoder = JSONCodec.encoder()
    private let recordDecoder = JSONCodec.decoder()

    public init(jurisdiction: Jurisdiction, addresses: [String: Coordinate], rules: IntakeRules = IntakeRules()) {
        self.jurisdiction = jurisdiction
        var normalised: [String: Coordinate] = [:]
        for (address, c) in addresses { normalised[Self.normalise(address)] = c }
        self.addresses = normalised
        self.rules = rules
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v1") { db in
            try db.execute(sql: """
                CREATE TABLE calls (
                    id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, received_at REAL NOT NULL, channel TEXT NOT NULL,
                    outcome TEXT NOT NULL, reason_field TEXT, reason TEXT, incident_id TEXT, category TEXT,
                    grid_id TEXT, station_id TEXT, region_id TEXT, lat REAL, lon REAL, address TEXT,
                    caller_name TEXT, caller_phone TEXT, call_taker TEXT, client_ref TEXT UNIQUE, request TEXT NOT NULL);
                CREATE INDEX calls_incident ON calls(incident_id);
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, opened_at REAL NOT NULL, call_id TEXT NOT NULL,
                    category TEXT NOT NULL, status TEXT NOT NULL, region_id TEXT, grid_id TEXT, lat REAL, lon REAL);
                """)
        }
        // v2: unreadable calls are recorded too (channel may be unknown), with reason codes,
        // classification, merge and diversion details; incidents know their latest call; the
        // caller ledger.
        migrator.registerMigration("intake-v2") { db in
            try db.execute(sql: """
                CREATE TABLE calls_v2 (
                    id TEXT PRIMARY KEY, n INTEGER NOT NULL UNIQUE, received_at REAL NOT NULL, channel TEXT,
                    outcome TEXT NOT NULL, status INTEGER, reason_code TEXT, reason_field TEXT, reason TEXT, incident_id TEXT,
                    category TEXT, category_source TEXT, priority INTEGER, enterprise_related INTEGER, casualties INTEGER,
                    merge_reason TEXT, diversion_rule TEXT, diversion_matter TEXT, diversion_department TEXT, flags TEXT,
                    grid_id TEXT, station_id TEXT, post_id TEXT, region_id TEXT, lat REAL, lon REAL, address TEXT,
                    caller_name TEXT, caller_phone TEXT, call_taker TEXT, client_ref TEXT UNIQUE, description TEXT, request TEXT NOT NULL);
                INSERT INTO calls_v2 (id, n, received_at, channel, outcome, reason_field, reason, incident_id, category, grid_id, station_id,
                                      region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref, request)
                    SELECT id, n, received_at, channel, outcome, reason_field, reason, incident_id, category, grid_id, station_id,
                           region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref, request FROM calls;
                DROP TABLE calls;
                ALTER TABLE calls_v2 RENAME TO calls;
                CREATE INDEX calls_incident ON calls(incident_id);
                CREATE INDEX calls_caller ON calls(caller_phone, received_at);
                CREATE INDEX calls_outcome ON calls(outcome, n);
                ALTER TABLE incidents ADD COLUMN priority INTEGER;
                ALTER TABLE incidents ADD COLUMN station_id TEXT;
                ALTER TABLE incidents ADD COLUMN post_id TEXT;
                ALTER TABLE incidents ADD COLUMN address TEXT;
                ALTER TABLE incidents ADD COLUMN enterprise_related INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN casualties INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN last_call_at REAL;
                ALTER TABLE incidents ADD COLUMN call_count INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE incidents ADD COLUMN closed_at REAL;
                ALTER TABLE incidents ADD COLUMN close_outcome TEXT;
                UPDATE incidents SET last_call_at = opened_at;
                CREATE INDEX incidents_open ON incidents(status, category, lat);
                CREATE TABLE callers (
                    phone TEXT PRIMARY KEY, repeat_since REAL, false_reports INTEGER NOT NULL DEFAULT 0, malicious_since REAL);
                """)
        }
    }

    public func load(_ db: Database) throws {
        nextCall = (try Int.fetchOne(db, sql: "SELECT MAX(n) FROM calls") ?? 0) + 1
        nextIncident = (try Int.fetchOne(db, sql: "SELECT MAX(n) FROM incidents") ?? 0) + 1
    }

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .call(let request, let raw): try takeCall(request, raw: raw, tx)
        case .unreadable(let problem, let status, let hints, let raw): try recordUnreadable(problem, status: status, hints: hints, raw: raw, tx)
        case .classify(let callId, let category, let callTaker): try classify(callId: callId, category: category, callTaker: callTaker, tx)
        }
    }

    /// dispatch's lifecycle: a closed incident takes no more repeat calls; one closed as a false
    /// report counts against its callers in the ledger.
    public func apply(_ event: Envelope, in tx: Transaction) throws {
        guard event.header.type == FieldReported.type, event.topic.hasPrefix("dispatch.field.closed.") else { return }
        let report = try tx.decode(FieldReported.self, from: event)
        // With several units on an incident, it closes with the last one (`incidentClosed`).
        guard report.stage == .closed, report.incidentClosed != false else { return }
        try tx.run("UPDATE incidents SET status = 'closed', closed_at = ?, close_outcome = ? WHERE id = ? AND status = 'open'",
                   [report.at.timeIntervalSince1970, report.outcome?.rawValue, report.incidentId])
        guard tx.db.changesCount > 0, report.outcome == .falseReport else { return }
        let phones = try String.fetchAll(tx.db.cachedStatement(sql: "SELECT DISTINCT caller_phone FROM calls WHERE incident_id = ? AND caller_phone IS NOT NULL"),
                                         arguments: [report.incidentId])
        for phone in phones {
            try tx.run("INSERT INTO callers (phone, false_reports) VALUES (?, 1) ON CONFLICT(phone) DO UPDATE SET false_reports = false_reports + 1", [phone])
            try tx.run("UPDATE callers SET malicious_since = ? WHERE phone = ? AND malicious_since IS NULL AND false_reports >= ?",
                       [report.at.timeIntervalSince1970, phone, rules.merge.maliciousFalseReports])
        }
    }

    // MARK: Calls

    /// What intake decided about a call, as recorded in its row.
    struct Decision {
        var outcome: CallReceipt.Outcome
        var status: Int?
        var problem: FieldError?
        var incidentId: String?
        var classification: ClassificationRules.Result?
        var located: GridLocation?
        var coordinate: Coordinate?
        var mergeReason: String?
        var diversion: CallReceipt.Diversion?
        var flags: [String] = []

        var receipt: CallReceipt {
            var r = CallReceipt(callId: "", incidentId: incidentId, outcome: outcome, location: located, category: classification?.category)
            r.priority = classification?.priority
            r.categorySource = classification?.source
            r.enterpriseRelated = classification?.enterpriseRelated
            r.casualties = classification?.casualties
            r.mergeReason = mergeReason
            r.diversion = diversion
            r.flags = flags.isEmpty ? nil : flags
            return r
        }
    }

    private func takeCall(_ request: CallRequest, raw: [UInt8]?, _ tx: Transaction) throws -> Reply {
        if let ref = request.clientRef, let existing = try answer(clientRef: ref, tx.db) {
            return existing
        }
        let callId = Self.identifier("C", nextCall)
        let receivedAt = request.receivedAt ?? tx.now
        let json = String(decoding: try raw ?? Array(recordEncoder.encode(request)), as: UTF8.self)
        var decision = Decision(outcome: .rejected)
        if let problem = validate(request, receivedAt: receivedAt, now: tx.now) {
            decision.problem = problem
            decision.status = 422
        } else {
            let (located, coordinate) = locate(request)
            decision.located = located
            decision.coordinate = coordinate
            if located == nil { decision.flags.append("location-unresolved") }
            decision.classification = rules.classification.classify(request)
            try route(request, callId: callId, receivedAt: receivedAt, &decision, tx)
        }
        try insertCall(callId, request: request, receivedAt: receivedAt, json: json, decision, tx)
        if let problem = decision.problem { return .rejected(callId: callId, problem, status: 422) }
        var receipt = decision.receipt
        receipt.callId = callId
        return .accepted(receipt)
    }

    /// The first problem that makes a readable call unacceptable, or `nil`.
    func validate(_ request: CallRequest, receivedAt: Date, now: Date) -> FieldError? {
        if let problem = rules.channels.check(request) { return problem }
        if receivedAt.timeIntervalSince(now) > rules.maxFutureSkew {
            return FieldError(field: "receivedAt", reason: "\(EventTime.string(receivedAt)) is more than \(Int(rules.maxFutureSkew / 60)) minutes after intake's clock (\(EventTime.string(now)))", code: "impossible-time")
        }
        if now.timeIntervalSince(receivedAt) > rules.maxAge {
            return FieldError(field: "receivedAt", reason: "\(EventTime.string(receivedAt)) is more than \(Int(rules.maxAge / 3600)) hours before intake's clock (\(EventTime.string(now)))", code: "impossible-time")
        }
        if let casualties = request.casualties, casualties < 0 {
            return FieldError(field: "casualties", reason: "cannot be negative (\(casualties))", code: "invalid-value")
        }
        if let location = request.location {
            if (location.lat == nil) != (location.lon == nil) {
                return FieldError(field: location.lat == nil ? "location.lat" : "location.lon", reason: "lat and lon come together", code: "missing-field")
            }
            if let c = location.coordinate {
                guard c.isValid else {
                    return FieldError(field: "location", reason: "(\(c.lat), \(c.lon)) is not a WGS-84 position (lat -90…90, lon -180…180)", code: "invalid-coordinates")
                }
                if jurisdiction.locate(c) == nil {
                    return FieldError(field: "location", reason: "(\(c.lat), \(c.lon)) is outside the jurisdiction", code: "outside-jurisdiction")
                }
            }
        }
        return nil
    }

    /// Coordinates win; otherwise the standard address table; otherwise unresolved.
    func locate(_ request: CallRequest) -> (GridLocation?, Coordinate?) {
        if let c = request.location?.coordinate { return (jurisdiction.locate(c), c) }
        if let address = request.location?.address, let c = addresses[Self.normalise(address)] { return (jurisdiction.locate(c), c) }
        return (nil, nil)
    }

    static func normalise(_ address: String) -> String {
        address.filter { !$0.isWhitespace }
    }

    /// Divert, merge, leave for review, or open.
    private func route(_ request: CallRequest, callId: String, receivedAt: Date, _ d: inout Decision, _ tx: Transaction) throws {
        let phone = request.caller?.phone.flatMap { $0.isEmpty ? nil : $0 }
        var category = d.classification?.category
        if category == nil, rules.diversion.match(request.description) != nil {
            // No police rule matched, a diversion rule did: a non-police matter.
            category = .nonPolice
            d.classification?.category = .nonPolice
            d.classification?.priority = Self.priority(.nonPolice)
            d.classification?.source = "diversion:\(rules.diversion.match(request.description)!.id)"
        }
        let place = IncidentPlace(coordinate: d.coordinate, address: request.location?.address, grid: d.located)
        if let phone { d.flags += try ledgerFlags(phone: phone, receivedAt: receivedAt, tx) }

        if category == .nonPolice {
            let destination = rules.diversion.destination(request.description)
            d.outcome = .diverted
            d.diversion = destination
            try tx.emit(IncidentDiverted(
                callId: callId, channel: request.channel, ruleId: destination.ruleId, matter: destination.matter, department: destination.department,
                description: request.description, caller: request.caller, place: place, callTaker: request.callTaker, referral: request.referral,
                receivedAt: receivedAt, divertedAt: tx.now))
            return
        }
        let since = (receivedAt.addingTimeInterval(-rules.merge.window)).timeIntervalSince1970
        if let phone, let match = try sameCaller(phone: phone, coordinate: d.coordinate, since: since, tx) {
            try merge(into: match.incident, reason: "sameCaller", distance: match.distance, request, callId: callId, receivedAt: receivedAt, place: place, &d, tx)
            return
        }
        guard let category else {
            d.outcome = .review
            d.flags.append("needs-review")
            return
        }
        if let c = d.coordinate, let match = try samePlace(c, category: category, since: since, tx) {
            try merge(into: match.incident, reason: "samePlace", distance: match.distance, request, callId: callId, receivedAt: receivedAt, place: place, &d, tx)
            return
        }
        let id = Self.identifier("I", nextIncident)
        let c = d.classification!
        try tx.run("""
            INSERT INTO incidents (id, n, opened_at, call_id, category, priority, status, region_id, station_id, post_id, grid_id, lat, lon, address,
                                   enterprise_related, casualties, last_call_at, call_count)
            VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """, [id, nextIncident, receivedAt.timeIntervalSince1970, callId, category.rawValue, c.priority, d.located?.regionId, d.located?.stationId,
                  d.located?.postId, d.located?.gridId, d.coordinate?.lat, d.coordinate?.lon, request.location?.address,
                  c.enterpriseRelated, c.casualties, receivedAt.timeIntervalSince1970])
        nextIncident += 1
        var opened = IncidentOpened(
            incidentId: id, callId: callId, channel: request.channel, category: category, priority: c.priority ?? Self.priority(category),
            place: place, caller: request.caller, description: request.description, callTaker: request.callTaker,
            casualties: c.casualties, partiesConsent: request.partiesConsent ?? false,
            enterpriseId: request.enterpriseId, receivedAt: receivedAt)
        opened.enterpriseRelated = c.enterpriseRelated
        opened.categorySource = c.source
        opened.flags = d.flags.isEmpty ? nil : d.flags
        opened.referral = request.referral
        try tx.emit(opened)
        d.outcome = .opened
        d.incidentId = id
    }

    private func merge(into incident: String, reason: String, distance: Double?, _ request: CallRequest, callId: String, receivedAt: Date,
                       place: IncidentPlace, _ d: inout Decision, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET call_count = call_count + 1, last_call_at = MAX(last_call_at, ?), casualties = MAX(casualties, ?) WHERE id = ?",
                   [receivedAt.timeIntervalSince1970, d.classification?.casualties ?? 0, incident])
        let row = try Row.fetchOne(tx.db.cachedStatement(sql: "SELECT call_count, region_id, category FROM incidents WHERE id = ?"), arguments: [incident])!
        d.outcome = .merged
        d.incidentId = incident
        d.mergeReason = reason
        // The incident's category stands; the call's own reading is kept on the call's row.
        let incidentCategory = (row["category"] as String?).flatMap(Category.init(rawValue:))
        try tx.emit(IncidentMerged(
            incidentId: incident, callId: callId, channel: request.channel, reason: reason, distanceMeters: distance.map { ($0 * 10).rounded() / 10 },
            callCount: row["call_count"], category: incidentCategory, place: place, caller: request.caller, description: request.description,
            callTaker: request.callTaker, casualties: request.casualties, regionId: row["region_id"], receivedAt: receivedAt))
    }

    /// The caller's latest call into a still-open incident within the window, unless both calls
    /// have positions further apart than the caller radius.
    private func sameCaller(phone: String, coordinate: Coordinate?, since: Double, _ tx: Transaction) throws -> (incident: String, distance: Double?)? {
        let rows = try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT c.incident_id, c.lat, c.lon FROM calls c JOIN incidents i ON i.id = c.incident_id
            WHERE c.caller_phone = ? AND c.received_at >= ? AND i.status = 'open' ORDER BY c.received_at DESC LIMIT 20
            """), arguments: [phone, since])
        for row in rows {
            let lat: Double? = row["lat"], lon: Double? = row["lon"]
            guard let coordinate, let lat, let lon else { return (row["incident_id"], nil) }
            let distance = coordinate.distance(to: Coordinate(lat: lat, lon: lon))
            if distance <= rules.merge.callerRadiusMeters { return (row["incident_id"], distance) }
        }
        return nil
    }

    /// The nearest open incident of the same category within the place radius whose latest call
    /// is within the window.
    private func samePlace(_ c: Coordinate, category: Category, since: Double, _ tx: Transaction) throws -> (incident: String, distance: Double)? {
        let r = rules.merge.placeRadiusMeters
        let dLat = r / 111_320
        let dLon = r / (111_320 * max(0.01, cos(c.lat * .pi / 180)))
        let rows = try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT id, lat, lon FROM incidents
            WHERE status = 'open' AND category = ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND last_call_at >= ?
            """), arguments: [category.rawValue, c.lat - dLat, c.lat + dLat, c.lon - dLon, c.lon + dLon, since])
        var best: (String, Double)?
        for row in rows {
            let d = c.distance(to: Coordinate(lat: row["lat"], lon: row["lon"]))
            if d <= r, d < (best?.1 ?? .infinity) { best = (row["id"], d) }
        }
        return best
    }

    /// Updates the repeat-caller ledger for this call and returns the caller's flags.
    private func ledgerFlags(phone: String, receivedAt: Date, _ tx: Transaction) throws -> [String] {
        let recent = try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM calls WHERE caller_phone = ? AND received_at > ?",
                                     [phone, receivedAt.timeIntervalSince1970 - rules.merge.ledgerWindow]) ?? 0
        if recent + 1 >= rules.merge.repeatCallerCalls {
            try tx.run("INSERT INTO callers (phone, repeat_since) VALUES (?, ?) ON CONFLICT(phone) DO UPDATE SET repeat_since = COALESCE(repeat_since, excluded.repeat_since)",
                       [phone, receivedAt.timeIntervalSince1970])
        }
        guard let row = try Row.fetchOne(tx.db.cachedStatement(sql: "SELECT repeat_since, malicious_since FROM callers WHERE phone = ?"), arguments: [phone]) else { return [] }
        var flags: [String] = []
        if (row["repeat_since"] as Double?) != nil { flags.append("repeat-caller") }
        if (row["malicious_since"] as Double?) != nil { flags.append("malicious-caller") }
        return flags
    }

    private func insertCall(_ callId: String, request: CallRequest, receivedAt: Date, json: String, _ d: Decision, _ tx: Transaction) throws {
        let c = d.classification
        try tx.run("""
            INSERT INTO calls (id, n, received_at, channel, outcome, status, reason_code, reason_field, reason, incident_id, category, category_source,
                               priority, enterprise_related, casualties, merge_reason, diversion_rule, diversion_matter, diversion_department, flags,
                               grid_id, station_id, post_id, region_id, lat, lon, address, caller_name, caller_phone, call_taker, client_ref,
                               description, request)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                callId, nextCall, receivedAt.timeIntervalSince1970, request.channel.rawValue, d.outcome.rawValue, d.status,
                d.problem?.code, d.problem?.field, d.problem?.reason, d.incidentId, c?.category?.rawValue, c?.source,
                c?.priority, c?.enterpriseRelated, c?.casualties, d.mergeReason, d.diversion?.ruleId, d.diversion?.matter, d.diversion?.department,
                d.flags.isEmpty ? nil : d.flags.joined(separator: ","),
                d.located?.gridId, d.located?.stationId, d.located?.postId, d.located?.regionId, d.coordinate?.lat ?? request.location?.lat,
                d.coordinate?.lon ?? request.location?.lon, request.location?.address, request.caller?.name, request.caller?.phone,
                request.callTaker, request.clientRef, request.description, json,
            ])
        nextCall += 1
    }

    private func recordUnreadable(_ problem: FieldError, status: Int, hints: CallParser.Hints, raw: [UInt8]?, _ tx: Transaction) throws -> Reply {
        if let ref = hints.clientRef, let existing = try answer(clientRef: ref, tx.db) { return existing }
        let callId = Self.identifier("C", nextCall)
        let evidence = raw.map { String(decoding: $0.prefix(CallParser.evidenceBytes), as: UTF8.self) } ?? ""
        try tx.run("""
            INSERT INTO calls (id, n, received_at, channel, outcome, status, reason_code, reason_field, reason, caller_phone, call_taker, client_ref, request)
            VALUES (?, ?, ?, ?, 'rejected', ?, ?, ?, ?, ?, ?, ?, ?)
            """, [callId, nextCall, tx.now.timeIntervalSince1970, hints.channel, status, problem.code, problem.field, problem.reason,
                  hints.callerPhone, hints.callTaker, hints.clientRef, evidence])
        nextCall += 1
        return .rejected(callId: callId, problem, status: status)
    }

    private func classify(callId: String, category: Category, callTaker: String?, _ tx: Transaction) throws -> Reply {
        guard let row = try Row.fetchOne(tx.db.cachedStatement(sql: "SELECT outcome, request, received_at, call_taker FROM calls WHERE id = ?"), arguments: [callId]) else {
            return .refused(status: 404, FieldError(field: "callId", reason: "no call \(callId)", code: "not-found"))
        }
        guard row["outcome"] as String == CallReceipt.Outcome.review.rawValue else {
            return .refused(status: 409, FieldError(field: "callId", reason: "call \(callId) is \(row["outcome"] as String), not waiting for review", code: "not-in-review"))
        }
        var request = try recordDecoder.decode(CallRequest.self, from: Data((row["request"] as String).utf8))
        request.categoryHint = category
        if let callTaker { request.callTaker = callTaker }
        let receivedAt = Date(timeIntervalSince1970: row["received_at"])
        var d = Decision(outcome: .rejected)
        (d.located, d.coordinate) = locate(request)
        if d.located == nil { d.flags.append("location-unresolved") }
        d.classification = rules.classification.classify(request)
        try route(request, callId: callId, receivedAt: receivedAt, &d, tx)
        d.flags.removeAll { $0 == "needs-review" }
        let c = d.classification
        try tx.run("""
            UPDATE calls SET outcome = ?, incident_id = ?, category = ?, category_source = ?, priority = ?, enterprise_related = ?, casualties = ?,
                             merge_reason = ?, diversion_rule = ?, diversion_matter = ?, diversion_department = ?, flags = ?, call_taker = ?
            WHERE id = ?
            """, [d.outcome.rawValue, d.incidentId, c?.category?.rawValue, c?.source, c?.priority, c?.enterpriseRelated, c?.casualties,
                  d.mergeReason, d.diversion?.ruleId, d.diversion?.matter, d.diversion?.department,
                  d.flags.isEmpty ? nil : d.flags.joined(separator: ","), request.callTaker, callId])
        var receipt = d.receipt
        receipt.callId = callId
        return .accepted(receipt)
    }

    /// The first answer to a `clientRef`, rebuilt from its record.
    private func answer(clientRef: String, _ db: Database) throws -> Reply? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM calls WHERE client_ref = ?"), arguments: [clientRef]) else { return nil }
        let record = CallRecord(row: row, jurisdiction: jurisdiction)
        if record.outcome == CallReceipt.Outcome.rejected.rawValue {
            return .rejected(callId: record.callId, FieldError(field: record.reasonField ?? "", reason: record.reason ?? "", code: record.reasonCode ?? "invalid-value"),
                             status: record.status ?? 422)
        }
        return .duplicate(record.receipt)
    }

    /// `C00000042`: a prefix and 8 digits.
    static func identifier(_ prefix: String, _ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// 1 is most urgent.
    public static func priority(_ category: Category) -> Int {
        switch category {
        case .criminal, .accidentCasualty: 1
        case .publicOrder, .accidentMinor: 2
        case .dispute, .helpRequest: 3
        case .nonPolice: 4
        }
    }
}
