import EventStore
import Foundation
import GRDB
import Model

// MARK: Units and the queue

extension DispatchStore {
    /// The unit's state row, as dispatch holds it now.
    static func saveUnit(_ record: TrackedUnit, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO units (id, state, incident_id, lat, lon, updated_at, off_reason) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET state = excluded.state, incident_id = excluded.incident_id, lat = excluded.lat, lon = excluded.lon,
                updated_at = excluded.updated_at, off_reason = excluded.off_reason
            """,
            [
                record.id, record.state.rawValue, record.incidentId, record.position.lat, record.position.lon,
                tx.now.timeIntervalSince1970, record.offReason,
            ])
    }

    /// Queues `need` of `incident`; the new entry (its id is the row's).
    static func insertQueued(_ need: Need, _ incident: ActiveIncident, _ tx: Transaction) throws -> QueueEntry {
        try tx.run(
            "INSERT INTO queue (incident_id, need, priority, region_id, queued_at) VALUES (?, ?, ?, ?, ?)",
            [incident.id, try encode(need), incident.priority, incident.grid?.regionId, tx.now.timeIntervalSince1970])
        return QueueEntry(id: tx.db.lastInsertedRowID, incidentId: incident.id, need: need, priority: incident.priority, queuedAt: tx.now)
    }

    static func deleteQueued(id: Int64, _ tx: Transaction) throws {
        try tx.run("DELETE FROM queue WHERE id = ?", [id])
    }

    static func deleteQueued(incidentId: String, _ tx: Transaction) throws {
        try tx.run("DELETE FROM queue WHERE incident_id = ?", [incidentId])
    }

    static func escalateQueued(id: Int64, _ tx: Transaction) throws {
        try tx.run("UPDATE queue SET level = 2 WHERE id = ?", [id])
    }
}
