import EventStore
import Foundation
import GRDB
import Model
import Wire

/// One enterprise, one officer (一企一警): the enterprise registry, enterprise alerts,
/// zero-disturbance coordination, enterprise cases and the liaison work log (docs/liaison.md).
///
/// Everything runs on the engine's thread inside its transactions; every time is event time
/// (`tx.now`, or the time carried by an inbound event), never the wall clock.
public final class LiaisonCore: ServiceCore {
    public enum Command: Sendable {
        /// Registers or replaces an enterprise; `createOnly` refuses an id already registered.
        case putEnterprise(Enterprise, createOnly: Bool)
        case retireEnterprise(id: String)
        case putCase(CaseInput)
        case logWork(WorkInput)
        case enterprises
        case profile(enterpriseId: String)
        case portfolio(officerId: String)
        case incident(id: String)
        case caseTotals(CaseTotalsQuery)
        case cases(enterpriseId: String?, officerId: String?)
        case overdue(periodDays: Double?)
    }

    public enum Reply: Sendable {
        case enterprise(EnterpriseWrite)
        case enterpriseCase(CaseWrite)
        case work(WorkWrite)
        case enterprises([EnterpriseSummary])
        case profile(EnterpriseProfile)
        case portfolio(OfficerPortfolio)
        case incident([LiaisonIncident])
        case caseTotals(CaseTotalsReport)
        case cases([EnterpriseCase])
        case overdue(OverdueReport)
    }

    /// The city file's registry, written into the store on the first start only.
    let seed: [Enterprise]
    let validator: EnterpriseValidator
    let settings: LiaisonSettings

    private(set) var records: [String: EnterpriseRecord] = [:]
    private var index = RegistryIndex([])
    private var seeded = false
    /// A command or event failed after changing the caches: reload them from the store first.
    private var stale = false
    private var lastPrune: Date?

    /// How long liaison remembers the incidents it saw (to tell late dispatch events from early ones).
    static let seenRetention: TimeInterval = 30 * 86_400

    public init(seed: [Enterprise], jurisdiction: Jurisdiction? = nil, settings: LiaisonSettings = LiaisonSettings()) {
        self.seed = seed
        self.validator = EnterpriseValidator(jurisdiction: jurisdiction)
        self.settings = settings
    }

    // MARK: Schema and caches

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("liaison-v1") { db in
            try db.execute(sql: """
                CREATE TABLE alerts (
                    alert_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, incident_id TEXT NOT NULL, transition TEXT NOT NULL,
                    matched_by TEXT NOT NULL, severity TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX alerts_enterprise ON alerts(enterprise_id);
                """)
        }
        migrator.registerMigration("liaison-v2") { db in
            try db.execute(sql: """
                ALTER TABLE alerts ADD COLUMN summary TEXT;
                ALTER TABLE alerts ADD COLUMN zero_disturbance INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX alerts_incident ON alerts(incident_id);
                CREATE TABLE liaison_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE enterprises (
                    id TEXT PRIMARY KEY, body TEXT NOT NULL, revision INTEGER NOT NULL, retired INTEGER NOT NULL,
                    registered_at REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE TABLE seen_incidents (incident_id TEXT PRIMARY KEY, at REAL NOT NULL);
                CREATE INDEX seen_incidents_at ON seen_incidents(at);
                CREATE TABLE pending_dispatch (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, type TEXT NOT NULL, payload BLOB NOT NULL, at REAL NOT NULL);
                CREATE INDEX pending_dispatch_incident ON pending_dispatch(incident_id);
                CREATE TABLE incidents (
                    incident_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, matched_by TEXT NOT NULL, reasons TEXT NOT NULL,
                    category TEXT NOT NULL, severity TEXT NOT NULL, zero_disturbance INTEGER NOT NULL, grid_id TEXT,
                    status TEXT NOT NULL, opened_at REAL NOT NULL, arrived_at REAL, closed_at REAL, outcome TEXT,
                    PRIMARY KEY (incident_id, enterprise_id));
                CREATE INDEX incidents_enterprise ON incidents(enterprise_id, status);
                CREATE TABLE dispatches (
                    incident_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, unit_id TEXT NOT NULL, call_sign TEXT NOT NULL,
                    at REAL NOT NULL, coordination_alert_id TEXT, PRIMARY KEY (incident_id, enterprise_id, unit_id));
                CREATE TABLE officer_alerts (
                    alert_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, kind TEXT NOT NULL, enterprise_id TEXT NOT NULL,
                    incident_id TEXT NOT NULL, transition TEXT NOT NULL, matched_by TEXT NOT NULL, severity TEXT NOT NULL,
                    zero_disturbance INTEGER NOT NULL, summary TEXT, at REAL NOT NULL);
                CREATE INDEX officer_alerts_officer ON officer_alerts(officer_id, at);
                CREATE INDEX officer_alerts_enterprise ON officer_alerts(enterprise_id);
                CREATE TABLE cases (
                    case_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, officer_id TEXT NOT NULL, incident_id TEXT, title TEXT NOT NULL,
                    status TEXT NOT NULL, suspects_caught INTEGER NOT NULL, losses_recovered_fen INTEGER NOT NULL,
                    opened_at REAL NOT NULL, solved_at REAL, updated_at REAL NOT NULL);
                CREATE INDEX cases_enterprise ON cases(enterprise_id);
                CREATE INDEX cases_officer ON cases(officer_id);
                CREATE TABLE case_ledger (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, enterprise_id TEXT NOT NULL, officer_id TEXT NOT NULL,
                    at REAL NOT NULL, opened INTEGER NOT NULL, solved INTEGER NOT NULL, suspects INTEGER NOT NULL, recovered_fen INTEGER NOT NULL);
                CREATE INDEX case_ledger_at ON case_ledger(at);
                CREATE TABLE worklog (
                    entry_id TEXT PRIMARY KEY, enterprise_id TEXT NOT NULL, kind TEXT NOT NULL, officer_ids TEXT NOT NULL,
                    at REAL NOT NULL, note TEXT, recorded_at REAL NOT NULL);
                CREATE INDEX worklog_enterprise ON worklog(enterprise_id, kind, at);
                """)
        }
    }

    public func load(_ db: Database) throws {
        let decoder = JSONCodec.decoder()
        var loaded: [String: EnterpriseRecord] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, body, revision, retired, registered_at, updated_at FROM enterprises") {
            let body: String = row["body"]
            let enterprise = try decoder.decode(Enterprise.self, from: Data(body.utf8))
            loaded[enterprise.id] = EnterpriseRecord(enterprise: enterprise, revision: row["revision"], retired: row["retired"],
                                                     registeredAt: Date(timeIntervalSince1970: row["registered_at"]),
                                                     updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
        records = loaded
        index = RegistryIndex(loaded.values.filter { !$0.retired }.map(\.enterprise))
        seeded = try String.fetchOne(db, sql: "SELECT value FROM liaison_meta WHERE key = 'seeded'") != nil
        stale = false
    }

    /// Runs `body` with fresh caches; marks them stale if it throws (its savepoint is rolled back).
    private func guarded<R>(_ tx: Transaction, _ body: () throws -> R) throws -> R {
        if stale { try load(tx.db) }
        do {
            try ensureSeeded(tx)
            return try body()
        } catch {
            stale = true
            throw error
        }
    }

    /// The first transaction of a new store writes the city's registry (one event per enterprise).
    private func ensureSeeded(_ tx: Transaction) throws {
        guard !seeded else { return }
        for enterprise in seed where records[enterprise.id] == nil {
            _ = try write(enterprise, origin: "seed", tx: tx)
        }
        try tx.run("INSERT OR REPLACE INTO liaison_meta (key, value) VALUES ('seeded', ?)", [EventTime.string(tx.now)])
        seeded = true
    }

    /// The registry as it stands (active and retired).
    public var registry: [EnterpriseRecord] { records.values.sorted { $0.enterprise.id < $1.enterprise.id } }

    /// The enterprises an incident touches, and why.
    public func matches(place: IncidentPlace, namedEnterprise: String?) -> [Match] {
        index.matches(place: place, namedEnterprise: namedEnterprise)
    }

    // MARK: Commands

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        try guarded(tx) {
            switch command {
            case .putEnterprise(let enterprise, let createOnly):
                return .enterprise(try putEnterprise(enterprise, createOnly: createOnly, tx: tx))
            case .retireEnterprise(let id):
                return .enterprise(try retire(id, tx: tx))
            case .putCase(let input):
                return .enterpriseCase(try putCase(input, tx: tx))
            case .logWork(let input):
                return .work(try logWork(input, tx: tx))
            case .enterprises:
                return .enterprises(registry.map(Self.summary))
            case .profile(let id):
                return .profile(try profile(id, tx: tx))
            case .portfolio(let officerId):
                return .portfolio(try portfolio(officerId, tx: tx))
            case .incident(let id):
                let found = try incidents(tx.db, "incident_id = ?", [id])
                guard !found.isEmpty else { throw LiaisonError.notFound("id", "incident '\(id)' is not enterprise-related, or liaison has not seen it") }
                return .incident(found)
            case .caseTotals(let query):
                return .caseTotals(try caseTotals(query, tx: tx))
            case .cases(let enterpriseId, let officerId):
                return .cases(try cases(tx.db, "(? IS NULL OR enterprise_id = ?) AND (? IS NULL OR officer_id = ?)", [enterpriseId, enterpriseId, officerId, officerId]))
            case .overdue(let periodDays):
                return .overdue(try overdue(periodDays: periodDays ?? settings.workPeriodDays, tx: tx))
            }
        }
    }

    static func summary(_ r: EnterpriseRecord) -> EnterpriseSummary {
        let e = r.enterprise
        return EnterpriseSummary(id: e.id, name: e.name, gridId: e.gridId, scale: e.scale, liaisonOfficerId: e.liaisonOfficerId,
                                 deputyOfficerId: e.deputyOfficerId, stationedOfficerId: e.stationedOfficerId, majorProject: e.majorProject,
                                 zeroDisturbance: e.zeroDisturbance, revision: r.revision, retired: r.retired)
    }

    // MARK: Registry writes

    private func putEnterprise(_ enterprise: Enterprise, createOnly: Bool, tx: Transaction) throws -> EnterpriseWrite {
        let problems = validator.problems(enterprise)
        guard problems.isEmpty else { throw LiaisonError.invalid(problems) }
        if createOnly, let existing = records[enterprise.id], !existing.retired {
            throw LiaisonError.conflict("id", "enterprise '\(enterprise.id)' is already registered; PUT /v1/enterprises/\(enterprise.id) replaces it")
        }
        return try write(enterprise, origin: "api", tx: tx)
    }

    /// Stores an enterprise and emits `liaison.enterprise.<registered|updated>.<id>`; a write that
    /// changes nothing emits nothing.
    private func write(_ enterprise: Enterprise, origin: String, tx: Transaction) throws -> EnterpriseWrite {
        let body = String(decoding: try JSONCodec.encoder().encode(enterprise), as: UTF8.self)
        let record: EnterpriseRecord
        let change: EnterpriseChanged.Change
        if let existing = records[enterprise.id] {
            if existing.enterprise == enterprise && !existing.retired { return EnterpriseWrite(record: existing, created: false, changed: false) }
            record = EnterpriseRecord(enterprise: enterprise, revision: existing.revision + 1, retired: false, registeredAt: existing.registeredAt, updatedAt: tx.now)
            change = existing.retired ? .registered : .updated
            try tx.run("UPDATE enterprises SET body = ?, revision = ?, retired = 0, updated_at = ? WHERE id = ?",
                       [body, record.revision, tx.now.timeIntervalSince1970, enterprise.id])
        } else {
            record = EnterpriseRecord(enterprise: enterprise, revision: 1, retired: false, registeredAt: tx.now, updatedAt: tx.now)
            change = .registered
            try tx.run("INSERT INTO enterprises (id, body, revision, retired, registered_at, updated_at) VALUES (?, ?, 1, 0, ?, ?)",
                       [enterprise.id, body, tx.now.timeIntervalSince1970, tx.now.timeIntervalSince1970])
        }
        try tx.emit(EnterpriseChanged(change: change, enterprise: enterprise, revision: record.revision, origin: origin, at: tx.now))
        records[enterprise.id] = record
        index = RegistryIndex(records.values.filter { !$0.retired }.map(\.enterprise))
        return EnterpriseWrite(record: record, created: change == .registered, changed: true)
    }

    /// Retires an enterprise: no new incident matches it; its history stays readable.
    private func retire(_ id: String, tx: Transaction) throws -> EnterpriseWrite {
        guard let existing = records[id] else { throw LiaisonError.notFound("id", "no enterprise '\(id)'") }
        if existing.retired { return EnterpriseWrite(record: existing, created: false, changed: false) }
        var record = existing
        record.retired = true
        record.revision += 1
        record.updatedAt = tx.now
        try tx.run("UPDATE enterprises SET retired = 1, revision = ?, updated_at = ? WHERE id = ?", [record.revision, tx.now.timeIntervalSince1970, id])
        try tx.emit(EnterpriseChanged(change: .retired, enterprise: existing.enterprise, revision: record.revision, origin: "api", at: tx.now))
        records[id] = record
        index = RegistryIndex(records.values.filter { !$0.retired }.map(\.enterprise))
        return EnterpriseWrite(record: record, created: false, changed: true)
    }

    // MARK: Events: matching, alerts, coordination

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case IncidentOpened.type:
            let opened = try tx.decode(IncidentOpened.self, from: event)
            try guarded(tx) { try incidentOpened(opened, tx: tx) }
        case UnitAssigned.type:
            let assigned = try tx.decode(UnitAssigned.self, from: event)
            try guarded(tx) { try dispatchEvent(incidentId: assigned.incidentId, type: UnitAssigned.type, payload: event.payload, at: assigned.assignedAt, tx: tx) }
        case FieldReported.type:
            let field = try tx.decode(FieldReported.self, from: event)
            guard field.stage == .arrived || (field.stage == .closed && field.incidentClosed != false) else { return }
            try guarded(tx) { try dispatchEvent(incidentId: field.incidentId, type: FieldReported.type, payload: event.payload, at: field.at, tx: tx) }
        default:
            return
        }
    }

    private func incidentOpened(_ opened: IncidentOpened, tx: Transaction) throws {
        try tx.run("INSERT OR IGNORE INTO seen_incidents (incident_id, at) VALUES (?, ?)", [opened.incidentId, opened.receivedAt.timeIntervalSince1970])
        for match in index.matches(place: opened.place, namedEnterprise: opened.enterpriseId) {
            let e = match.enterprise
            let severity = AlertText.severity(opened.category, casualties: opened.casualties)
            let reasons = match.reasons.map(\.rawValue)
            try tx.run("""
                INSERT OR IGNORE INTO incidents (incident_id, enterprise_id, matched_by, reasons, category, severity, zero_disturbance, grid_id, status, opened_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
                """, [opened.incidentId, e.id, match.matchedBy.rawValue, reasons.joined(separator: ","), opened.category.rawValue, severity.rawValue,
                      e.zeroDisturbance, opened.place.grid?.gridId, opened.receivedAt.timeIntervalSince1970])
            guard tx.db.changesCount > 0 else { continue }
            let incident = IncidentState(incidentId: opened.incidentId, enterpriseId: e.id, matchedBy: match.matchedBy.rawValue, reasons: reasons,
                                         category: opened.category, severity: severity, zeroDisturbance: e.zeroDisturbance, gridId: opened.place.grid?.gridId,
                                         openedAt: opened.receivedAt)
            try alert(incident, transition: "opened", status: "open", outcome: nil, at: opened.receivedAt, tx: tx,
                      officerDetail: (opened.description, opened.place.address, opened.place.coordinate, opened.place.grid?.stationId))
        }
        // Dispatch events that came before the incident (the two sources are not ordered).
        let pending = try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT type, payload FROM pending_dispatch WHERE incident_id = ? ORDER BY id"), arguments: [opened.incidentId])
        guard !pending.isEmpty else { return }
        try tx.run("DELETE FROM pending_dispatch WHERE incident_id = ?", [opened.incidentId])
        for row in pending {
            let data: Data = row["payload"]
            try handleDispatch(type: row["type"], payload: data, tx: tx)
        }
    }

    private func dispatchEvent(incidentId: String, type: String, payload: [UInt8], at: Date, tx: Transaction) throws {
        if try tx.fetchOne(Int.self, "SELECT 1 FROM seen_incidents WHERE incident_id = ?", [incidentId]) == nil {
            try tx.run("INSERT INTO pending_dispatch (incident_id, type, payload, at) VALUES (?, ?, ?, ?)", [incidentId, type, Data(payload), at.timeIntervalSince1970])
            return
        }
        try handleDispatch(type: type, payload: Data(payload), tx: tx)
    }

    private func handleDispatch(type: String, payload: Data, tx: Transaction) throws {
        if type == UnitAssigned.type {
            let assigned = try tx.decoder.decode(UnitAssigned.self, from: payload)
            for incident in try states(assigned.incidentId, tx: tx) where incident.closedAt == nil {
                try unitAssigned(assigned, incident: incident, tx: tx)
            }
        } else {
            let field = try tx.decoder.decode(FieldReported.self, from: payload)
            for incident in try states(field.incidentId, tx: tx) where incident.closedAt == nil {
                switch field.stage {
                case .arrived where incident.arrivedAt == nil:
                    try tx.run("UPDATE incidents SET arrived_at = ?, status = 'onScene' WHERE incident_id = ? AND enterprise_id = ?",
                               [field.at.timeIntervalSince1970, incident.incidentId, incident.enterpriseId])
                    try alert(incident, transition: "arrived", status: "onScene", outcome: nil, at: field.at, tx: tx, officerDetail: nil)
                case .closed:
                    try tx.run("UPDATE incidents SET closed_at = ?, status = 'closed', outcome = ? WHERE incident_id = ? AND enterprise_id = ?",
                               [field.at.timeIntervalSince1970, field.outcome?.rawValue, incident.incidentId, incident.enterpriseId])
                    try alert(incident, transition: "closed", status: "closed", outcome: field.outcome, at: field.at, tx: tx, officerDetail: nil)
                default:
                    continue
                }
            }
        }
    }

    /// Every dispatch is recorded; a dispatch into a zero-disturbance site alerts the liaison
    /// officer at dispatch time (`alert.officer.<id>`, kind `coordination`).
    private func unitAssigned(_ a: UnitAssigned, incident: IncidentState, tx: Transaction) throws {
        let alertId = incident.zeroDisturbance ? "\(incident.incidentId):\(incident.enterpriseId):coordination:\(a.unitId)" : nil
        try tx.run("INSERT OR IGNORE INTO dispatches (incident_id, enterprise_id, unit_id, call_sign, at, coordination_alert_id) VALUES (?, ?, ?, ?, ?, ?)",
                   [incident.incidentId, incident.enterpriseId, a.unitId, a.callSign, a.assignedAt.timeIntervalSince1970, alertId])
        guard tx.db.changesCount > 0, let alertId, let e = records[incident.enterpriseId]?.enterprise else { return }
        let summary = AlertText.summary(enterprise: e, category: incident.category, transition: "dispatched", outcome: nil) + "：\(a.callSign)"
        let officerAlert = OfficerAlert(
            alertId: alertId, officerId: e.liaisonOfficerId, kind: .coordination, enterpriseId: e.id, enterpriseName: e.name, incidentId: incident.incidentId,
            transition: "dispatched", severity: incident.severity, category: incident.category, matchedBy: incident.matchedBy, zeroDisturbance: true,
            coordinationRequired: true, summary: summary, gridId: incident.gridId, stationId: a.stationId, unitId: a.unitId, callSign: a.callSign,
            etaSeconds: a.etaSeconds, deputyOfficerId: e.deputyOfficerId, stationedOfficerId: e.stationedOfficerId, contacts: e.contacts, at: a.assignedAt)
        try recordOfficerAlert(officerAlert, tx: tx)
    }

    /// One enterprise alert and one officer alert per incident, enterprise and transition; the
    /// alert id is the key, so a second report of the same transition alerts nobody.
    private func alert(_ incident: IncidentState, transition: String, status: String, outcome: Outcome?, at: Date, tx: Transaction,
                       officerDetail: (description: String?, address: String?, coordinate: Coordinate?, stationId: String?)?) throws {
        guard let e = records[incident.enterpriseId]?.enterprise else { return }
        let alertId = "\(incident.incidentId):\(e.id):\(transition)"
        let summary = AlertText.summary(enterprise: e, category: incident.category, transition: transition, outcome: outcome)
        try tx.run("""
            INSERT OR IGNORE INTO alerts (alert_id, enterprise_id, incident_id, transition, matched_by, severity, at, summary, zero_disturbance)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [alertId, e.id, incident.incidentId, transition, incident.matchedBy, incident.severity.rawValue, at.timeIntervalSince1970, summary, incident.zeroDisturbance])
        guard tx.db.changesCount > 0 else { return }
        try tx.emit(EnterpriseAlert(
            alertId: alertId, enterpriseId: e.id, enterpriseName: e.name, incidentId: incident.incidentId, transition: transition,
            severity: incident.severity, category: incident.category, matchedBy: incident.matchedBy, liaisonOfficerId: e.liaisonOfficerId,
            zeroDisturbance: incident.zeroDisturbance, gridId: incident.gridId, at: at, summary: summary, status: status, outcome: outcome,
            reasons: incident.reasons, coordinationRequired: incident.zeroDisturbance, openedAt: incident.openedAt,
            references: try earlierAlerts(incidentId: incident.incidentId, enterpriseId: e.id, excluding: alertId, tx: tx),
            area: Self.area(of: e)))
        try recordOfficerAlert(OfficerAlert(
            alertId: "\(alertId):officer", officerId: e.liaisonOfficerId, kind: .incident, enterpriseId: e.id, enterpriseName: e.name,
            incidentId: incident.incidentId, transition: transition, severity: incident.severity, category: incident.category,
            matchedBy: incident.matchedBy, zeroDisturbance: incident.zeroDisturbance, coordinationRequired: incident.zeroDisturbance,
            summary: summary, description: officerDetail?.description, address: officerDetail?.address, coordinate: officerDetail?.coordinate,
            gridId: incident.gridId, stationId: officerDetail?.stationId, outcome: outcome, deputyOfficerId: e.deputyOfficerId,
            stationedOfficerId: e.stationedOfficerId, contacts: e.contacts, at: at), tx: tx)
    }

    /// The enterprise alerts already sent for this incident and enterprise, oldest first (ties in
    /// the order they were written): read from the `alerts` table inside the same transaction, so
    /// a replay produces the same list.
    private func earlierAlerts(incidentId: String, enterpriseId: String, excluding alertId: String, tx: Transaction) throws -> [AlertReference] {
        try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT alert_id, at FROM alerts WHERE incident_id = ? AND enterprise_id = ? AND alert_id != ? ORDER BY at, rowid
            """), arguments: [incidentId, enterpriseId, alertId]).map {
            AlertReference(alertId: $0["alert_id"], sent: Date(timeIntervalSince1970: $0["at"]))
        }
    }

    /// Radius of the circle round an enterprise's registered point in its alerts' `area`.
    static let areaRadiusKm = 0.5

    /// The enterprise's own registered site: its geofence (outer ring, closed) and a circle round
    /// its registered point. Never the caller's position.
    static func area(of e: Enterprise) -> AlertArea {
        var ring = e.geofence.outerRing
        if let first = ring.first, ring.last != first { ring.append(first) }
        return AlertArea(description: "\(e.name)（网格 \(e.gridId)）", polygon: ring.count >= 4 ? ring : nil,
                         center: e.location, radiusKm: areaRadiusKm)
    }

    private func recordOfficerAlert(_ a: OfficerAlert, tx: Transaction) throws {
        try tx.run("""
            INSERT OR IGNORE INTO officer_alerts (alert_id, officer_id, kind, enterprise_id, incident_id, transition, matched_by, severity, zero_disturbance, summary, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [a.alertId, a.officerId, a.kind.rawValue, a.enterpriseId, a.incidentId, a.transition, a.matchedBy, a.severity.rawValue,
                  a.zeroDisturbance, a.summary, a.at.timeIntervalSince1970])
        guard tx.db.changesCount > 0 else { return }
        try tx.emit(a)
    }

    struct IncidentState {
        var incidentId: String
        var enterpriseId: String
        var matchedBy: String
        var reasons: [String]
        var category: Category
        var severity: EnterpriseAlert.Severity
        var zeroDisturbance: Bool
        var gridId: String?
        var openedAt: Date
        var arrivedAt: Date?
        var closedAt: Date?
    }

    private func states(_ incidentId: String, tx: Transaction) throws -> [IncidentState] {
        try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT * FROM incidents WHERE incident_id = ? ORDER BY enterprise_id"), arguments: [incidentId]).map { row in
            IncidentState(incidentId: row["incident_id"], enterpriseId: row["enterprise_id"], matchedBy: row["matched_by"],
                          reasons: (row["reasons"] as String).split(separator: ",").map(String.init),
                          category: Category(rawValue: row["category"]) ?? .helpRequest,
                          severity: EnterpriseAlert.Severity(rawValue: row["severity"]) ?? .minor, zeroDisturbance: row["zero_disturbance"],
                          gridId: row["grid_id"], openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                          arrivedAt: (row["arrived_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                          closedAt: (row["closed_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
        }
    }

    // MARK: Timers

    public func tick(in tx: Transaction) throws {
        try guarded(tx) {
            // Forget incidents (and dispatch events parked for them) long past, once an hour of event time.
            if let last = lastPrune, tx.now.timeIntervalSince(last) < 3_600 { return }
            lastPrune = tx.now
            let horizon = tx.now.timeIntervalSince1970 - Self.seenRetention
            try tx.run("DELETE FROM seen_incidents WHERE at < ?", [horizon])
            try tx.run("DELETE FROM pending_dispatch WHERE at < ?", [horizon])
        }
    }
}
