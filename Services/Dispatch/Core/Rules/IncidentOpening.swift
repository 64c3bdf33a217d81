import Foundation
import Model

/// How an opened incident enters dispatch: whether it is major (重大警情), which station
/// commands it, and the facts its rules look at.
public enum IncidentOpening {
    /// The incident as dispatch tracks it, from intake's `incident.opened`.
    public static func activeIncident(_ opened: IncidentOpened, rules: DispatchRules, jurisdiction: Jurisdiction) -> ActiveIncident {
        let major = rules.isMajor(
            category: opened.category, priority: opened.priority, casualties: opened.casualties,
            description: opened.description)
        let grid = opened.place.grid
        // On a major incident the region's centre station takes command of its member stations.
        let commandStation = major ? grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId } : grid?.stationId
        let facts = DispatchFacts(
            category: opened.category, casualties: opened.casualties, partiesConsent: opened.partiesConsent,
            grid: grid, major: major)
        return ActiveIncident(
            id: opened.incidentId, facts: facts, priority: opened.priority, channel: opened.channel,
            coordinate: opened.place.coordinate, openedAt: opened.receivedAt, commandStationId: commandStation)
    }
}

/// One notice to chiefs (五长制) about an incident.
public struct ChiefNotice: Sendable, Hashable {
    public var officers: [Officer]
    public var role: ChiefRole
    public var reason: String
    public var schoolId: String?
}

/// Which chiefs are told of an incident: the grid chief always, the school chief inside a
/// school's geofence, the road chief for road incidents (or 122 calls), and the centre station's
/// duty chiefs on a major incident. An officer is told once per role (the caller de-duplicates).
public struct ChiefSelection: Sendable {
    public let jurisdiction: Jurisdiction
    /// Grid chiefs by grid, in officer id order (computed once: every incident asks).
    private let gridChiefs: [String: [Officer]]
    /// Officers by role and station, in id order; and the schools with their boxes, in the
    /// jurisdiction's order. Asking the jurisdiction scanned every officer and every school's
    /// polygon for each incident opened, which grew with the city.
    private let byRole: [RoleAtStation: [Officer]]
    private let schools: [(school: School, box: BoundingBox)]

    private struct RoleAtStation: Hashable {
        var role: ChiefRole
        var stationId: String
    }

    public init(jurisdiction: Jurisdiction) {
        self.jurisdiction = jurisdiction
        var gridChiefs: [String: [Officer]] = [:]
        var chiefs: [RoleAtStation: [Officer]] = [:]
        for officer in jurisdiction.officers.values.sorted(by: { $0.id < $1.id }) {
            if officer.roles.contains(.gridChief) {
                for g in officer.gridIds { gridChiefs[g, default: []].append(officer) }
            }
            if let station = officer.stationId {
                for role in Set(officer.roles) { chiefs[RoleAtStation(role: role, stationId: station), default: []].append(officer) }
            }
        }
        self.gridChiefs = gridChiefs
        byRole = chiefs
        schools = jurisdiction.schools.map { ($0, $0.geofence.boundingBox) }
    }

    /// What `jurisdiction.officers(role:station:grid:)` gives, from the index.
    func officers(role: ChiefRole, station stationId: String, grid gridId: String? = nil) -> [Officer] {
        let all = byRole[RoleAtStation(role: role, stationId: stationId)] ?? []
        guard let gridId else { return all }
        return all.filter { $0.gridIds.contains(gridId) }
    }

    /// What `jurisdiction.school(containing:)` gives, from the boxes computed once.
    func school(containing point: Coordinate) -> School? {
        schools.first { $0.box.contains(point) && $0.school.geofence.contains(point) }?.school
    }

    /// The notices for `incident`, in the order they are published; none for an unlocated one.
    public func notices(for incident: ActiveIncident) -> [ChiefNotice] {
        guard let grid = incident.grid else { return [] }
        var out = [
            ChiefNotice(
                officers: gridChiefs[grid.gridId] ?? officers(role: .gridChief, station: grid.stationId),
                role: .gridChief, reason: "grid")
        ]
        if let point = incident.coordinate, let school = school(containing: point) {
            let schoolStation = jurisdiction.grid(school.gridId)?.stationId ?? grid.stationId
            var chiefs = officers(role: .schoolChief, station: schoolStation, grid: school.gridId)
            if chiefs.isEmpty { chiefs = officers(role: .schoolChief, station: schoolStation) }
            out.append(ChiefNotice(officers: chiefs, role: .schoolChief, reason: "school", schoolId: school.id))
        }
        if incident.facts.isRoadIncident || incident.channel == .traffic {
            var chiefs = officers(role: .roadChief, station: grid.stationId, grid: grid.gridId)
            if chiefs.isEmpty { chiefs = officers(role: .roadChief, station: grid.stationId) }
            out.append(ChiefNotice(officers: chiefs, role: .roadChief, reason: "road"))
        }
        if incident.facts.major, let centre = incident.commandStationId {
            out.append(ChiefNotice(officers: officers(role: .dutyChief, station: centre), role: .dutyChief, reason: "major"))
        }
        return out
    }
}
