import DequeModule
import EventStore
import Foundation
import GRDB
import Model
import Wire

/// A field unit's report on its incident, as sent by a terminal (or the load generator).
public struct FieldCommand: Codable, Sendable, Hashable {
    public var incidentId: String
    public var unitId: String
    public var stage: FieldStage
    public var outcome: Outcome?
    public var note: String?
    /// For `handover`: to whom (`toUnitId`, or `toStationId` which sends one of its free units).
    public var handover: Handover?
    /// For `requestSupport`: what to send (default: one patrol unit).
    public var support: SupportRequest?
    /// Where the unit is now (any stage may carry it).
    public var position: Coordinate?

    public init(incidentId: String, unitId: String, stage: FieldStage, outcome: Outcome? = nil, note: String? = nil,
                handover: Handover? = nil, support: SupportRequest? = nil, position: Coordinate? = nil) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.stage = stage
        self.outcome = outcome
        self.note = note
        self.handover = handover
        self.support = support
        self.position = position
    }
}

/// A unit's report about itself: its position, and going off or on duty.
public struct UnitReport: Codable, Sendable, Hashable {
    public enum Duty: String, Codable, Sendable { case onDuty, offDuty }
    public var unitId: String
    public var position: Coordinate?
    public var duty: Duty?

    public init(unitId: String, position: Coordinate? = nil, duty: Duty? = nil) {
        self.unitId = unitId
        self.position = position
        self.duty = duty
    }
}

/// Why a command was refused.
public struct FieldCommandError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var field: String
    public var reason: String
    public init(index: Int, field: String, reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }
    public var description: String { "commands[\(index)].\(field): \(reason)" }
}

/// Where the core reports what the metrics need (the App wires it to swift-metrics).
public struct DispatchObserver: Sendable {
    /// A unit was chosen: the rule, the wall-clock seconds the decision took, and the event-time
    /// seconds the incident waited since it was received.
    public var decided: @Sendable (_ rule: String, _ decisionSeconds: Double, _ waitedSeconds: Double) -> Void
    public var queueLength: @Sendable (_ length: Int) -> Void
    public var warned: @Sendable (_ timer: SLATimer) -> Void
    public var breached: @Sendable (_ timer: SLATimer) -> Void
    /// A tick ran at this event time (its work commits with the batch it ran in).
    public var ticked: @Sendable (_ now: Date) -> Void

    public init(decided: @escaping @Sendable (String, Double, Double) -> Void = { _, _, _ in },
                queueLength: @escaping @Sendable (Int) -> Void = { _ in },
                warned: @escaping @Sendable (SLATimer) -> Void = { _ in },
                breached: @escaping @Sendable (SLATimer) -> Void = { _ in },
                ticked: @escaping @Sendable (Date) -> Void = { _ in }) {
        self.decided = decided
        self.queueLength = queueLength
        self.warned = warned
        self.breached = breached
        self.ticked = ticked
    }
}

/// dispatch's rules (docs/dispatch.md): turns an opened incident into units on the road by the
/// rules of station-centred dispatch, keeps every unit's state, runs the service-level timers on
/// event time (`tx.now`), queues what cannot be sent and serves the queue as units come free.
public final class DispatchCore: ServiceCore {
    public enum Command: Sendable {
        case field([FieldCommand])
        case units([UnitReport])
    }

    public enum Reply: Sendable {
        case field(accepted: Int, refused: [FieldCommandError])
        case units(accepted: Int, refused: [FieldCommandError])
    }

    struct UnitRecord {
        var unit: FieldUnit
        var state: UnitState
        var incidentId: String?
        var position: Coordinate
        /// `shift` or `signedOut` when off duty.
        var offReason: String?
        let regionId: String?
    }

    struct Active {
        var need: Need
        var signedOff: Bool
    }

    struct Incident {
        var id: String
        var facts: IncidentFacts
        var priority: Int
        var channel: Channel?
        var coordinate: Coordinate?
        var openedAt: Date
        var commandStationId: String?
        var active: [String: Active] = [:]
        /// Every unit ever sent (none is sent twice to one incident).
        var tried: Set<String> = []
        var caseReferred = false
        var grid: GridLocation? { facts.grid }
        var regionKey: String { facts.grid?.regionId ?? DispatchCore.unlocated }
    }

    struct QueueEntry {
        var id: Int64
        var incidentId: String
        var need: Need
        var priority: Int
        var queuedAt: Date
        var level: Int
    }

    public let jurisdiction: Jurisdiction
    public let rules: DispatchRules
    /// The regions this instance serves (`--regions`); `nil`: all. `unlocated` takes incidents
    /// with no grid, `city` the units of no region (the accident division).
    public let regions: Set<String>?
    let policy: DispatchPolicy
    let observer: DispatchObserver
    private var units: [String: UnitRecord] = [:]
    private var unitOrder: [String] = []
    private var incidents: [String: Incident] = [:]
    /// Waiting needs, most urgent (priority 1) and oldest first.
    private var queue: [QueueEntry] = []
    private var queueRetryDue = false
    private var lastShiftMinute: Int?
    private let calendar: Calendar
    private var gridChiefs: [String: [Officer]] = [:]
    static let unlocated = "unlocated"
    static let cityWide = "city"

    public init(jurisdiction: Jurisdiction, rules: DispatchRules = .defaults, regions: Set<String>? = nil, observer: DispatchObserver = DispatchObserver()) {
        self.jurisdiction = jurisdiction
        self.rules = rules
        self.regions = regions
        self.observer = observer
        self.policy = DispatchPolicy(jurisdiction: jurisdiction)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: rules.shifts.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
        self.calendar = calendar
        for officer in jurisdiction.officers.values.sorted(by: { $0.id < $1.id }) where officer.roles.contains(.gridChief) {
            for g in officer.gridIds { gridChiefs[g, default: []].append(officer) }
        }
    }

    /// Parses `R1,R2` (the `--regions` flag): every entry must be a region, `unlocated` or `city`.
    public static func parseRegions(_ text: String?, jurisdiction: Jurisdiction) throws -> Set<String>? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        var out = Set<String>()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard jurisdiction.regions[part] != nil || part == unlocated || part == cityWide else {
                throw ConfigurationError(file: "--regions", record: part, problem: "not a region of the city (\(jurisdiction.regions.keys.sorted().joined(separator: ", ")), or 'unlocated', 'city')")
            }
            out.insert(part)
        }
        return out
    }

    // MARK: Schema

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("dispatch-v1") { db in
            try db.execute(sql: """
                CREATE TABLE units (id TEXT PRIMARY KEY, state TEXT NOT NULL, incident_id TEXT, lat REAL NOT NULL, lon REAL NOT NULL, updated_at REAL NOT NULL);
                CREATE TABLE incidents (
                    id TEXT PRIMARY KEY, category TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
                    region_id TEXT, station_id TEXT, grid_id TEXT, post_id TEXT, urban INTEGER, lat REAL, lon REAL,
                    opened_at REAL NOT NULL, assigned_at REAL, closed_at REAL, unit_id TEXT, rule TEXT, outcome TEXT);
                CREATE INDEX incidents_status ON incidents(status);
                CREATE TABLE assignments (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, rule TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (incident_id, unit_id));
                CREATE TABLE field_reports (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, stage TEXT NOT NULL, at REAL NOT NULL, outcome TEXT, PRIMARY KEY (incident_id, unit_id, stage));
                """)
        }
        migrator.registerMigration("dispatch-v2") { db in
            try db.execute(sql: """
                ALTER TABLE units ADD COLUMN off_reason TEXT;
                ALTER TABLE incidents ADD COLUMN casualties INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN consent INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN channel TEXT;
                ALTER TABLE incidents ADD COLUMN major INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN command_station_id TEXT;
                ALTER TABLE incidents ADD COLUMN case_referred INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE assignments ADD COLUMN role TEXT NOT NULL DEFAULT 'primary';
                ALTER TABLE assignments ADD COLUMN need TEXT;
                ALTER TABLE assignments ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE assignments ADD COLUMN signed_off INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE assignments ADD COLUMN ended_at REAL;
                ALTER TABLE assignments ADD COLUMN end_reason TEXT;
                ALTER TABLE assignments ADD COLUMN distance REAL;
                ALTER TABLE assignments ADD COLUMN eta REAL;
                CREATE INDEX assignments_active ON assignments(incident_id) WHERE active = 1;
                CREATE TABLE queue (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, need TEXT NOT NULL, priority INTEGER NOT NULL,
                                    region_id TEXT, queued_at REAL NOT NULL, level INTEGER NOT NULL DEFAULT 1);
                CREATE INDEX queue_incident ON queue(incident_id);
                CREATE TABLE timers (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL DEFAULT '', timer TEXT NOT NULL, region_id TEXT, station_id TEXT,
                                     started_at REAL NOT NULL, warn_at REAL, due_at REAL NOT NULL, state TEXT NOT NULL, ended_at REAL,
                                     PRIMARY KEY (incident_id, unit_id, timer));
                CREATE INDEX timers_warn ON timers(warn_at) WHERE state = 'pending';
                CREATE INDEX timers_due ON timers(due_at) WHERE state IN ('pending', 'warned');
                CREATE TABLE echelons (incident_id TEXT NOT NULL, echelon INTEGER NOT NULL, units INTEGER NOT NULL, due_at REAL NOT NULL,
                                       done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (incident_id, echelon));
                CREATE INDEX echelons_due ON echelons(due_at) WHERE done = 0;
                CREATE TABLE timeline (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL,
                                       unit_id TEXT, detail TEXT);
                CREATE INDEX timeline_incident ON timeline(incident_id, id);
                """)
        }
    }

    // MARK: Loading

    public func load(_ db: Database) throws {
        units = [:]
        unitOrder = jurisdiction.units.map(\.id)
        var stored: [String: Row] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM units") { stored[row["id"]] = row }
        for unit in jurisdiction.units {
            let region = jurisdiction.regionId(of: unit)
            if let row = stored[unit.id] {
                units[unit.id] = UnitRecord(unit: unit, state: UnitState(rawValue: row["state"]) ?? .available, incidentId: row["incident_id"],
                                            position: Coordinate(lat: row["lat"], lon: row["lon"]), offReason: row["off_reason"], regionId: region)
            } else {
                units[unit.id] = UnitRecord(unit: unit, state: .available, incidentId: nil, position: unit.position, offReason: nil, regionId: region)
            }
        }
        incidents = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE status != 'closed'") {
            let incident = Self.incident(from: row)
            incidents[incident.id] = incident
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT a.incident_id, a.unit_id, a.need, a.active, a.signed_off FROM assignments a JOIN incidents i ON i.id = a.incident_id WHERE i.status != 'closed'
            """) {
            let id: String = row["incident_id"]
            guard incidents[id] != nil else { continue }
            let unitId: String = row["unit_id"]
            incidents[id]!.tried.insert(unitId)
            if (row["active"] as Int? ?? 0) == 1 {
                let need = (row["need"] as String?).flatMap { try? JSONDecoder().decode(Need.self, from: Data($0.utf8)) } ?? Need(kind: .primary)
                incidents[id]!.active[unitId] = Active(need: need, signedOff: (row["signed_off"] as Int? ?? 0) == 1)
            }
        }
        queue = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM queue ORDER BY priority, id") {
            guard let need = try? JSONDecoder().decode(Need.self, from: Data((row["need"] as String).utf8)) else { continue }
            queue.append(QueueEntry(id: row["id"], incidentId: row["incident_id"], need: need, priority: row["priority"],
                                    queuedAt: Date(timeIntervalSince1970: row["queued_at"]), level: row["level"]))
        }
        queueRetryDue = !queue.isEmpty
        lastShiftMinute = nil
        observer.queueLength(queue.count)
    }

    static func incident(from row: Row) -> Incident {
        var grid: GridLocation?
        if let gridId: String = row["grid_id"] {
            grid = GridLocation(gridId: gridId, stationId: row["station_id"], postId: row["post_id"], regionId: row["region_id"], urban: row["urban"] ?? false)
        }
        var coordinate: Coordinate?
        if let lat: Double = row["lat"], let lon: Double = row["lon"] { coordinate = Coordinate(lat: lat, lon: lon) }
        let facts = IncidentFacts(category: Category(rawValue: row["category"]) ?? .helpRequest, casualties: row["casualties"] ?? 0,
                                  partiesConsent: (row["consent"] as Int? ?? 0) == 1, grid: grid, major: (row["major"] as Int? ?? 0) == 1)
        return Incident(id: row["id"], facts: facts, priority: row["priority"], channel: (row["channel"] as String?).flatMap(Channel.init(rawValue:)),
                        coordinate: coordinate, openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                        commandStationId: row["command_station_id"], caseReferred: (row["case_referred"] as Int? ?? 0) == 1)
    }

    // MARK: Scope (--regions)

    func serves(regionKey: String) -> Bool { regions.map { $0.contains(regionKey) } ?? true }

    func inScope(_ record: UnitRecord) -> Bool {
        guard let regions else { return true }
        return regions.contains(record.regionId ?? Self.cityWide)
    }

    // MARK: Commands

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        switch command {
        case .field(let commands):
            var refused: [FieldCommandError] = []
            for (index, command) in commands.enumerated() {
                do { try report(command, tx) } catch let error as FieldCommandError {
                    refused.append(FieldCommandError(index: index, field: error.field, reason: error.reason))
                }
            }
            return .field(accepted: commands.count - refused.count, refused: refused)
        case .units(let reports):
            var refused: [FieldCommandError] = []
            for (index, report) in reports.enumerated() {
                do { try unitReport(report, tx) } catch let error as FieldCommandError {
                    refused.append(FieldCommandError(index: index, field: error.field, reason: error.reason))
                }
            }
            return .units(accepted: reports.count - refused.count, refused: refused)
        }
    }

    // MARK: Incidents in

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        guard event.header.type == IncidentOpened.type else { return }
        let opened = try tx.decode(IncidentOpened.self, from: event)
        // Only this instance's regions (the inbox still advances for the rest).
        guard serves(regionKey: opened.place.grid?.regionId ?? Self.unlocated) else { return }
        let major = rules.isMajor(category: opened.category, priority: opened.priority, casualties: opened.casualties, description: opened.description)
        let grid = opened.place.grid
        let commandStation = major ? grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId } : grid?.stationId
        let facts = IncidentFacts(category: opened.category, casualties: opened.casualties, partiesConsent: opened.partiesConsent, grid: grid, major: major)
        var incident = Incident(id: opened.incidentId, facts: facts, priority: opened.priority, channel: opened.channel,
                                coordinate: opened.place.coordinate, openedAt: opened.receivedAt, commandStationId: commandStation)
        try tx.run("""
            INSERT OR IGNORE INTO incidents (id, category, priority, status, region_id, station_id, grid_id, post_id, urban, lat, lon, opened_at,
                                             casualties, consent, channel, major, command_station_id)
            VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [incident.id, opened.category.rawValue, opened.priority, grid?.regionId, grid?.stationId, grid?.gridId, grid?.postId, grid?.urban,
                  incident.coordinate?.lat, incident.coordinate?.lon, opened.receivedAt.timeIntervalSince1970,
                  opened.casualties, opened.partiesConsent ? 1 : 0, opened.channel.rawValue, major ? 1 : 0, commandStation])
        guard tx.db.changesCount > 0 else { return }
        incidents[incident.id] = incident
        try timeline(incident.id, "opened", nil, "\(opened.category.rawValue), priority \(opened.priority)\(major ? ", major" : "")", tx)

        // Incident-level timers run from receipt (event time).
        try startTimer(.firstFeedback, incident, unitId: nil, from: opened.receivedAt, seconds: rules.timers.firstFeedback.seconds,
                       warnBefore: rules.timers.firstFeedback.warnBefore, tx)
        try startTimer(.close, incident, unitId: nil, from: opened.receivedAt, seconds: rules.timers.close.seconds,
                       warnBefore: rules.timers.close.warnBefore, tx)

        if major, let grid {
            try tx.emit(IncidentEscalated(incidentId: incident.id, regionId: grid.regionId, reason: "major", level: 1, commandStationId: commandStation,
                                          note: "centre station \(commandStation ?? "?") takes command of the region's units", at: tx.now))
            try timeline(incident.id, "escalated", nil, "major: centre station \(commandStation ?? "?") commands", tx)
            for (i, echelon) in rules.ptuEchelons.enumerated() where i > 0 || echelon.afterSeconds > 0 {
                try tx.run("INSERT OR IGNORE INTO echelons (incident_id, echelon, units, due_at) VALUES (?, ?, ?, ?)",
                           [incident.id, i + 1, echelon.units, opened.receivedAt.addingTimeInterval(echelon.afterSeconds).timeIntervalSince1970])
            }
        }
        try notifyChiefs(&incident, tx)

        for need in policy.initialNeeds(facts, rules: rules) {
            if try !send(need, to: incident.id, tx) {
                try enqueue(need, incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
            }
        }
    }

    /// The chiefs (五长制) whose charge covers the place are told: the grid chief always, the
    /// school chief inside a school's geofence, the road chief for road incidents, and the centre
    /// station's duty chiefs on a major incident.
    private func notifyChiefs(_ incident: inout Incident, _ tx: Transaction) throws {
        guard let grid = incident.grid else { return }
        var sent = Set<String>()
        func notify(_ officers: [Officer], _ role: ChiefRole, _ reason: String, schoolId: String? = nil) throws {
            for officer in officers where sent.insert("\(role.rawValue).\(officer.id)").inserted {
                try tx.emit(ChiefNotified(incidentId: incident.id, officerId: officer.id, role: role, reason: reason, regionId: grid.regionId,
                                          stationId: grid.stationId, gridId: grid.gridId, schoolId: schoolId, at: tx.now))
                try timeline(incident.id, "notified", nil, "\(role.rawValue) \(officer.id) (\(reason))", tx)
            }
        }
        try notify(gridChiefs[grid.gridId] ?? jurisdiction.officers(role: .gridChief, station: grid.stationId), .gridChief, "grid")
        if let point = incident.coordinate, let school = jurisdiction.school(containing: point) {
            let schoolStation = jurisdiction.grid(school.gridId)?.stationId ?? grid.stationId
            var chiefs = jurisdiction.officers(role: .schoolChief, station: schoolStation, grid: school.gridId)
            if chiefs.isEmpty { chiefs = jurisdiction.officers(role: .schoolChief, station: schoolStation) }
            try notify(chiefs, .schoolChief, "school", schoolId: school.id)
        }
        if incident.facts.isRoadIncident || incident.channel == .traffic {
            var chiefs = jurisdiction.officers(role: .roadChief, station: grid.stationId, grid: grid.gridId)
            if chiefs.isEmpty { chiefs = jurisdiction.officers(role: .roadChief, station: grid.stationId) }
            try notify(chiefs, .roadChief, "road")
        }
        if incident.facts.major, let centre = incident.commandStationId {
            try notify(jurisdiction.officers(role: .dutyChief, station: centre), .dutyChief, "major")
        }
    }

    // MARK: Choosing and sending a unit

    /// Local minute of day of `date` in the shifts' time zone.
    func minuteOfDay(_ date: Date) -> Int {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
    }

    func onShift(_ unit: FieldUnit, minute: Int) -> Bool {
        guard rules.shifts.enforce, let shift = unit.shift else { return true }
        return shift.contains(minuteOfDay: minute)
    }

    /// The nearest free unit of the first tier that has one, for `need` on `incident`.
    func choose(_ need: Need, for incident: Incident, now: Date) -> (id: String, rule: String, distance: Double)? {
        let minute = minuteOfDay(now)
        let target = incident.coordinate ?? incident.grid.flatMap { jurisdiction.grid($0.gridId)?.polygon.centroid }
        for tier in policy.tiers(for: need, incident.facts) {
            var best: (id: String, distance: Double)?
            for id in tier.units {
                guard let record = units[id], record.state == .available, !incident.tried.contains(id), inScope(record),
                      onShift(record.unit, minute: minute) else { continue }
                let d = target.map { record.position.distance(to: $0) } ?? 0
                if best == nil || d < best!.distance || (d == best!.distance && id < best!.id) { best = (id, d) }
            }
            if let best { return (best.id, tier.rule, best.distance) }
        }
        return nil
    }

    /// Sends a unit for `need`; false when none is free.
    @discardableResult
    func send(_ need: Need, to incidentId: String, _ tx: Transaction) throws -> Bool {
        guard let incident = incidents[incidentId] else { return false }
        let started = ContinuousClock.now
        guard let chosen = choose(need, for: incident, now: tx.now) else { return false }
        try assign(unit: chosen.id, rule: chosen.rule, distance: chosen.distance, need: need, incidentId: incidentId, tx)
        let elapsed = (ContinuousClock.now - started).components
        observer.decided(chosen.rule, Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, tx.now.timeIntervalSince(incident.openedAt))
        return true
    }

    func assign(unit unitId: String, rule: String, distance: Double, need: Need, incidentId: String, _ tx: Transaction) throws {
        guard var incident = incidents[incidentId], var record = units[unitId] else { return }
        try setState(&record, try UnitStateMachine.next(record.state, .dispatch, unitId: unitId), incidentId: incidentId, reason: need.role, tx)
        incident.active[unitId] = Active(need: need, signedOff: false)
        incident.tried.insert(unitId)
        incidents[incidentId] = incident
        let eta = rules.travelSeconds(distance, record.unit.kind)
        let needJSON = String(decoding: try JSONEncoder().encode(need), as: UTF8.self)
        try tx.run("INSERT OR IGNORE INTO assignments (incident_id, unit_id, rule, at, role, need, active, distance, eta) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                   [incidentId, unitId, rule, tx.now.timeIntervalSince1970, need.role, needJSON, distance, eta])
        if need.kind == .primary {
            try tx.run("UPDATE incidents SET status = 'assigned', assigned_at = COALESCE(assigned_at, ?), unit_id = ?, rule = ? WHERE id = ?",
                       [tx.now.timeIntervalSince1970, unitId, rule, incidentId])
        } else {
            try tx.run("UPDATE incidents SET status = 'assigned', assigned_at = COALESCE(assigned_at, ?), unit_id = COALESCE(unit_id, ?), rule = COALESCE(rule, ?) WHERE id = ?",
                       [tx.now.timeIntervalSince1970, unitId, rule, incidentId])
        }
        let unitStation = record.unit.stationId ?? record.unit.squadronId
        try tx.emit(UnitAssigned(
            incidentId: incidentId, unitId: unitId, callSign: record.unit.callSign, unitKind: record.unit.kind, officerIds: record.unit.officerIds,
            rule: rule, regionId: incident.grid?.regionId, stationId: incident.grid?.stationId, gridId: incident.grid?.gridId,
            distanceMeters: distance, etaSeconds: eta, assignedAt: tx.now,
            unitStationId: unitStation == incident.grid?.stationId ? nil : unitStation, postId: incident.grid?.urban == true ? incident.grid?.postId : nil,
            commandStationId: incident.commandStationId, role: need.role, replacesUnitId: need.replaces ?? need.handoverFrom))
        try timeline(incidentId, "assigned", unitId, "\(rule) (\(need.role)), \(Int(distance)) m, eta \(Int(eta)) s", tx)
        try startTimer(.signOff, incident, unitId: unitId, from: tx.now, seconds: rules.timers.signOff.seconds, warnBefore: rules.timers.signOff.warnBefore, tx)
        // Arrival: against the N-minute promise of the response points covering the grid, from the first dispatch.
        let minutes = incident.grid.flatMap { jurisdiction.responseMinutes(grid: $0.gridId) }.map(Double.init) ?? rules.timers.arrival.fallbackMinutes
        try startTimer(.arrival, incident, unitId: nil, from: tx.now, seconds: minutes * 60, warnBefore: min(rules.timers.arrival.warnBefore, minutes * 30), tx)
    }

    func enqueue(_ need: Need, _ incidentId: String, reason: String, _ tx: Transaction) throws {
        guard let incident = incidents[incidentId] else { return }
        let needJSON = String(decoding: try JSONEncoder().encode(need), as: UTF8.self)
        try tx.run("INSERT INTO queue (incident_id, need, priority, region_id, queued_at) VALUES (?, ?, ?, ?, ?)",
                   [incidentId, needJSON, incident.priority, incident.grid?.regionId, tx.now.timeIntervalSince1970])
        let id = tx.db.lastInsertedRowID
        let entry = QueueEntry(id: id, incidentId: incidentId, need: need, priority: incident.priority, queuedAt: tx.now, level: 1)
        let at = queue.firstIndex { ($0.priority, $0.id) > (entry.priority, entry.id) } ?? queue.endIndex
        queue.insert(entry, at: at)
        if incident.active.isEmpty {
            try tx.run("UPDATE incidents SET status = 'queued' WHERE id = ?", [incidentId])
        }
        try tx.emit(IncidentQueued(incidentId: incidentId, regionId: incident.grid?.regionId, priority: incident.priority, reason: reason,
                                   queuedAt: tx.now, need: need.kind.rawValue, queueId: id))
        try tx.emit(IncidentEscalated(incidentId: incidentId, regionId: incident.grid?.regionId, reason: "queued", level: 1,
                                      commandStationId: incident.grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId },
                                      note: reason, at: tx.now))
        try timeline(incidentId, "queued", nil, "\(need.role): \(reason)", tx)
        observer.queueLength(queue.count)
    }

    /// Units came free (or back on duty): serve the queue, most urgent and oldest first.
    func serveQueue(_ tx: Transaction, limit: Int = 256) throws {
        guard !queue.isEmpty else { return }
        var index = 0
        var looked = 0
        while index < queue.count && looked < limit {
            looked += 1
            let entry = queue[index]
            guard incidents[entry.incidentId] != nil else {
                queue.remove(at: index)
                try tx.run("DELETE FROM queue WHERE id = ?", [entry.id])
                continue
            }
            if try send(entry.need, to: entry.incidentId, tx) {
                queue.remove(at: index)
                try tx.run("DELETE FROM queue WHERE id = ?", [entry.id])
                try timeline(entry.incidentId, "dequeued", nil, "\(entry.need.role) served after \(Int(tx.now.timeIntervalSince(entry.queuedAt))) s", tx)
            } else {
                index += 1
            }
            if !units.values.contains(where: { $0.state == .available }) { break }
        }
        observer.queueLength(queue.count)
    }

    private func dropQueued(incidentId: String, _ tx: Transaction) throws {
        guard queue.contains(where: { $0.incidentId == incidentId }) else { return }
        queue.removeAll { $0.incidentId == incidentId }
        try tx.run("DELETE FROM queue WHERE incident_id = ?", [incidentId])
        observer.queueLength(queue.count)
    }

    // MARK: Unit state

    private func setState(_ record: inout UnitRecord, _ state: UnitState, incidentId: String?, reason: String, _ tx: Transaction) throws {
        let from = record.state
        let previousIncident = record.incidentId
        record.state = state
        record.incidentId = incidentId
        if state != .offDuty { record.offReason = nil }
        units[record.unit.id] = record
        try saveUnit(record, tx)
        guard from != state else { return }
        try tx.emit(UnitStatusChanged(unitId: record.unit.id, from: from.rawValue, to: state.rawValue, incidentId: incidentId ?? previousIncident,
                                      stationId: record.unit.stationId ?? record.unit.squadronId, position: record.position, reason: reason, at: tx.now))
    }

    /// A unit leaves an incident: free again (or off duty when its shift is over).
    private func free(_ unitId: String, reason: String, transition: UnitTransition, _ tx: Transaction) throws {
        guard var record = units[unitId] else { return }
        var next = try UnitStateMachine.next(record.state, transition, unitId: unitId)
        if next == .available && !onShift(record.unit, minute: minuteOfDay(tx.now)) {
            next = .offDuty
            record.offReason = "shift"
        }
        try setState(&record, next, incidentId: nil, reason: reason, tx)
        if next == .available { queueRetryDue = true }
    }

    private func saveUnit(_ record: UnitRecord, _ tx: Transaction) throws {
        try tx.run("""
            INSERT INTO units (id, state, incident_id, lat, lon, updated_at, off_reason) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, incident_id = excluded.incident_id, lat = excluded.lat, lon = excluded.lon,
                updated_at = excluded.updated_at, off_reason = excluded.off_reason
            """, [record.unit.id, record.state.rawValue, record.incidentId, record.position.lat, record.position.lon, tx.now.timeIntervalSince1970, record.offReason])
    }

    func unitReport(_ report: UnitReport, _ tx: Transaction) throws {
        guard var record = units[report.unitId] else {
            throw FieldCommandError(index: 0, field: "unitId", reason: "unknown unit '\(report.unitId)'")
        }
        guard inScope(record) else {
            throw FieldCommandError(index: 0, field: "unitId", reason: "unit \(report.unitId) is not in this instance's regions")
        }
        if let p = report.position {
            guard p.isValid else { throw FieldCommandError(index: 0, field: "position", reason: "not a valid coordinate") }
            record.position = p
            units[record.unit.id] = record
            try saveUnit(record, tx)
        }
        switch report.duty {
        case .offDuty?:
            do {
                let next = try UnitStateMachine.next(record.state, .signOut, unitId: record.unit.id)
                record.offReason = "signedOut"
                try setState(&record, next, incidentId: nil, reason: "signedOut", tx)
            } catch let e as IllegalTransition {
                throw FieldCommandError(index: 0, field: "duty", reason: e.description)
            }
        case .onDuty?:
            do {
                let next = try UnitStateMachine.next(record.state, .signOn, unitId: record.unit.id)
                try setState(&record, next, incidentId: nil, reason: "signedOn", tx)
            } catch let e as IllegalTransition {
                throw FieldCommandError(index: 0, field: "duty", reason: e.description)
            }
            try serveQueue(tx)
        case nil:
            break
        }
    }

    // MARK: Field reports

    func report(_ command: FieldCommand, _ tx: Transaction) throws {
        guard var record = units[command.unitId] else {
            throw FieldCommandError(index: 0, field: "unitId", reason: "unknown unit '\(command.unitId)'")
        }
        guard record.incidentId == command.incidentId, var incident = incidents[command.incidentId] else {
            throw FieldCommandError(index: 0, field: "incidentId", reason: "unit \(command.unitId) is not assigned to \(command.incidentId)")
        }
        let transition = UnitStateMachine.transition(for: command.stage)
        let next: UnitState
        do { next = try UnitStateMachine.next(record.state, transition, unitId: command.unitId) } catch let e as IllegalTransition {
            throw FieldCommandError(index: 0, field: "stage", reason: e.description)
        }
        if command.stage == .closed && command.outcome == nil {
            throw FieldCommandError(index: 0, field: "outcome", reason: "closing needs an outcome (\(Outcome.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if let p = command.position {
            guard p.isValid else { throw FieldCommandError(index: 0, field: "position", reason: "not a valid coordinate") }
            record.position = p
        }
        // A handover needs its receiver before anything is written.
        var receiver: (id: String, rule: String, distance: Double)?
        if command.stage == .handover {
            receiver = try handoverReceiver(command, incident, giver: record)
        }
        if command.stage != .requestSupport {
            try tx.run("INSERT OR IGNORE INTO field_reports (incident_id, unit_id, stage, at, outcome) VALUES (?, ?, ?, ?, ?)",
                       [command.incidentId, command.unitId, command.stage.rawValue, tx.now.timeIntervalSince1970, command.outcome?.rawValue])
            guard tx.db.changesCount > 0 else {
                throw FieldCommandError(index: 0, field: "stage", reason: "\(command.stage.rawValue) was already reported")
            }
        }
        let unitId = command.unitId
        let regionId = incident.grid?.regionId
        var incidentClosed: Bool?

        // Sign-off: explicit, or implied by any later progress.
        if [.signedOff, .enRoute, .arrived, .feedback].contains(command.stage), incident.active[unitId]?.signedOff == false {
            incident.active[unitId]!.signedOff = true
            incidents[incident.id] = incident
            try tx.run("UPDATE assignments SET signed_off = 1 WHERE incident_id = ? AND unit_id = ?", [incident.id, unitId])
            try stopTimer(.signOff, incident.id, unitId: unitId, tx)
            // A receiver taking over frees the unit that handed over.
            if let giver = incident.active[unitId]!.need.handoverFrom, incident.active[giver] != nil, units[giver]?.state == .handingOver {
                try release(giver, from: incident.id, reason: "handedOver", transition: .handedOver, tx)
                incident = incidents[incident.id]!
            }
        }
        switch command.stage {
        case .arrived: try stopTimer(.arrival, incident.id, unitId: nil, tx)
        case .feedback: try stopTimer(.firstFeedback, incident.id, unitId: nil, tx)
        default: break
        }

        if command.stage == .closed {
            try release(unitId, from: incident.id, reason: "closed", transition: .close, tx)
            incident = incidents[incident.id]!
            if command.outcome == .caseOpened && !incident.caseReferred {
                try referCase(&incident, byUnit: record, tx)
            }
            incidentClosed = incident.active.isEmpty
        } else {
            if command.position != nil || next != record.state {
                try setState(&record, next, incidentId: record.incidentId, reason: command.stage.rawValue, tx)
            }
        }
        try tx.emit(FieldReported(incidentId: command.incidentId, unitId: unitId, officerIds: record.unit.officerIds, stage: command.stage,
                                  outcome: command.outcome, note: command.note, regionId: regionId, at: tx.now,
                                  handover: command.handover, support: command.stage == .requestSupport ? (command.support ?? SupportRequest()) : nil,
                                  incidentClosed: incidentClosed))
        try timeline(command.incidentId, command.stage.rawValue, unitId,
                     [command.outcome?.rawValue, command.handover.map { "\($0.kind.rawValue) → \($0.toUnitId ?? $0.toStationId ?? "?")" }, command.note]
                        .compactMap { $0 }.joined(separator: "; "), tx)

        // The incident closes after its last unit's report, so its timeline and events read in order.
        if incidentClosed == true { try closeIncident(incident, outcome: command.outcome!, tx) }
        if command.stage == .handover, let receiver {
            try assign(unit: receiver.id, rule: receiver.rule, distance: receiver.distance,
                       need: Need(kind: incident.active[unitId]?.need.kind ?? .primary, handoverFrom: unitId), incidentId: incident.id, tx)
        }
        if command.stage == .requestSupport {
            let request = command.support ?? SupportRequest()
            for _ in 0..<max(1, min(request.units ?? 1, 5)) {
                let need = Need(kind: .support, support: request)
                if try !send(need, to: incident.id, tx) {
                    try enqueue(need, incident.id, reason: "no available unit for support", tx)
                }
            }
        }
        if command.stage == .closed { try serveQueue(tx) }
    }

    /// The unit or station a handover goes to, checked; a station sends its nearest free unit.
    private func handoverReceiver(_ command: FieldCommand, _ incident: Incident, giver: UnitRecord) throws -> (id: String, rule: String, distance: Double) {
        guard let handover = command.handover else {
            throw FieldCommandError(index: 0, field: "handover", reason: "a handover needs {kind, toUnitId or toStationId}")
        }
        let rule = "handover-\(handover.kind.rawValue)"
        let target = incident.coordinate ?? giver.position
        if let to = handover.toUnitId {
            guard let r = units[to] else { throw FieldCommandError(index: 0, field: "handover.toUnitId", reason: "unknown unit '\(to)'") }
            guard r.state == .available, inScope(r) else {
                throw FieldCommandError(index: 0, field: "handover.toUnitId", reason: "unit \(to) is \(r.state.rawValue), not available")
            }
            guard !incident.tried.contains(to) else {
                throw FieldCommandError(index: 0, field: "handover.toUnitId", reason: "unit \(to) was already sent to \(incident.id)")
            }
            if handover.kind == .postToStation && r.unit.stationId == nil {
                throw FieldCommandError(index: 0, field: "handover.toUnitId", reason: "a post-to-station handover goes to a station's unit")
            }
            return (to, rule, r.position.distance(to: target))
        }
        guard let station = handover.toStationId else {
            throw FieldCommandError(index: 0, field: "handover", reason: "name the receiving unit (toUnitId) or station (toStationId)")
        }
        guard jurisdiction.stations[station] != nil else {
            throw FieldCommandError(index: 0, field: "handover.toStationId", reason: "unknown station '\(station)'")
        }
        var best: (id: String, distance: Double)?
        for id in unitOrder {
            let r = units[id]!
            guard r.unit.stationId == station, DispatchPolicy.stationKinds(r.unit.kind), r.state == .available, inScope(r), !incident.tried.contains(id) else { continue }
            let d = r.position.distance(to: target)
            if best == nil || d < best!.distance { best = (id, d) }
        }
        guard let best else {
            throw FieldCommandError(index: 0, field: "handover.toStationId", reason: "no unit of station \(station) is available to receive the incident")
        }
        return (best.id, rule, best.distance)
    }

    /// Ends a unit's assignment on an incident and frees it.
    private func release(_ unitId: String, from incidentId: String, reason: String, transition: UnitTransition, _ tx: Transaction) throws {
        guard var incident = incidents[incidentId] else { return }
        incident.active[unitId] = nil
        incidents[incidentId] = incident
        try tx.run("UPDATE assignments SET active = 0, ended_at = ?, end_reason = ? WHERE incident_id = ? AND unit_id = ?",
                   [tx.now.timeIntervalSince1970, reason, incidentId, unitId])
        try tx.run("UPDATE timers SET state = 'cancelled', ended_at = ? WHERE incident_id = ? AND unit_id = ? AND state IN ('pending', 'warned')",
                   [tx.now.timeIntervalSince1970, incidentId, unitId])
        try free(unitId, reason: reason, transition: transition, tx)
        if reason != "closed" { try timeline(incidentId, "released", unitId, reason, tx) }
    }

    private func closeIncident(_ incident: Incident, outcome: Outcome, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET status = 'closed', closed_at = ?, outcome = ? WHERE id = ?",
                   [tx.now.timeIntervalSince1970, outcome.rawValue, incident.id])
        try stopTimer(.close, incident.id, unitId: nil, tx)
        try tx.run("UPDATE timers SET state = 'cancelled', ended_at = ? WHERE incident_id = ? AND state IN ('pending', 'warned')",
                   [tx.now.timeIntervalSince1970, incident.id])
        try tx.run("UPDATE echelons SET done = 1 WHERE incident_id = ?", [incident.id])
        try dropQueued(incidentId: incident.id, tx)
        incidents[incident.id] = nil
        try tx.emit(IncidentClosed(incidentId: incident.id, outcome: outcome, regionId: incident.grid?.regionId, stationId: incident.grid?.stationId,
                                   openedAt: incident.openedAt, at: tx.now))
        try timeline(incident.id, "incidentClosed", nil, outcome.rawValue, tx)
    }

    /// 立案: the case goes to the case-handling team of the incident's station.
    private func referCase(_ incident: inout Incident, byUnit record: UnitRecord, _ tx: Transaction) throws {
        guard let station = incident.grid?.stationId ?? record.unit.stationId else { return }
        incident.caseReferred = true
        incidents[incident.id] = incident
        try tx.run("UPDATE incidents SET case_referred = 1 WHERE id = ?", [incident.id])
        let team = jurisdiction.officers(team: .caseHandling, station: station).map(\.id)
        try tx.emit(CaseReferred(incidentId: incident.id, stationId: station, team: .caseHandling, officerIds: team, regionId: incident.grid?.regionId,
                                 byUnitId: record.unit.id, at: tx.now))
        try timeline(incident.id, "caseReferred", record.unit.id, "case-handling team of \(station)", tx)
    }

    // MARK: Timers (event time)

    private func startTimer(_ timer: SLATimer, _ incident: Incident, unitId: String?, from start: Date, seconds: Double, warnBefore: Double, _ tx: Transaction) throws {
        let due = start.addingTimeInterval(seconds)
        let warn: Double? = warnBefore > 0 ? due.addingTimeInterval(-warnBefore).timeIntervalSince1970 : nil
        try tx.run("""
            INSERT OR IGNORE INTO timers (incident_id, unit_id, timer, region_id, station_id, started_at, warn_at, due_at, state)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
            """, [incident.id, unitId ?? "", timer.rawValue, incident.grid?.regionId, incident.grid?.stationId, start.timeIntervalSince1970, warn, due.timeIntervalSince1970])
    }

    private func stopTimer(_ timer: SLATimer, _ incidentId: String, unitId: String?, _ tx: Transaction) throws {
        try tx.run("UPDATE timers SET state = 'met', ended_at = ? WHERE incident_id = ? AND unit_id = ? AND timer = ? AND state IN ('pending', 'warned')",
                   [tx.now.timeIntervalSince1970, incidentId, unitId ?? "", timer.rawValue])
    }

    public func tick(in tx: Transaction) throws {
        try applyShifts(tx)
        let now = tx.now.timeIntervalSince1970
        // Warnings first, for timers not yet due.
        for row in try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT incident_id, unit_id, timer, region_id, station_id, started_at, due_at FROM timers
            WHERE state = 'pending' AND warn_at IS NOT NULL AND warn_at <= ? ORDER BY warn_at LIMIT 500
            """), arguments: [now]) {
            let due: Double = row["due_at"]
            guard due > now, let timer = SLATimer(rawValue: row["timer"]) else { continue }
            let unit: String = row["unit_id"]
            try tx.run("UPDATE timers SET state = 'warned' WHERE incident_id = ? AND unit_id = ? AND timer = ?", [row["incident_id"] as String, unit, timer.rawValue])
            try tx.emit(SLAWarning(incidentId: row["incident_id"], unitId: unit.isEmpty ? nil : unit, timer: timer, regionId: row["region_id"], stationId: row["station_id"],
                                   startedAt: Date(timeIntervalSince1970: row["started_at"]), dueAt: Date(timeIntervalSince1970: due), at: tx.now))
            try timeline(row["incident_id"], "warning", unit.isEmpty ? nil : unit, "\(timer.rawValue) due in \(Int(due - now)) s", tx)
            observer.warned(timer)
        }
        for row in try Row.fetchAll(tx.db.cachedStatement(sql: """
            SELECT incident_id, unit_id, timer, region_id, station_id, started_at, due_at FROM timers
            WHERE state IN ('pending', 'warned') AND due_at <= ? ORDER BY due_at LIMIT 500
            """), arguments: [now]) {
            guard let timer = SLATimer(rawValue: row["timer"]) else { continue }
            try breach(timer, incidentId: row["incident_id"], unitId: row["unit_id"], regionId: row["region_id"], stationId: row["station_id"],
                       startedAt: Date(timeIntervalSince1970: row["started_at"]), dueAt: Date(timeIntervalSince1970: row["due_at"]), tx)
        }
        // Later PTU echelons (梯次增援) of major incidents still open.
        for row in try Row.fetchAll(tx.db.cachedStatement(sql: "SELECT incident_id, echelon, units FROM echelons WHERE done = 0 AND due_at <= ? ORDER BY due_at LIMIT 100"),
                                    arguments: [now]) {
            let incidentId: String = row["incident_id"]
            let echelon: Int = row["echelon"]
            try tx.run("UPDATE echelons SET done = 1 WHERE incident_id = ? AND echelon = ?", [incidentId, echelon])
            guard incidents[incidentId] != nil else { continue }
            for _ in 0..<(row["units"] as Int) {
                let need = Need(kind: .ptu, echelon: echelon)
                if try !send(need, to: incidentId, tx) { try enqueue(need, incidentId, reason: "no PTU team free for echelon \(echelon)", tx) }
            }
        }
        // The queue: escalate what waited too long; retry when units came back.
        for i in queue.indices where queue[i].level < 2 && tx.now.timeIntervalSince(queue[i].queuedAt) >= rules.queue.escalateAfterSeconds {
            queue[i].level = 2
            let entry = queue[i]
            try tx.run("UPDATE queue SET level = 2 WHERE id = ?", [entry.id])
            let incident = incidents[entry.incidentId]
            try tx.emit(IncidentEscalated(incidentId: entry.incidentId, regionId: incident?.grid?.regionId, reason: "stillQueued", level: 2,
                                          commandStationId: incident?.grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId },
                                          note: "\(entry.need.role) waiting \(Int(tx.now.timeIntervalSince(entry.queuedAt))) s", at: tx.now))
            try timeline(entry.incidentId, "escalated", nil, "still queued: city command centre", tx)
        }
        if queueRetryDue {
            queueRetryDue = false
            try serveQueue(tx)
        }
        observer.ticked(tx.now)
    }

    private func breach(_ timer: SLATimer, incidentId: String, unitId: String, regionId: String?, stationId: String?, startedAt: Date, dueAt: Date, _ tx: Transaction) throws {
        try tx.run("UPDATE timers SET state = 'breached', ended_at = ? WHERE incident_id = ? AND unit_id = ? AND timer = ?",
                   [tx.now.timeIntervalSince1970, incidentId, unitId, timer.rawValue])
        var action = "none"
        var officers: [String] = []
        if !unitId.isEmpty { officers = units[unitId]?.unit.officerIds ?? [] }
        // A breached sign-off re-dispatches to the next unit (never one that signed off).
        if timer == .signOff, let incident = incidents[incidentId], let active = incident.active[unitId], !active.signedOff, units[unitId]?.state == .dispatched {
            try release(unitId, from: incidentId, reason: "signOffBreached", transition: .release, tx)
            var need = active.need
            need.replaces = unitId
            if try send(need, to: incidentId, tx) {
                action = "redispatched"
            } else {
                try enqueue(need, incidentId, reason: "sign-off expired and no other unit is free", tx)
                action = "queued"
            }
        }
        try tx.emit(SLABreached(incidentId: incidentId, unitId: unitId.isEmpty ? nil : unitId, officerIds: officers, timer: timer, regionId: regionId,
                                stationId: stationId, startedAt: startedAt, dueAt: dueAt, action: action, at: tx.now))
        try timeline(incidentId, "breached", unitId.isEmpty ? nil : unitId, "\(timer.rawValue) (\(action))", tx)
        observer.breached(timer)
    }

    /// Shifts: a free unit outside its shift goes off duty; one whose shift begins comes back.
    private func applyShifts(_ tx: Transaction) throws {
        guard rules.shifts.enforce else { return }
        let minute = minuteOfDay(tx.now)
        guard minute != lastShiftMinute else { return }
        lastShiftMinute = minute
        for id in unitOrder {
            guard var record = units[id], inScope(record) else { continue }
            let on = onShift(record.unit, minute: minute)
            if !on && record.state == .available {
                record.offReason = "shift"
                try setState(&record, .offDuty, incidentId: nil, reason: "shiftEnded", tx)
            } else if on && record.state == .offDuty && record.offReason == "shift" {
                try setState(&record, .available, incidentId: nil, reason: "shiftStarted", tx)
                queueRetryDue = true
            }
        }
    }

    // MARK: Timeline

    private func timeline(_ incidentId: String, _ kind: String, _ unitId: String?, _ detail: String, _ tx: Transaction) throws {
        try tx.run("INSERT INTO timeline (incident_id, at, kind, unit_id, detail) VALUES (?, ?, ?, ?, ?)",
                   [incidentId, tx.now.timeIntervalSince1970, kind, unitId, detail.isEmpty ? nil : detail])
    }

    // MARK: Introspection (tests)

    /// A unit's state as the core holds it.
    public func state(of unitId: String) -> UnitState? { units[unitId]?.state }
    /// Needs waiting, in the order they will be served.
    public var queued: [(incidentId: String, need: Need)] { queue.map { ($0.incidentId, $0.need) } }
}
