import EventStore
import Foundation
import GRDB
import Model

/// Enterprise cases (`cases`) and their ledger (`case_ledger`): every change to a case's figures
/// is a row at its event time, so totals can be taken over any period.
enum CaseStore {
    static func cases(_ db: Database, caseId: String? = nil, enterpriseId: String? = nil, officerId: String? = nil) throws -> [EnterpriseCase] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM cases WHERE (? IS NULL OR case_id = ?) AND (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR officer_id = ?)
                ORDER BY opened_at, case_id
                """, arguments: [caseId, caseId, enterpriseId, enterpriseId, officerId, officerId]
        ).map { row in
            EnterpriseCase(
                caseId: row["case_id"], enterpriseId: row["enterprise_id"], officerId: row["officer_id"], incidentId: row["incident_id"],
                title: row["title"], status: EnterpriseCase.Status(rawValue: row["status"]) ?? .open,
                suspectsCaught: row["suspects_caught"], lossesRecovered: Double(row["losses_recovered_fen"] as Int64) / 100,
                openedAt: Date(timeIntervalSince1970: row["opened_at"]),
                solvedAt: (row["solved_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
        }
    }

    static func insert(_ c: EnterpriseCase, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO cases (case_id, enterprise_id, officer_id, incident_id, title, status, suspects_caught, losses_recovered_fen, opened_at,
                               solved_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                c.caseId, c.enterpriseId, c.officerId, c.incidentId, c.title, c.status.rawValue, c.suspectsCaught, CaseRules.fen(c.lossesRecovered),
                c.openedAt.timeIntervalSince1970, c.solvedAt?.timeIntervalSince1970, c.updatedAt.timeIntervalSince1970,
            ])
    }

    static func update(_ c: EnterpriseCase, _ tx: Transaction) throws {
        try tx.run(
            """
            UPDATE cases SET incident_id = ?, title = ?, status = ?, suspects_caught = ?, losses_recovered_fen = ?, solved_at = ?, updated_at = ?
            WHERE case_id = ?
            """,
            [
                c.incidentId, c.title, c.status.rawValue, c.suspectsCaught, CaseRules.fen(c.lossesRecovered), c.solvedAt?.timeIntervalSince1970,
                c.updatedAt.timeIntervalSince1970, c.caseId,
            ])
    }

    /// One ledger row for a change of `c` at `at`.
    static func addToLedger(_ c: EnterpriseCase, _ delta: CaseRules.Delta, at: Date, _ tx: Transaction) throws {
        try tx.run(
            """
            INSERT INTO case_ledger (case_id, enterprise_id, officer_id, at, opened, solved, suspects, recovered_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [c.caseId, c.enterpriseId, c.officerId, at.timeIntervalSince1970, delta.opened, delta.solved, delta.suspects, delta.fen])
    }

    /// Totals of ledger rows with `at` in [start, end), per enterprise, per officer, or the city's (`by` nil).
    static func totals(_ db: Database, by: CaseTotalsQuery.By?, start: Double, end: Double) throws -> [CaseTotals] {
        let key =
            switch by {
            case .enterprise?: "enterprise_id"
            case .officer?: "officer_id"
            case .city?, nil: "'city'"
            }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT \(key) AS k, SUM(opened) AS o, SUM(solved) AS s, SUM(suspects) AS n, SUM(recovered_fen) AS f
                FROM case_ledger WHERE at >= ? AND at < ? GROUP BY k ORDER BY k
                """, arguments: [start, end]
        ).map { row in
            CaseTotals(
                key: row["k"], casesOpened: row["o"], casesSolved: row["s"], suspectsCaught: row["n"],
                lossesRecovered: Double(row["f"] as Int64) / 100)
        }
    }

    /// All-time totals of one enterprise or one officer.
    static func allTime(enterpriseId: String? = nil, officerId: String? = nil, _ db: Database) throws -> CaseTotals {
        let key = enterpriseId ?? officerId ?? ""
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS c, SUM(opened) AS o, SUM(solved) AS s, SUM(suspects) AS n, SUM(recovered_fen) AS f FROM case_ledger
                    WHERE (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR officer_id = ?)
                    """, arguments: [enterpriseId, enterpriseId, officerId, officerId]), (row["c"] as Int) > 0
        else { return CaseTotals(key: key) }
        return CaseTotals(
            key: key, casesOpened: row["o"], casesSolved: row["s"], suspectsCaught: row["n"],
            lossesRecovered: Double(row["f"] as Int64) / 100)
    }

    static func openCount(enterpriseId: String, _ tx: Transaction) throws -> Int {
        try tx.fetchOne(Int.self, "SELECT COUNT(*) FROM cases WHERE enterprise_id = ? AND status = 'open'", [enterpriseId]) ?? 0
    }
}
