import EventStore
import Foundation
import Model

// intake's `incident.ended`: the incident's own instance closed it. Only the city desk acts on it,
// for an incident it holds only city-wide needs of (issue 15, point 8): a need still waiting is no
// longer served, and a PTU echelon not yet sent is not sent. A city-wide unit already on its way
// finishes as it reports; with none left, the desk lets the incident go.
extension Dispatcher {
    func ended(_ ended: IncidentEnded, _ tx: Transaction) throws {
        guard let incident = incidents[ended.incidentId], incident.cityWideOnly else { return }
        try dropQueued(incidentId: incident.id, tx)
        try DispatchStore.cancelEchelons(incidentId: incident.id, tx)
        try note(incident.id, "ended", nil, "closed by its region's instance: city-wide needs still waiting are dropped", tx)
        if incident.active.isEmpty { try closeIncident(incident, outcome: ended.outcome ?? .resolvedOnScene, tx) }
    }
}
