import Foundation

// The organisation of a city (DOMAIN.md §1–2): regions, stations, squadrons, posts, response
// points, schools, officers, units, grids. `Jurisdiction` loads and indexes them.

public struct Region: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    /// The centre station (中心派出所) with priority command over the region on major incidents.
    public var centreStationId: String
    public var memberStationIds: [String]
    public var squadronIds: [String]
}

public struct Station: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var regionId: String
    public var urban: Bool
    public var location: Coordinate
    /// Set when the station and a traffic squadron are one (交所合一).
    public var mergedSquadronId: String?
}

public struct Squadron: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var regionId: String
    public var location: Coordinate
}

/// A street police post (警务站) that takes every urban incident of the stations it covers.
public struct Post: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var stationIds: [String]
    public var location: Coordinate
}

/// A response point: a unit parked here reaches the listed grids within `minutes`.
public struct ResponsePoint: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var minutes: Int
    public var location: Coordinate
    public var gridIds: [String]
}

public struct School: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var gridId: String
    public var geofence: GeoPolygon
}

public enum Team: String, Codable, Sendable, CaseIterable {
    case communityPolicing, caseHandling, commandRoom
}

/// The five chiefs (五长制).
public enum ChiefRole: String, Codable, Sendable, CaseIterable {
    case dutyChief, schoolChief, detectiveChief, gridChief, roadChief
}

public enum Qualification: String, Codable, Sendable, CaseIterable {
    /// 初级事故处理资格: may handle minor accidents.
    case accidentPrimary
    /// 司法调解员证书: certified mediator.
    case mediatorCertified
    case armed
}

public struct Officer: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var stationId: String?
    public var team: Team
    public var roles: [ChiefRole]
    public var gridIds: [String]
    public var qualifications: [Qualification]
    /// 辅警 (auxiliary officer).
    public var auxiliary: Bool
}

public enum UnitKind: String, Codable, Sendable, CaseIterable {
    case patrolCar, motorcycle, stationDuty, accidentDivision, trafficSquadron, ptu, mediatorPair
}

public struct Shift: Codable, Sendable, Hashable {
    /// "HH:mm", local time; `end` may be "24:00" or earlier than `start` (a night shift).
    public var start: String
    public var end: String
}

public struct FieldUnit: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var callSign: String
    public var kind: UnitKind
    public var stationId: String?
    public var squadronId: String?
    public var homeGridId: String?
    public var officerIds: [String]
    public var qualifications: [Qualification]
    public var responsePointId: String?
    public var shift: Shift?
    public var position: Coordinate
}

/// A grid (警格): the smallest patrol area, with its polygon.
public struct Grid: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var stationId: String
    public var postId: String?
    public var urban: Bool
    public var neighbourIds: [String]
    public var polygon: GeoPolygon
    public var boundingBox: BoundingBox
}

/// Where a point falls: its grid and the station, post and region above it.
public struct GridLocation: Codable, Sendable, Hashable {
    public var gridId: String
    public var stationId: String
    public var postId: String?
    public var regionId: String
    public var urban: Bool

    public init(gridId: String, stationId: String, postId: String?, regionId: String, urban: Bool) {
        self.gridId = gridId
        self.stationId = stationId
        self.postId = postId
        self.regionId = regionId
        self.urban = urban
    }
}
