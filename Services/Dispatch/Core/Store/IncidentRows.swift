import EventStore
import Foundation
import GRDB
import Model

// MARK: Incidents, assignments, field reports, timeline

extension DispatchStore {
    /// Records a newly opened incident; false when it was already recorded (a replayed event).
    static func insertIncident(_ incident: ActiveIncident, _ tx: Transaction) throws -> Bool {
        let grid = incident.grid
        let facts = incident.facts
        try tx.run(
            """
            INSERT OR IGNORE INTO incidents (id, category, priority, status, region_id, station_id, grid_id, post_id, urban, lat, lon,
                                             opened_at, casualties, consent, channel, major, command_station_id)
            VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                incident.id, facts.category.rawValue, incident.priority, grid?.regionId, grid?.stationId, grid?.gridId, grid?.postId,
                grid?.urban, incident.coordinate?.lat, incident.coordinate?.lon, incident.openedAt.timeIntervalSince1970,
                facts.casualties, facts.partiesConsent ? 1 : 0, incident.channel?.rawValue, facts.major ? 1 : 0,
                incident.commandStationId,
            ])
        return tx.db.changesCount > 0
    }

    /// A unit was sent; the incident is assigned, known by `headline`.
    static func insertAssignment(
        incidentId: String, choice: UnitChoice, need: Need, eta: Double, headline: IncidentHeadline,
        _ tx: Transaction
    ) throws {
        try tx.run(
            """
            INSERT OR IGNORE INTO assignments (incident_id, unit_id, rule, at, role, need, active, distance, eta)
            VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
            """, [incidentId, choice.unitId, choice.rule, tx.now.timeIntervalSince1970, need.role, try encode(need), choice.distance, eta])
        try tx.run(
            "UPDATE incidents SET status = 'assigned', assigned_at = ?, unit_id = ?, rule = ? WHERE id = ?",
            [headline.assignedAt.timeIntervalSince1970, headline.unitId, headline.rule, incidentId])
    }

    static func markQueued(incidentId: String, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET status = 'queued' WHERE id = ?", [incidentId])
    }

    static func markSignedOff(incidentId: String, unitId: String, _ tx: Transaction) throws {
        try tx.run("UPDATE assignments SET signed_off = 1 WHERE incident_id = ? AND unit_id = ?", [incidentId, unitId])
    }

    /// The unit left the incident: its assignment ends and its own timers stop.
    static func endAssignment(incidentId: String, unitId: String, reason: String, _ tx: Transaction) throws {
        let now = tx.now.timeIntervalSince1970
        try tx.run(
            "UPDATE assignments SET active = 0, ended_at = ?, end_reason = ? WHERE incident_id = ? AND unit_id = ?",
            [now, reason, incidentId, unitId])
        try tx.run(
            """
            UPDATE timers SET state = 'cancelled', ended_at = ? WHERE incident_id = ? AND unit_id = ? AND state IN ('pending', 'warned')
            """, [now, incidentId, unitId])
    }

    static func markCaseReferred(incidentId: String, _ tx: Transaction) throws {
        try tx.run("UPDATE incidents SET case_referred = 1 WHERE id = ?", [incidentId])
    }

    /// The incident closed: the close timer is met, every other running timer is cancelled and
    /// no later echelon will be sent.
    static func closeIncident(incidentId: String, outcome: Outcome, _ tx: Transaction) throws {
        let now = tx.now.timeIntervalSince1970
        try tx.run("UPDATE incidents SET status = 'closed', closed_at = ?, outcome = ? WHERE id = ?", [now, outcome.rawValue, incidentId])
        try stopTimer(.close, incidentId: incidentId, unitId: nil, tx)
        try tx.run("UPDATE timers SET state = 'cancelled', ended_at = ? WHERE incident_id = ? AND state IN ('pending', 'warned')", [now, incidentId])
        try tx.run("UPDATE echelons SET done = 1 WHERE incident_id = ?", [incidentId])
    }

    /// Records a field report; false when this unit already reported this stage on this incident.
    static func insertFieldReport(_ command: FieldCommand, _ tx: Transaction) throws -> Bool {
        try tx.run(
            "INSERT OR IGNORE INTO field_reports (incident_id, unit_id, stage, at, outcome) VALUES (?, ?, ?, ?, ?)",
            [command.incidentId, command.unitId, command.stage.rawValue, tx.now.timeIntervalSince1970, command.outcome?.rawValue])
        return tx.db.changesCount > 0
    }

    /// One line of the incident's timeline (`GET /v1/incidents/<id>/timeline`).
    static func timeline(_ incidentId: String, _ kind: String, _ unitId: String?, _ detail: String, _ tx: Transaction) throws {
        try tx.run(
            "INSERT INTO timeline (incident_id, at, kind, unit_id, detail) VALUES (?, ?, ?, ?, ?)",
            [incidentId, tx.now.timeIntervalSince1970, kind, unitId, detail.isEmpty ? nil : detail])
    }
}
