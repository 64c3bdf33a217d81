import Bus
import DequeModule
import EventStore
import Foundation
import GRDB
import Model

/// Unit states (DOMAIN.md §2).
public enum UnitState: String, Codable, Sendable, CaseIterable {
    case available, dispatched, enRoute, onScene, handingOver, offDuty
}

/// A field unit's report on its incident, as sent by a terminal (or the load generator).
public struct FieldCommand: Codable, Sendable, Hashable {
    public var incidentId: String
    public var unitId: String
    public var stage: FieldStage
    public var outcome: Outcome?
    public var note: String?

    public init(incidentId: String, unitId: String, stage: FieldStage, outcome: Outcome? = nil, note: String? = nil) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.stage = stage
        self.outcome = outcome
        self.note = note
    }
}

/// Why a field command was refused.
public struct FieldCommandError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var field: String
    public var reason: String
    public var description: String { "commands[\(index)].\(field): \(reason)" }
}

/// dispatch's rules: turn an opened incident into a unit on the road, nearest first within the
/// grid, then the neighbouring grids, then the station (派出所兜底), then the region; queue it
/// when nobody is free and serve the queue by priority as units come free.
public final class DispatchCore: ServiceCore {
    public enum Command: Sendable {
        case field([FieldCommand])
    }

    public enum Reply: Sendable {
        case field(accepted: Int, refused: [FieldCommandError])
    }

    struct UnitRecord {
        var unit: FieldUnit
        var state: UnitState
        var incidentId: String?
        var position: Coordinate
    }

    struct Incident {
        var id: String
        var category: Category
        var priority: Int
        var coordinate: Coordinate?
        var grid: GridLocation?
        var openedAt: Date
    }

    let jurisdiction: Jurisdiction
    private var units: [String: UnitRecord] = [:]
    private var unitOrder: [String] = []
    /// Candidate pools per grid, in rule order (computed once: the jurisdiction does not change).
    private var poolCache: [String: [(rule: String, units: [String])]] = [:]
    /// Incidents waiting for a unit: per region, per priority (1 first), oldest first.
    private var queues: [String: [Int: Deque<Incident>]] = [:]
    private var queuedCount = 0
    private static let unlocated = "unlocated"

    public init(jurisdiction: Jurisdiction) {
        self.jurisdiction = jurisdiction
    }

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
    }

    public func load(_ db: Database) throws {
        units = [:]
        unitOrder = jurisdiction.units.map(\.id)
        var stored: [String: Row] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM units") { stored[row["id"]] = row }
        for unit in jurisdiction.units {
            if let row = stored[unit.id] {
                units[unit.id] = UnitRecord(unit: unit, state: UnitState(rawValue: row["state"]) ?? .available, incidentId: row["incident_id"],
                                            position: Coordinate(lat: row["lat"], lon: row["lon"]))
            } else {
                units[unit.id] = UnitRecord(unit: unit, state: .available, incidentId: nil, position: unit.position)
            }
        }
        queues = [:]
        queuedCount = 0
        for incident in try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE status = 'queued' ORDER BY priority, opened_at").map(Self.incident(from:)) {
            queues[incident.grid?.regionId ?? Self.unlocated, default: [:]][incident.priority, default: []].append(incident)
            queuedCount += 1
        }
    }

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
        }
    }

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        guard event.header.type == IncidentOpened.type else { return }
        let opened = try tx.decode(IncidentOpened.self, from: event)
        let incident = Incident(id: opened.incidentId, category: opened.category, priority: opened.priority,
                                coordinate: opened.place.coordinate, grid: opened.place.grid, openedAt: opened.receivedAt)
        try tx.run("""
            INSERT OR IGNORE INTO incidents (id, category, priority, status, region_id, station_id, grid_id, post_id, urban, lat, lon, opened_at)
            VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?)
            """, [incident.id, incident.category.rawValue, incident.priority, incident.grid?.regionId, incident.grid?.stationId,
                             incident.grid?.gridId, incident.grid?.postId, incident.grid?.urban, incident.coordinate?.lat, incident.coordinate?.lon,
                             incident.openedAt.timeIntervalSince1970])
        if try !assign(incident, tx) {
            try enqueue(incident, reason: "no available unit", tx)
        }
    }

    // MARK: Choosing a unit

    /// The candidate pools in the order the rules try them: grid, neighbouring grids, station, region.
    func candidates(for incident: Incident) -> [(rule: String, units: [String])] {
        guard let location = incident.grid else { return [("city-nearest", unitOrder)] }
        if let cached = poolCache[location.gridId] { return cached }
        let grid = jurisdiction.grid(location.gridId)
        let neighbours = Set(grid?.neighbourIds ?? [])
        let regionStations = Set(jurisdiction.regions[location.regionId]?.memberStationIds ?? [])
        let all = unitOrder.map { units[$0]!.unit }
        let pools: [(rule: String, units: [String])] = [
            ("grid-nearest", all.filter { $0.homeGridId == location.gridId && Self.patrols($0.kind) }.map(\.id)),
            ("neighbour-grid", all.filter { ($0.homeGridId.map(neighbours.contains) ?? false) && Self.patrols($0.kind) }.map(\.id)),
            ("station-fallback", all.filter { $0.stationId == location.stationId }.map(\.id)),
            ("region", all.filter { $0.stationId.map(regionStations.contains) ?? false }.map(\.id)),
        ]
        poolCache[location.gridId] = pools
        return pools
    }

    static func patrols(_ kind: UnitKind) -> Bool { kind == .patrolCar || kind == .motorcycle || kind == .stationDuty }

    /// Sends the nearest available unit of the first pool that has one. Returns false if none.
    func assign(_ incident: Incident, _ tx: Transaction) throws -> Bool {
        for (rule, pool) in candidates(for: incident) {
            var best: (id: String, distance: Double)?
            for id in pool {
                let record = units[id]!
                guard record.state == .available else { continue }
                let d = incident.coordinate.map { record.position.distance(to: $0) } ?? 0
                if best == nil || d < best!.distance { best = (id, d) }
            }
            guard let chosen = best else { continue }
            var record = units[chosen.id]!
            record.state = .dispatched
            record.incidentId = incident.id
            units[chosen.id] = record
            try saveUnit(record, tx)
            try tx.run("UPDATE incidents SET status = 'assigned', assigned_at = ?, unit_id = ?, rule = ? WHERE id = ?",
                              [tx.now.timeIntervalSince1970, chosen.id, rule, incident.id])
            try tx.run("INSERT OR IGNORE INTO assignments (incident_id, unit_id, rule, at) VALUES (?, ?, ?, ?)",
                              [incident.id, chosen.id, rule, tx.now.timeIntervalSince1970])
            try tx.emit(UnitAssigned(
                incidentId: incident.id, unitId: chosen.id, callSign: record.unit.callSign, unitKind: record.unit.kind,
                officerIds: record.unit.officerIds, rule: rule, regionId: incident.grid?.regionId, stationId: incident.grid?.stationId,
                gridId: incident.grid?.gridId, distanceMeters: chosen.distance, etaSeconds: Self.travelSeconds(chosen.distance, record.unit.kind),
                assignedAt: tx.now))
            return true
        }
        return false
    }

    /// Travel time: straight-line distance × 1.3 (roads are not straight) at the unit's urban speed.
    public static func travelSeconds(_ meters: Double, _ kind: UnitKind) -> Double {
        let speed: Double = switch kind {
        case .motorcycle, .mediatorPair: 30 / 3.6
        case .ptu, .accidentDivision, .patrolCar, .trafficSquadron: 40 / 3.6
        case .stationDuty: 35 / 3.6
        }
        return meters * 1.3 / speed
    }

    func enqueue(_ incident: Incident, reason: String, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET status = 'queued' WHERE id = ?", [incident.id])
        queues[incident.grid?.regionId ?? Self.unlocated, default: [:]][incident.priority, default: []].append(incident)
        queuedCount += 1
        try tx.emit(IncidentQueued(incidentId: incident.id, regionId: incident.grid?.regionId, priority: incident.priority, reason: reason, queuedAt: tx.now))
    }

    /// A unit came free: it takes the most urgent, oldest queued incident it may serve.
    func serveQueue(freed unitId: String, _ tx: Transaction) throws {
        guard queuedCount > 0, let record = units[unitId], record.state == .available else { return }
        let region = record.unit.stationId.flatMap { jurisdiction.stations[$0]?.regionId }
        for key in [region, Self.unlocated].compactMap({ $0 }) {
            guard var byPriority = queues[key] else { continue }
            for priority in byPriority.keys.sorted() {
                guard var queue = byPriority[priority] else { continue }
                // Usually the head qualifies; look a little further for incidents this unit can serve.
                for index in queue.indices.prefix(64) {
                    let incident = queue[index]
                    guard candidates(for: incident).contains(where: { $0.units.contains(unitId) }) else { continue }
                    if try assign(incident, tx) {
                        queue.remove(at: index)
                        byPriority[priority] = queue
                        queues[key] = byPriority
                        queuedCount -= 1
                        return
                    }
                }
            }
        }
    }

    // MARK: Field reports

    static let transitions: [FieldStage: (from: Set<UnitState>, to: UnitState)] = [
        .signedOff: ([.dispatched], .dispatched),
        .enRoute: ([.dispatched], .enRoute),
        .arrived: ([.dispatched, .enRoute], .onScene),
        .feedback: ([.dispatched, .enRoute, .onScene], .onScene),
        .closed: ([.dispatched, .enRoute, .onScene, .handingOver], .available),
    ]

    func report(_ command: FieldCommand, _ tx: Transaction) throws {
        guard var record = units[command.unitId] else {
            throw FieldCommandError(index: 0, field: "unitId", reason: "unknown unit '\(command.unitId)'")
        }
        guard record.incidentId == command.incidentId else {
            throw FieldCommandError(index: 0, field: "incidentId", reason: "unit \(command.unitId) is not assigned to \(command.incidentId)")
        }
        let rule = Self.transitions[command.stage]!
        guard rule.from.contains(record.state) else {
            throw FieldCommandError(index: 0, field: "stage", reason: "\(command.stage.rawValue) is not allowed while the unit is \(record.state.rawValue)")
        }
        if command.stage == .closed && command.outcome == nil {
            throw FieldCommandError(index: 0, field: "outcome", reason: "closing needs an outcome (\(Outcome.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        try tx.run("INSERT OR IGNORE INTO field_reports (incident_id, unit_id, stage, at, outcome) VALUES (?, ?, ?, ?, ?)",
                                         [command.incidentId, command.unitId, command.stage.rawValue, tx.now.timeIntervalSince1970, command.outcome?.rawValue])
        guard tx.db.changesCount > 0 else {
            throw FieldCommandError(index: 0, field: "stage", reason: "\(command.stage.rawValue) was already reported")
        }
        record.state = rule.to
        if command.stage == .closed {
            record.incidentId = nil
            try tx.run("UPDATE incidents SET status = 'closed', closed_at = ?, outcome = ? WHERE id = ?",
                              [tx.now.timeIntervalSince1970, command.outcome?.rawValue, command.incidentId])
        }
        units[command.unitId] = record
        try saveUnit(record, tx)
        let regionId = try tx.fetchOne(String.self, "SELECT region_id FROM incidents WHERE id = ?", [command.incidentId])
        try tx.emit(FieldReported(incidentId: command.incidentId, unitId: command.unitId, officerIds: record.unit.officerIds, stage: command.stage,
                                  outcome: command.outcome, note: command.note, regionId: regionId, at: tx.now))
        if record.state == .available { try serveQueue(freed: command.unitId, tx) }
    }

    private func saveUnit(_ record: UnitRecord, _ tx: Transaction) throws {
        try tx.run("""
            INSERT INTO units (id, state, incident_id, lat, lon, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, incident_id = excluded.incident_id, lat = excluded.lat, lon = excluded.lon, updated_at = excluded.updated_at
            """, [record.unit.id, record.state.rawValue, record.incidentId, record.position.lat, record.position.lon, tx.now.timeIntervalSince1970])
    }

    static func incident(from row: Row) -> Incident {
        var grid: GridLocation?
        if let gridId: String = row["grid_id"] {
            grid = GridLocation(gridId: gridId, stationId: row["station_id"], postId: row["post_id"], regionId: row["region_id"], urban: row["urban"] ?? false)
        }
        var coordinate: Coordinate?
        if let lat: Double = row["lat"], let lon: Double = row["lon"] { coordinate = Coordinate(lat: lat, lon: lon) }
        return Incident(id: row["id"], category: Category(rawValue: row["category"]) ?? .helpRequest, priority: row["priority"],
                        coordinate: coordinate, grid: grid, openedAt: Date(timeIntervalSince1970: row["opened_at"]))
    }
}
