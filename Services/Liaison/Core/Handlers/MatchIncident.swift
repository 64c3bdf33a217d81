import EventStore
import Foundation
import Model

/// intake's `incident.opened`: every enterprise the incident touches (named, inside its geofence,
/// at its address) gets a record and an `opened` alert; dispatch events that arrived before the
/// incident are applied now. An incident seen for the first time that touches no enterprise is
/// remembered in `atNoEnterprise`, so that its dispatch events are dropped without a query; the
/// store is asked for parked events only when `parked` says there are some.
struct MatchIncident {
    let alerts = SendAlerts()
    let dispatch: FollowDispatch

    func apply(
        _ opened: IncidentOpened.Fields, registry: Registry, atNoEnterprise: inout RecentIncidents, parked: inout Set<String>, _ tx: Transaction
    ) throws {
        let firstSeen = try IncidentStore.markSeen(opened.incidentId, at: opened.receivedAt, tx)
        let matches = registry.matches(place: opened.place, namedEnterprise: opened.enterpriseId)
        if firstSeen && matches.isEmpty { atNoEnterprise.insert(opened.incidentId) }
        for match in matches {
            let incident = IncidentState(opened, match: match)
            guard try IncidentStore.insert(incident, tx) else { continue }
            let detail = AlertRules.OfficerDetail(
                description: opened.description, address: opened.place.address, coordinate: opened.place.coordinate,
                stationId: opened.place.grid?.stationId)
            try alerts.transition(
                incident, .init(name: "opened", status: "open"), outcome: nil, at: opened.receivedAt, registry: registry,
                detail: detail, tx)
        }
        guard parked.remove(opened.incidentId) != nil else { return }
        for event in try IncidentStore.unpark(opened.incidentId, tx) {
            try dispatch.applyParked(type: event.type, payload: event.payload, registry: registry, tx)
        }
    }
}
