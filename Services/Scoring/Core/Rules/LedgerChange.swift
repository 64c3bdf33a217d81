import Foundation
import Model

/// Where and what a ledger line is about, stored with it so rankings by area need no join.
public struct LedgerContext: Sendable, Hashable {
    public var stationId: String?
    public var postId: String?
    public var regionId: String?
    public var gridId: String?
    /// The station of the unit that earned it (a support unit may come from another station).
    public var unitStationId: String?
    public var category: String?

    public init(stationId: String?, postId: String?, regionId: String?, gridId: String?, unitStationId: String?, category: String?) {
        self.stationId = stationId
        self.postId = postId
        self.regionId = regionId
        self.gridId = gridId
        self.unitStationId = unitStationId
        self.category = category
    }
}

/// A ledger line as stored.
public struct LedgerEntry: Sendable, Hashable {
    public var award: Award
    public var context: LedgerContext
    public var rulesVersion: String
    public var revision: Int
    /// The award's time as stored (seconds since 1970): compared as stored, so that an unchanged
    /// award is never rewritten for a rounding of the time's representation.
    public var storedAt: Double

    public init(award: Award, context: LedgerContext, rulesVersion: String, revision: Int, storedAt: Double? = nil) {
        self.award = award
        self.context = context
        self.rulesVersion = rulesVersion
        self.revision = revision
        self.storedAt = storedAt ?? award.at.timeIntervalSince1970
    }

    /// Whether `award`, in `context` under `rulesVersion`, is this line unchanged.
    func matches(_ award: Award, context: LedgerContext, rulesVersion: String) -> Bool {
        self.award.points == award.points && self.award.earnedBy == award.earnedBy && storedAt == award.at.timeIntervalSince1970
            && self.award.unitId == award.unitId && self.award.explanation == award.explanation && self.context == context
            && self.rulesVersion == rulesVersion
    }
}

/// What re-deriving one incident changes in the ledger: the lines to write and to delete, and
/// the one `PointsAwarded` event that tells the bus.
public struct LedgerChange: Sendable {
    public var writes: [LedgerEntry] = []
    public var withdrawals: [String] = []
    /// The lines whose points changed (or that are new or withdrawn), as published.
    public var lines: [PointsLine] = []
    public var added = 0
    public var changed = 0
    let incidentId: String
    let stationId: String?
    let rulesVersion: String

    /// Compares the incident's new awards with its stored lines. A line is rewritten when anything
    /// about it changed (points, evidence, time, unit, explanation, context, rule version); only a
    /// change of points (or unit) is news on the bus. A stored line no award matches is withdrawn
    /// (a line with 0 points and `withdrawn`).
    public init(incident: IncidentRecord, awards: [Award], stored: [LedgerEntry], rulesVersion: String) {
        incidentId = incident.incidentId
        stationId = incident.stationId
        self.rulesVersion = rulesVersion
        var existing = Dictionary(stored.map { ($0.award.awardId, $0) }, uniquingKeysWith: { a, _ in a })
        let unitStation = Dictionary(incident.units.map { ($0.unitId, $0.stationId) }, uniquingKeysWith: { a, _ in a })
        for a in awards {
            let old = existing.removeValue(forKey: a.awardId)
            let context = LedgerContext(
                stationId: incident.stationId, postId: incident.postId, regionId: incident.regionId, gridId: incident.gridId,
                unitStationId: a.unitId.flatMap { unitStation[$0] ?? nil }, category: incident.category?.rawValue)
            if let old, old.matches(a, context: context, rulesVersion: rulesVersion) { continue }
            let revision = (old?.revision ?? 0) + 1
            writes.append(LedgerEntry(award: a, context: context, rulesVersion: rulesVersion, revision: revision))
            if old == nil { added += 1 } else { changed += 1 }
            if old == nil || old!.award.points != a.points || old!.award.unitId != a.unitId {
                lines.append(
                    PointsLine(
                        awardId: a.awardId, officerId: a.officerId, unitId: a.unitId, rule: a.rule, points: a.points, earnedBy: a.earnedBy,
                        at: a.at, revision: revision, previousPoints: old?.award.points, explanation: a.explanation))
            }
        }
        for (awardId, old) in existing.sorted(by: { $0.key < $1.key }) {
            withdrawals.append(awardId)
            lines.append(
                PointsLine(
                    awardId: awardId, officerId: old.award.officerId, unitId: old.award.unitId, rule: old.award.rule, points: 0, earnedBy: [],
                    at: old.award.at, revision: old.revision + 1, previousPoints: old.award.points, withdrawn: true))
        }
    }

    public var withdrawn: Int { withdrawals.count }

    /// The event to publish, or nil when no line's points changed.
    public var event: PointsAwarded? {
        lines.isEmpty ? nil : PointsAwarded(incidentId: incidentId, stationId: stationId, rulesVersion: rulesVersion, lines: lines)
    }
}
