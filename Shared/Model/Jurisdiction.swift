import Foundation

// The jurisdiction of one bureau: who exists and where (DOMAIN.md §1–2). Loaded from the city
// folder (`cities/demo/` is the demo city; its README documents every field).

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

/// A configuration file that could not be used: which file, which record, what is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var record: String?
    public var problem: String

    public init(file: String, record: String? = nil, problem: String) {
        self.file = file
        self.record = record
        self.problem = problem
    }

    public var description: String { "\(file)\(record.map { ": \($0)" } ?? ""): \(problem)" }
}

public struct Jurisdiction: Sendable {
    public struct City: Codable, Sendable {
        public var id: String
        public var name: String
        public var bbox: BoundingBox
    }

    public var city: City
    public var regions: [String: Region]
    public var stations: [String: Station]
    public var squadrons: [String: Squadron]
    public var posts: [String: Post]
    public var responsePoints: [String: ResponsePoint]
    public var schools: [School]
    public var officers: [String: Officer]
    public var units: [FieldUnit]
    public var grids: [Grid]
    private var gridIndex: [String: Int]

    public func grid(_ id: String) -> Grid? { gridIndex[id].map { grids[$0] } }

    /// The grid containing `point`, with its station, post and region; `nil` outside the jurisdiction.
    public func locate(_ point: Coordinate) -> GridLocation? {
        guard city.bbox.contains(point) else { return nil }
        for grid in grids where grid.boundingBox.contains(point) && grid.polygon.contains(point) {
            guard let station = stations[grid.stationId] else { continue }
            return GridLocation(gridId: grid.id, stationId: station.id, postId: grid.postId, regionId: station.regionId, urban: grid.urban)
        }
        return nil
    }

    // MARK: Loading

    private struct File: Decodable {
        var city: City
        var regions: [Region]
        var stations: [Station]
        var squadrons: [Squadron]
        var posts: [Post]
        var responsePoints: [ResponsePoint]
        var schools: [School]
        var officers: [Officer]
        var units: [FieldUnit]
    }

    private struct GridFile: Decodable {
        struct Feature: Decodable {
            struct Properties: Decodable {
                var id: String
                var name: String
                var stationId: String
                var postId: String?
                var urban: Bool
                var neighbourIds: [String]
            }
            var properties: Properties
            var geometry: GeoPolygon
        }
        var features: [Feature]
    }

    /// Loads `jurisdiction.json` and `grids.geojson` from `directory` and checks every reference.
    public static func load(from directory: URL) throws -> Jurisdiction {
        let file: File = try decodeFile(directory.appendingPathComponent("jurisdiction.json"))
        let gridFile: GridFile = try decodeFile(directory.appendingPathComponent("grids.geojson"))
        var grids: [Grid] = []
        for feature in gridFile.features {
            let p = feature.properties
            if let problem = feature.geometry.problem {
                throw ConfigurationError(file: "grids.geojson", record: "grid \(p.id)", problem: problem)
            }
            grids.append(
                Grid(
                    id: p.id, name: p.name, stationId: p.stationId, postId: p.postId, urban: p.urban,
                    neighbourIds: p.neighbourIds, polygon: feature.geometry, boundingBox: feature.geometry.boundingBox))
        }
        let j = try Jurisdiction(file: file, grids: grids)
        try j.validate()
        return j
    }

    private init(file: File, grids: [Grid]) throws {
        func index<T: Identifiable>(_ items: [T], _ fileName: String, _ kind: String) throws -> [String: T] where T.ID == String {
            var out: [String: T] = [:]
            for item in items {
                guard out.updateValue(item, forKey: item.id) == nil else {
                    throw ConfigurationError(file: fileName, record: "\(kind) \(item.id)", problem: "duplicate id")
                }
            }
            return out
        }
        city = file.city
        regions = try index(file.regions, "jurisdiction.json", "region")
        stations = try index(file.stations, "jurisdiction.json", "station")
        squadrons = try index(file.squadrons, "jurisdiction.json", "squadron")
        posts = try index(file.posts, "jurisdiction.json", "post")
        responsePoints = try index(file.responsePoints, "jurisdiction.json", "response point")
        officers = try index(file.officers, "jurisdiction.json", "officer")
        _ = try index(file.units, "jurisdiction.json", "unit")
        _ = try index(grids, "grids.geojson", "grid")
        schools = file.schools
        units = file.units
        self.grids = grids
        gridIndex = Dictionary(uniqueKeysWithValues: grids.enumerated().map { ($1.id, $0) })
    }

    private func validate() throws {
        let f = "jurisdiction.json"
        for r in regions.values {
            guard stations[r.centreStationId] != nil else {
                throw ConfigurationError(file: f, record: "region \(r.id)", problem: "centreStationId '\(r.centreStationId)' is not a station")
            }
            for s in r.memberStationIds where stations[s] == nil {
                throw ConfigurationError(file: f, record: "region \(r.id)", problem: "member station '\(s)' is not a station")
            }
            for s in r.squadronIds where squadrons[s] == nil {
                throw ConfigurationError(file: f, record: "region \(r.id)", problem: "squadron '\(s)' is not a squadron")
            }
        }
        for s in stations.values where regions[s.regionId] == nil {
            throw ConfigurationError(file: f, record: "station \(s.id)", problem: "regionId '\(s.regionId)' is not a region")
        }
        for p in posts.values {
            for s in p.stationIds where stations[s] == nil {
                throw ConfigurationError(file: f, record: "post \(p.id)", problem: "station '\(s)' is not a station")
            }
        }
        for g in grids {
            guard stations[g.stationId] != nil else {
                throw ConfigurationError(file: "grids.geojson", record: "grid \(g.id)", problem: "stationId '\(g.stationId)' is not a station")
            }
            if let p = g.postId, posts[p] == nil {
                throw ConfigurationError(file: "grids.geojson", record: "grid \(g.id)", problem: "postId '\(p)' is not a post")
            }
        }
        for u in units {
            let record = "unit \(u.id)"
            if let s = u.stationId, stations[s] == nil {
                throw ConfigurationError(file: f, record: record, problem: "stationId '\(s)' is not a station")
            }
            if let s = u.squadronId, squadrons[s] == nil {
                throw ConfigurationError(file: f, record: record, problem: "squadronId '\(s)' is not a squadron")
            }
            if let g = u.homeGridId, gridIndex[g] == nil {
                throw ConfigurationError(file: f, record: record, problem: "homeGridId '\(g)' is not a grid")
            }
            if let r = u.responsePointId, responsePoints[r] == nil {
                throw ConfigurationError(file: f, record: record, problem: "responsePointId '\(r)' is not a response point")
            }
            for o in u.officerIds where officers[o] == nil {
                throw ConfigurationError(file: f, record: record, problem: "officer '\(o)' is not an officer")
            }
            guard u.position.isValid else { throw ConfigurationError(file: f, record: record, problem: "position is not a valid coordinate") }
            if let problem = u.kindProblem { throw ConfigurationError(file: f, record: record, problem: problem) }
            if let shift = u.shift, shift.minutes == nil {
                throw ConfigurationError(
                    file: f, record: record, problem: "shift '\(shift.start)'–'\(shift.end)' is not two \"HH:MM\" times of day (end may be \"24:00\")"
                )
            }
        }
        try validateMore()
    }

    /// Checks added for dispatch: every reference an officer, school or response point makes resolves.
    private func validateMore() throws {
        let f = "jurisdiction.json"
        for r in regions.values where !r.memberStationIds.contains(r.centreStationId) {
            throw ConfigurationError(
                file: f, record: "region \(r.id)", problem: "centre station '\(r.centreStationId)' is not one of its memberStationIds")
        }
        for o in officers.values {
            if let s = o.stationId, stations[s] == nil {
                throw ConfigurationError(file: f, record: "officer \(o.id)", problem: "stationId '\(s)' is not a station")
            }
            for g in o.gridIds where gridIndex[g] == nil {
                throw ConfigurationError(file: f, record: "officer \(o.id)", problem: "grid '\(g)' is not a grid")
            }
        }
        for p in responsePoints.values {
            guard p.minutes > 0 else {
                throw ConfigurationError(file: f, record: "response point \(p.id)", problem: "minutes must be > 0 (got \(p.minutes))")
            }
            for g in p.gridIds where gridIndex[g] == nil {
                throw ConfigurationError(file: f, record: "response point \(p.id)", problem: "grid '\(g)' is not a grid")
            }
        }
        for school in schools {
            guard gridIndex[school.gridId] != nil else {
                throw ConfigurationError(file: f, record: "school \(school.id)", problem: "gridId '\(school.gridId)' is not a grid")
            }
            if let problem = school.geofence.problem {
                throw ConfigurationError(file: f, record: "school \(school.id)", problem: "geofence: \(problem)")
            }
        }
    }
}

/// Decodes a configuration file, turning decoding errors into messages naming file and field.
public func decodeFile<T: Decodable>(_ url: URL) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
        throw ConfigurationError(file: url.lastPathComponent, problem: "cannot be read (\(url.path)): \(error.localizedDescription)")
    }
    do { return try JSONCodec.decoder().decode(T.self, from: data) } catch {
        let (field, reason) = describe(error)
        throw ConfigurationError(file: url.lastPathComponent, record: field.isEmpty ? nil : field, problem: reason)
    }
}

// MARK: Lookups (dispatch)

extension Shift {
    /// Start and end as minutes of the day (end in 1...1440), or `nil` when malformed.
    public var minutes: (start: Int, end: Int)? {
        func parse(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
                (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440
            else { return nil }
            return h * 60 + m
        }
        guard let s = parse(start), let e = parse(end), s < 1440 else { return nil }
        return (s, e)
    }

    /// Whether `minuteOfDay` (0..<1440, local time) falls in the shift; a night shift wraps midnight.
    public func contains(minuteOfDay m: Int) -> Bool {
        guard let (s, e) = minutes else { return true }
        if s == e || (s == 0 && e == 1440) { return true }
        return s < e ? (m >= s && m < e) : (m >= s || m < e)
    }
}

extension FieldUnit {
    /// Why the unit's kind does not fit its other fields, or `nil`.
    public var kindProblem: String? {
        switch kind {
        case .patrolCar, .motorcycle, .stationDuty, .mediatorPair:
            if stationId == nil { return "a \(kind.rawValue) unit needs a stationId" }
            if kind == .mediatorPair && !qualifications.contains(.mediatorCertified) {
                return "a mediatorPair unit needs the mediatorCertified qualification"
            }
        case .trafficSquadron:
            if squadronId == nil { return "a trafficSquadron unit needs a squadronId" }
        case .accidentDivision, .ptu:
            break
        }
        if officerIds.isEmpty { return "a unit needs at least one officer" }
        return nil
    }
}

extension Jurisdiction {
    /// The region a unit belongs to: its station's, its squadron's, else its home grid's; `nil`
    /// for city-wide units (the accident division).
    public func regionId(of unit: FieldUnit) -> String? {
        if let s = unit.stationId { return stations[s]?.regionId }
        if let q = unit.squadronId { return squadrons[q]?.regionId }
        if let g = unit.homeGridId, let grid = grid(g) { return stations[grid.stationId]?.regionId }
        return nil
    }

    /// The street post covering a grid, if any.
    public func post(ofGrid gridId: String) -> Post? { grid(gridId)?.postId.flatMap { posts[$0] } }

    /// The school whose geofence contains `point`.
    public func school(containing point: Coordinate) -> School? {
        schools.first { $0.geofence.boundingBox.contains(point) && $0.geofence.contains(point) }
    }

    /// Officers of `stationId` (or of any station when `nil`) holding `role`, optionally bound to `gridId`.
    public func officers(role: ChiefRole, station stationId: String?, grid gridId: String? = nil) -> [Officer] {
        officers.values.filter { o in
            o.roles.contains(role) && (stationId == nil || o.stationId == stationId) && (gridId == nil || o.gridIds.contains(gridId!))
        }.sorted { $0.id < $1.id }
    }

    /// Officers of a station's team (两队一室).
    public func officers(team: Team, station stationId: String) -> [Officer] {
        officers.values.filter { $0.stationId == stationId && $0.team == team }.sorted { $0.id < $1.id }
    }

    /// The area's response promise: the fewest minutes of any response point covering the grid.
    public func responseMinutes(grid gridId: String) -> Int? {
        responsePoints.values.filter { $0.gridIds.contains(gridId) }.map(\.minutes).min()
    }
}
