import EventStore
import Foundation
import GRDB
import Model

/// The derived tables inside one engine transaction: the incident rows and the ledger.
struct LedgerWriter {
    let tx: Transaction

    /// Replaces an incident's row and its unit rows.
    func write(_ inc: IncidentRecord) throws {
        func t(_ d: Date?) -> Double? { d?.timeIntervalSince1970 }
        let stationUnits = inc.units.filter { $0.kind.map { stationUnitKinds.contains($0) } ?? false }.count
        try tx.run(
            """
            INSERT OR REPLACE INTO incidents (incident_id, received_at, start_at, category, channel, call_taker, grid_id, station_id, post_id,
                region_id, first_assigned_at, first_signed_at, first_arrived_at, first_feedback_at, closed_at, outcome, handed_over,
                station_units, units, complaints, complaints_upheld, callbacks, satisfied)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                inc.incidentId, t(inc.receivedAt), t(inc.start), inc.category?.rawValue, inc.channel?.rawValue, inc.callTaker, inc.gridId,
                inc.stationId, inc.postId, inc.regionId, t(inc.firstAssignedAt), t(inc.firstSignedAt), t(inc.firstArrivedAt),
                t(inc.firstFeedbackAt), t(inc.closedAt), inc.outcome?.rawValue, inc.handedOver, stationUnits, inc.units.count,
                inc.complaints, inc.complaintsUpheld, inc.callbacks, inc.satisfied,
            ])
        try tx.run("DELETE FROM incident_units WHERE incident_id = ?", [inc.incidentId])
        for u in inc.units {
            let officers = try JSONCodec.text(u.officerIds)
            try tx.run(
                """
                INSERT INTO incident_units (incident_id, unit_id, kind, station_id, officer_ids, role, assigned_at, signed_at, arrived_at,
                    feedback_at, closed_at, outcome, handed_over) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    inc.incidentId, u.unitId, u.kind?.rawValue, u.stationId, officers, u.role, u.assignedAt.timeIntervalSince1970,
                    t(u.signedAt), t(u.arrivedAt), t(u.feedbackAt), t(u.closedAt), u.outcome?.rawValue, u.handedOver,
                ])
        }
    }

    /// An incident's ledger lines as stored.
    func lines(of incident: String) throws -> [LedgerEntry] {
        let sql = """
            SELECT award_id, officer_id, rule, points, earned_by, at, unit_id, revision, explanation, rules_version, station_id, post_id,
                region_id, grid_id, unit_station_id, category FROM ledger WHERE incident_id = ?
            """
        return try Row.fetchAll(tx.db.cachedStatement(sql: sql), arguments: [incident]).map { row in
            let at: Double = row["at"]
            let award = Award(
                awardId: row["award_id"], officerId: row["officer_id"], unitId: row["unit_id"], incidentId: incident,
                rule: row["rule"], points: row["points"], earnedBy: LedgerReads.earnedBy(row["earned_by"]),
                at: Date(timeIntervalSince1970: at), explanation: row["explanation"])
            let context = LedgerContext(
                stationId: row["station_id"], postId: row["post_id"], regionId: row["region_id"], gridId: row["grid_id"],
                unitStationId: row["unit_station_id"], category: row["category"])
            return LedgerEntry(award: award, context: context, rulesVersion: row["rules_version"], revision: row["revision"], storedAt: at)
        }
    }

    /// Writes a change: new and changed lines, then withdrawals.
    func apply(_ change: LedgerChange) throws {
        for line in change.writes {
            let a = line.award
            let c = line.context
            let earned = try JSONCodec.text(a.earnedBy)
            try tx.run(
                """
                INSERT OR REPLACE INTO ledger (award_id, officer_id, unit_id, incident_id, rule, points, earned_by, explanation, station_id,
                    post_id, region_id, grid_id, unit_station_id, category, at, rules_version, revision)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    a.awardId, a.officerId, a.unitId, a.incidentId, a.rule, a.points, earned, a.explanation, c.stationId, c.postId,
                    c.regionId, c.gridId, c.unitStationId, c.category, a.at.timeIntervalSince1970, line.rulesVersion, line.revision,
                ])
        }
        for awardId in change.withdrawals {
            try tx.run("DELETE FROM ledger WHERE award_id = ?", [awardId])
        }
    }

    /// How many lines and how many points the ledger holds.
    func totals() throws -> (awards: Int, points: Double) {
        (try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM ledger") ?? 0, try Double.fetchOne(tx.db, sql: "SELECT TOTAL(points) FROM ledger") ?? 0)
    }
}
