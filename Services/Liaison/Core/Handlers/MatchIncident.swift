import EventStore
import Foundation
import Model

/// intake's `incident.opened`: every enterprise the incident touches (named, inside its geofence,
/// at its address) gets a record and an `opened` alert; dispatch events that arrived before the
/// incident are applied now.
struct MatchIncident {
    let alerts = SendAlerts()
    let dispatch: FollowDispatch

    func apply(_ opened: IncidentOpened.Fields, registry: Registry, _ tx: Transaction) throws {
        try IncidentStore.markSeen(opened.incidentId, at: opened.receivedAt, tx)
        for match in registry.matches(place: opened.place, namedEnterprise: opened.enterpriseId) {
            let incident = IncidentState(opened, match: match)
            guard try IncidentStore.insert(incident, tx) else { continue }
            let detail = AlertRules.OfficerDetail(
                description: opened.description, address: opened.place.address, coordinate: opened.place.coordinate,
                stationId: opened.place.grid?.stationId)
            try alerts.transition(
                incident, .init(name: "opened", status: "open"), outcome: nil, at: opened.receivedAt, registry: registry,
                detail: detail, tx)
        }
        for parked in try IncidentStore.unpark(opened.incidentId, tx) {
            try dispatch.applyParked(type: parked.type, payload: parked.payload, registry: registry, tx)
        }
    }
}
