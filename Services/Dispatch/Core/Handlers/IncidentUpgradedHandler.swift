import EventStore
import Foundation
import GRDB
import Model

// `incident.upgraded` from intake (issue 15, point 1): a merged call changed an open incident;
// dispatch takes the new facts and serves the new needs at once (一警双派 for an accident that
// now has casualties).
extension Dispatcher {
    func upgrade(_ upgraded: IncidentUpgraded, _ tx: Transaction) throws {
        // Not this instance's, or already closed: nothing to serve. The city desk may hold another
        // region's incident aside (`elsewhere`) until a change brings it a city-wide need.
        guard let old = try incidents[upgraded.incidentId] ?? DispatchStore.heldElsewhere(incidentId: upgraded.incidentId, tx) else { return }
        var outcome = IncidentUpgrade.apply(upgraded, to: old, rules: rules, policy: policy, jurisdiction: jurisdiction)
        outcome.addedNeeds = CityDesk.needs(outcome.addedNeeds, servesRegion: !old.cityWideOnly, scope: scope)
        let incident = outcome.incident
        try DispatchStore.updateFacts(incident, tx)
        if incident.cityWideOnly {
            // Only an incident the desk already holds can have needs waiting.
            if incidents[incident.id] != nil {
                incidents[incident.id] = incident
                factsChanged(incident.id)
            }
            guard !outcome.addedNeeds.isEmpty || outcome.becameMajor else { return }
            if incidents[incident.id] == nil { try DispatchStore.markCityWide(incidentId: incident.id, elsewhere: false, tx) }
            incidents[incident.id] = incident
            try note(incident.id, "upgraded", nil, "\(upgraded.reason); city-wide needs of region \(incident.regionKey)", tx)
            if outcome.becameMajor {
                try DispatchStore.insertEchelons(EchelonPlan.later(rules.ptuEchelons, openedAt: tx.now), incidentId: incident.id, tx)
            }
            for need in outcome.addedNeeds {
                try sendOrQueue(need, to: incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
            }
            return
        }
        incidents[incident.id] = incident
        factsChanged(incident.id)
        let facts = incident.facts
        try tx.emit(
            DispatchUpgraded(
                incidentId: incident.id, callId: upgraded.callId, regionId: incident.grid?.regionId, category: facts.category,
                priority: incident.priority, major: facts.major, casualties: facts.casualties,
                needsAdded: outcome.addedNeeds.map(\.role), reason: upgraded.reason, at: tx.now))
        let added = outcome.addedNeeds.map(\.role).joined(separator: ", ")
        try note(incident.id, "upgraded", nil, "\(upgraded.reason)\(added.isEmpty ? "" : "; adds \(added)")", tx)

        if outcome.becameMajor, let grid = incident.grid {
            let command = incident.commandStationId ?? "?"
            try tx.emit(
                IncidentEscalated(
                    incidentId: incident.id, regionId: grid.regionId, reason: "major", level: 1, commandStationId: incident.commandStationId,
                    note: "upgraded: centre station \(command) takes command of the region's units", at: tx.now))
            try note(incident.id, "escalated", nil, "major: centre station \(command) commands", tx)
            if scope.isCityDesk {
                try DispatchStore.insertEchelons(EchelonPlan.later(rules.ptuEchelons, openedAt: tx.now), incidentId: incident.id, tx)
            }
            for officer in jurisdiction.officers(role: .dutyChief, station: command) {
                try tx.emit(
                    ChiefNotified(
                        incidentId: incident.id, officerId: officer.id, role: .dutyChief, reason: "major", regionId: grid.regionId,
                        stationId: grid.stationId, gridId: grid.gridId, schoolId: nil, at: tx.now))
            }
        }
        for need in outcome.addedNeeds {
            try sendOrQueue(need, to: incident.id, reason: "no available unit for \(need.kind.rawValue)", tx)
        }
    }
}

extension DispatchStore {
    /// Marks an incident the city desk holds for another region: `elsewhere` while it has no
    /// city-wide need (not loaded, not listed), else open for its city-wide needs.
    static func markCityWide(incidentId: String, elsewhere: Bool, _ tx: Transaction) throws {
        if elsewhere {
            try tx.run("UPDATE incidents SET city_only = 1, status = 'elsewhere' WHERE id = ?", [incidentId])
        } else {
            try tx.run(
                "UPDATE incidents SET city_only = 1, status = CASE status WHEN 'elsewhere' THEN 'open' ELSE status END WHERE id = ?", [incidentId])
        }
    }

    /// Another region's incident the city desk holds aside, as dispatch would track it.
    static func heldElsewhere(incidentId: String, _ tx: Transaction) throws -> ActiveIncident? {
        try Row.fetchOne(tx.db, sql: "SELECT * FROM incidents WHERE id = ? AND status = 'elsewhere'", arguments: [incidentId]).map {
            LoadedState.activeIncident(from: $0)
        }
    }

    /// The incident's facts after an upgrade.
    static func updateFacts(_ incident: ActiveIncident, _ tx: Transaction) throws {
        let f = incident.facts
        try tx.run(
            "UPDATE incidents SET category = ?, priority = ?, casualties = ?, major = ?, command_station_id = ? WHERE id = ?",
            [f.category.rawValue, incident.priority, f.casualties, f.major ? 1 : 0, incident.commandStationId, incident.id])
    }
}
