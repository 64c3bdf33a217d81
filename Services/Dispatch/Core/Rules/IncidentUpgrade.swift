import Foundation
import Model

/// What an `incident.upgraded` does to an incident dispatch holds: its new facts and priority,
/// the needs it adds (the difference between the initial needs of the new facts and of the old),
/// and whether it has just become major (the centre station then takes command).
public struct UpgradeOutcome: Sendable, Hashable {
    public var incident: ActiveIncident
    /// Needs to serve now, in serving order.
    public var addedNeeds: [Need]
    public var becameMajor: Bool
}

/// A call merged into an open incident changes it (issue 15, point 1): `nil` fields of the event
/// leave a fact as it was; the needs of the old facts are not served twice.
public enum IncidentUpgrade {
    public static func apply(
        _ upgrade: IncidentUpgraded, to old: ActiveIncident, rules: DispatchRules, policy: DispatchPolicy, jurisdiction: Jurisdiction
    ) -> UpgradeOutcome {
        var incident = old
        var facts = old.facts
        if let category = upgrade.category { facts.category = category }
        if let casualties = upgrade.casualties { facts.casualties = max(facts.casualties, casualties) }
        if let priority = upgrade.priority { incident.priority = priority }
        facts.major =
            upgrade.major
            ?? (old.facts.major || rules.isMajor(category: facts.category, priority: incident.priority, casualties: facts.casualties))
        incident.facts = facts
        let becameMajor = facts.major && !old.facts.major
        if becameMajor, let grid = facts.grid {
            incident.commandStationId = jurisdiction.regions[grid.regionId]?.centreStationId ?? incident.commandStationId
        }
        // Count what the old facts already asked for; only the surplus is new.
        var before: [NeedKind: Int] = [:]
        for need in policy.initialNeeds(old.facts, rules: rules) { before[need.kind, default: 0] += 1 }
        var added: [Need] = []
        for need in policy.initialNeeds(facts, rules: rules) where need.kind != .primary {
            if let left = before[need.kind], left > 0 {
                before[need.kind] = left - 1
            } else {
                added.append(need)
            }
        }
        return UpgradeOutcome(incident: incident, addedNeeds: added, becameMajor: becameMajor)
    }
}
