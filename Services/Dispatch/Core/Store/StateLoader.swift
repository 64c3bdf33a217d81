import Foundation
import GRDB
import Model

/// What dispatch holds in memory, rebuilt from its tables at start (and after a failed
/// transaction): every unit, every incident not closed with its units, and the queue.
struct LoadedState {
    var fleet: Fleet
    var incidents: [String: ActiveIncident]
    var queue: WaitingQueue

    static func load(_ db: Database, jurisdiction: Jurisdiction) throws -> LoadedState {
        LoadedState(fleet: try fleet(db, jurisdiction), incidents: try openIncidents(db), queue: try queue(db))
    }

    /// Every unit of the city; one never stored is available at its home position.
    private static func fleet(_ db: Database, _ jurisdiction: Jurisdiction) throws -> Fleet {
        var stored: [String: Row] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM units") { stored[row["id"]] = row }
        return Fleet(
            jurisdiction.units.map { unit in
                let region = CityDesk.commandRegion(of: unit, in: jurisdiction)
                guard let row = stored[unit.id] else { return TrackedUnit(unit: unit, regionId: region) }
                return TrackedUnit(
                    unit: unit, state: UnitState(rawValue: row["state"]) ?? .available, incidentId: row["incident_id"],
                    position: Coordinate(lat: row["lat"], lon: row["lon"]), offReason: row["off_reason"], regionId: region)
            })
    }

    private static func openIncidents(_ db: Database) throws -> [String: ActiveIncident] {
        var incidents: [String: ActiveIncident] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM incidents WHERE status NOT IN ('closed', 'elsewhere')") {
            let incident = activeIncident(from: row)
            incidents[incident.id] = incident
        }
        let sql = """
            SELECT a.incident_id, a.unit_id, a.need, a.active, a.signed_off FROM assignments a JOIN incidents i ON i.id = a.incident_id
            WHERE i.status != 'closed'
            """
        for row in try Row.fetchAll(db, sql: sql) {
            let id: String = row["incident_id"]
            guard incidents[id] != nil else { continue }
            let unitId: String = row["unit_id"]
            incidents[id]!.tried.insert(unitId)
            if (row["active"] as Int? ?? 0) == 1 {
                let need = DispatchStore.decodeNeed(row["need"]) ?? Need(kind: .primary)
                incidents[id]!.active[unitId] = ActiveAssignment(need: need, signedOff: (row["signed_off"] as Int? ?? 0) == 1)
            }
        }
        return incidents
    }

    static func activeIncident(from row: Row) -> ActiveIncident {
        var grid: GridLocation?
        if let gridId: String = row["grid_id"] {
            grid = GridLocation(
                gridId: gridId, stationId: row["station_id"], postId: row["post_id"], regionId: row["region_id"],
                urban: row["urban"] ?? false)
        }
        var coordinate: Coordinate?
        if let lat: Double = row["lat"], let lon: Double = row["lon"] { coordinate = Coordinate(lat: lat, lon: lon) }
        let facts = DispatchFacts(
            category: Category(rawValue: row["category"]) ?? .helpRequest, casualties: row["casualties"] ?? 0,
            partiesConsent: (row["consent"] as Int? ?? 0) == 1, grid: grid, major: (row["major"] as Int? ?? 0) == 1)
        var headline: IncidentHeadline?
        if let unitId: String = row["unit_id"], let rule: String = row["rule"], let assignedAt: Double = row["assigned_at"] {
            headline = IncidentHeadline(unitId: unitId, rule: rule, assignedAt: Date(timeIntervalSince1970: assignedAt))
        }
        var incident = ActiveIncident(
            id: row["id"], facts: facts, priority: row["priority"],
            channel: (row["channel"] as String?).flatMap(Channel.init(rawValue:)), coordinate: coordinate,
            openedAt: Date(timeIntervalSince1970: row["opened_at"]), commandStationId: row["command_station_id"],
            caseReferred: (row["case_referred"] as Int? ?? 0) == 1, headline: headline)
        incident.cityWideOnly = (row["city_only"] as Int? ?? 0) == 1
        return incident
    }

    /// The queue in serving order; a row whose need no longer decodes is skipped.
    private static func queue(_ db: Database) throws -> WaitingQueue {
        WaitingQueue(
            try Row.fetchAll(db, sql: "SELECT * FROM queue ORDER BY priority, id").compactMap { row in
                guard let need = DispatchStore.decodeNeed(row["need"]) else { return nil }
                return QueueEntry(
                    id: row["id"], incidentId: row["incident_id"], need: need, priority: row["priority"],
                    queuedAt: Date(timeIntervalSince1970: row["queued_at"]), level: row["level"])
            })
    }
}
