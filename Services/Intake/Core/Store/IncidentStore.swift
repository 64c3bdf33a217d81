import EventStore
import Foundation
import GRDB
import Model

/// The `incidents` table: what calls opened, how many joined, and whether dispatch closed it.
enum IncidentStore {
    /// A new open incident, opened by `callId`.
    static func insert(
        _ id: String, n: Int, callId: String, category: Category, receivedAt: Date, request: CallRequest, _ d: CallDecision,
        _ tx: Transaction
    ) throws {
        let c = d.classification
        try tx.run(
            """
            INSERT INTO incidents (id, n, opened_at, call_id, category, priority, status, region_id, station_id, post_id, grid_id, lat, lon, address,
                                   enterprise_related, casualties, last_call_at, call_count)
            VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
            """,
            [
                id, n, receivedAt.timeIntervalSince1970, callId, category.rawValue, c?.priority, d.located?.regionId, d.located?.stationId,
                d.located?.postId, d.located?.gridId, d.coordinate?.lat, d.coordinate?.lon, request.location?.address,
                c?.enterpriseRelated ?? false, c?.casualties ?? 0, receivedAt.timeIntervalSince1970,
            ])
    }

    /// The incident as a merged call leaves it.
    struct Merged {
        var callCount: Int
        var regionId: String?
        var category: Category?
    }

    /// Counts one more call into `incidentId`; its latest call and casualties only grow.
    static func addCall(to incidentId: String, receivedAt: Date, casualties: Int, _ tx: Transaction) throws -> Merged {
        try tx.run(
            """
            UPDATE incidents SET call_count = call_count + 1, last_call_at = MAX(last_call_at, ?), casualties = MAX(casualties, ?) WHERE id = ?
            """, [receivedAt.timeIntervalSince1970, casualties, incidentId])
        let row = try Row.fetchOne(
            tx.db.cachedStatement(sql: "SELECT call_count, region_id, category FROM incidents WHERE id = ?"),
            arguments: [incidentId])!
        return Merged(
            callCount: row["call_count"], regionId: row["region_id"],
            category: (row["category"] as String?).flatMap(Category.init(rawValue:)))
    }

    /// Open incidents of one of `categories` inside the box whose latest call is at or after `since`.
    static func openIncidents(
        categories: [Category], lat: ClosedRange<Double>, lon: ClosedRange<Double>, since: Date,
        _ db: Database
    ) throws -> [MergePolicy.OpenIncident] {
        let marks = categories.map { _ in "?" }.joined(separator: ", ")
        return try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, lat, lon FROM incidents
                    WHERE status = 'open' AND category IN (\(marks)) AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND last_call_at >= ?
                    """),
            arguments: StatementArguments(
                categories.map { $0.rawValue as any DatabaseValueConvertible }
                    + [lat.lowerBound, lat.upperBound, lon.lowerBound, lon.upperBound, since.timeIntervalSince1970])
        ).map {
            MergePolicy.OpenIncident(incidentId: $0["id"], coordinate: Coordinate(lat: $0["lat"], lon: $0["lon"]))
        }
    }

    /// Closes an open incident; `false` when it was not open (already closed, or unknown).
    static func close(_ incidentId: String, at: Date, outcome: Outcome?, _ tx: Transaction) throws -> Bool {
        try tx.run(
            "UPDATE incidents SET status = 'closed', closed_at = ?, close_outcome = ? WHERE id = ? AND status = 'open'",
            [at.timeIntervalSince1970, outcome?.rawValue, incidentId])
        return tx.db.changesCount > 0
    }
}
