import Bus
import EventStore
import Foundation
import GRDB
import Model

/// The points ledger (110积分制): every award is one row naming the officer, the rule and the
/// event that earned it, so a total can be explained line by line.
public final class ScoringCore: ServiceCore {
    public enum Command: Sendable {}
    public enum Reply: Sendable {}

    /// Points per rule. The defaults are documented in the README.
    public struct Rules: Sendable {
        public var dispatched: Double = 1
        public var closed: [Outcome: Double] = [.resolvedOnScene: 3, .mediated: 3, .caseOpened: 2, .transferredTo12345: 1, .falseReport: 0.5]
        public init() {}
    }

    let rules: Rules

    public init(rules: Rules = Rules()) {
        self.rules = rules
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("scoring-v1") { db in
            try db.execute(sql: """
                CREATE TABLE ledger (
                    award_id TEXT PRIMARY KEY, officer_id TEXT NOT NULL, unit_id TEXT, incident_id TEXT NOT NULL,
                    rule TEXT NOT NULL, points REAL NOT NULL, earned_by TEXT NOT NULL, station_id TEXT, at REAL NOT NULL);
                CREATE INDEX ledger_officer ON ledger(officer_id);
                CREATE INDEX ledger_incident ON ledger(incident_id);
                CREATE TABLE assignments (incident_id TEXT NOT NULL, unit_id TEXT NOT NULL, station_id TEXT, PRIMARY KEY (incident_id, unit_id));
                """)
        }
    }

    public func load(_ db: Database) throws {}

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {}

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case UnitAssigned.type:
            let assigned = try tx.decode(UnitAssigned.self, from: event)
            try tx.run("INSERT OR IGNORE INTO assignments (incident_id, unit_id, station_id) VALUES (?, ?, ?)",
                              [assigned.incidentId, assigned.unitId, assigned.stationId])
            for officer in assigned.officerIds {
                try award(officer: officer, unit: assigned.unitId, incident: assigned.incidentId, rule: "dispatched",
                          points: rules.dispatched, earnedBy: event.header.id, station: assigned.stationId, at: assigned.assignedAt, tx)
            }
        case FieldReported.type:
            // Only closing earns points; the stage is in the topic, so the rest is never decoded.
            guard event.topic.hasPrefix("dispatch.field.closed.") else { return }
            let report = try tx.decode(FieldReported.self, from: event)
            guard report.stage == .closed, let outcome = report.outcome, let points = rules.closed[outcome] else { return }
            let station = try tx.fetchOne(String.self, "SELECT station_id FROM assignments WHERE incident_id = ? AND unit_id = ?", [report.incidentId, report.unitId])
            for officer in report.officerIds {
                try award(officer: officer, unit: report.unitId, incident: report.incidentId, rule: "closed.\(outcome.rawValue)",
                          points: points, earnedBy: event.header.id, station: station, at: report.at, tx)
            }
        default:
            return
        }
    }

    /// One row per (incident, officer, rule): a replayed event cannot award twice.
    func award(officer: String, unit: String?, incident: String, rule: String, points: Double, earnedBy: String, station: String?, at: Date, _ tx: Transaction) throws {
        let awardId = "\(incident):\(officer):\(rule)"
        try tx.run("""
            INSERT OR IGNORE INTO ledger (award_id, officer_id, unit_id, incident_id, rule, points, earned_by, station_id, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [awardId, officer, unit, incident, rule, points, earnedBy, station, at.timeIntervalSince1970])
        guard tx.db.changesCount > 0 else { return }
        try tx.emit(PointsAwarded(awardId: awardId, officerId: officer, unitId: unit, incidentId: incident, rule: rule, points: points,
                                  earnedBy: [earnedBy], stationId: station, at: at))
    }
}
