import Foundation

// The jurisdiction of one bureau: who exists and where (DOMAIN.md §1–2). Loaded from the city
// folder (`cities/demo/` is the demo city; its README documents every field).

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
    public private(set) var grids: [Grid]
    private var gridIndex: [String: Int]
    private var lattice: GridLattice

    public func grid(_ id: String) -> Grid? { gridIndex[id].map { grids[$0] } }

    /// The grid containing `point`, with its station, post and region; `nil` outside the jurisdiction.
    public func locate(_ point: Coordinate) -> GridLocation? {
        guard city.bbox.contains(point) else { return nil }
        // Only the grids listed in the point's cell, each read in place.
        for candidate in lattice.candidates(point) {
            let i = Int(candidate)
            guard grids[i].boundingBox.contains(point), grids[i].polygon.contains(point), let station = stations[grids[i].stationId] else {
                continue
            }
            return GridLocation(
                gridId: grids[i].id, stationId: station.id, postId: grids[i].postId, regionId: station.regionId, urban: grids[i].urban)
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
        lattice = GridLattice(area: file.city.bbox, boxes: grids.map(\.boundingBox))
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
