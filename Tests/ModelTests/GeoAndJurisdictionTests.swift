import Foundation
import Model
import Testing

/// The package root, found from this file: Tests/ModelTests/<file> → three levels up.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let demoCity = packageRoot.appendingPathComponent("cities/demo")

/// Loaded once for the tests that only read it.
let demo: Result<Jurisdiction, ConfigurationError> = Result { try Jurisdiction.load(from: demoCity) }
    .mapError { ($0 as? ConfigurationError) ?? ConfigurationError(file: "?", problem: "\($0)") }

@Suite("Coordinate and GeoPolygon")
struct GeoTests {
    @Test("one degree of latitude is about 111 km, anywhere")
    func degreeOfLatitude() {
        for lon in [0.0, 117.7, -75] {
            let d = Coordinate(lat: 36.8, lon: lon).distance(to: Coordinate(lat: 37.8, lon: lon))
            #expect(abs(d - 111_195) < 200, "got \(d) m")
        }
        #expect(abs(Coordinate(lat: 0, lon: 0).distance(to: Coordinate(lat: 1, lon: 0)) - 111_195) < 200)
    }

    @Test("a degree of longitude shrinks with latitude; distance is symmetric and zero to itself")
    func distanceSanity() {
        let equator = Coordinate(lat: 0, lon: 117).distance(to: Coordinate(lat: 0, lon: 118))
        let sixty = Coordinate(lat: 60, lon: 117).distance(to: Coordinate(lat: 60, lon: 118))
        #expect(abs(sixty / equator - 0.5) < 0.001)
        let a = Coordinate(lat: 36.85, lon: 117.72)
        let b = Coordinate(lat: 36.95, lon: 117.81)
        #expect(a.distance(to: b) == b.distance(to: a))
        #expect(a.distance(to: a) == 0)
        // Antipodes: half the circumference.
        #expect(abs(Coordinate(lat: 0, lon: 0).distance(to: Coordinate(lat: 0, lon: 180)) - .pi * 6_371_000) < 1)
    }

    @Test("isValid rejects out-of-range and non-finite positions")
    func validity() {
        #expect(Coordinate(lat: 36.8, lon: 117.6).isValid)
        #expect(!Coordinate(lat: 91, lon: 0).isValid)
        #expect(!Coordinate(lat: 0, lon: -180.5).isValid)
        #expect(!Coordinate(lat: .nan, lon: 0).isValid)
    }

    // A 10 × 10 square (lon 0…10, lat 0…10) with a 2 × 2 hole in the middle.
    static let square = [
        Coordinate(lat: 0, lon: 0), Coordinate(lat: 0, lon: 10), Coordinate(lat: 10, lon: 10), Coordinate(lat: 10, lon: 0),
        Coordinate(lat: 0, lon: 0),
    ]
    static let hole = [
        Coordinate(lat: 4, lon: 4), Coordinate(lat: 6, lon: 4), Coordinate(lat: 6, lon: 6), Coordinate(lat: 4, lon: 6), Coordinate(lat: 4, lon: 4),
    ]

    @Test("point in polygon: inside, outside, and inside a hole")
    func pointInPolygon() {
        let solid = GeoPolygon(rings: [Self.square])
        let holed = GeoPolygon(rings: [Self.square, Self.hole])
        #expect(solid.contains(Coordinate(lat: 5, lon: 5)))
        #expect(solid.contains(Coordinate(lat: 1, lon: 9)))
        #expect(!solid.contains(Coordinate(lat: 11, lon: 5)))
        #expect(!solid.contains(Coordinate(lat: 5, lon: -0.01)))
        #expect(!holed.contains(Coordinate(lat: 5, lon: 5)), "the hole is excluded")
        #expect(holed.contains(Coordinate(lat: 2, lon: 2)))
        #expect(holed.contains(Coordinate(lat: 5, lon: 7)))
        #expect(!holed.contains(Coordinate(lat: -1, lon: 5)))
        // A concave (L-shaped) polygon: the notch is outside.
        let l = GeoPolygon(rings: [
            [
                Coordinate(lat: 0, lon: 0), Coordinate(lat: 0, lon: 4), Coordinate(lat: 2, lon: 4), Coordinate(lat: 2, lon: 2),
                Coordinate(lat: 4, lon: 2), Coordinate(lat: 4, lon: 0), Coordinate(lat: 0, lon: 0),
            ]
        ])
        #expect(l.contains(Coordinate(lat: 1, lon: 3)))
        #expect(l.contains(Coordinate(lat: 3, lon: 1)))
        #expect(!l.contains(Coordinate(lat: 3, lon: 3)))
    }

    @Test("GeoJSON order is [lon, lat]; bounding box and centroid")
    func geometry() throws {
        let p = GeoPolygon(rings: [Self.square])
        #expect(p.coordinates[0][1] == [10, 0])
        #expect(p.boundingBox == BoundingBox(minLat: 0, minLon: 0, maxLat: 10, maxLon: 10))
        #expect(p.centroid == Coordinate(lat: 5, lon: 5))
        let decoded = try JSONDecoder().decode(
            GeoPolygon.self, from: Data(#"{"type":"Polygon","coordinates":[[[117.6,36.8],[117.7,36.8],[117.7,36.9],[117.6,36.8]]]}"#.utf8))
        #expect(decoded.outerRing.first == Coordinate(lat: 36.8, lon: 117.6))
        #expect(decoded.problem == nil)
    }

    @Test("problem names what makes a polygon unusable")
    func problems() {
        #expect(GeoPolygon(rings: [Self.square]).problem == nil)
        #expect(GeoPolygon(rings: [Array(Self.square.dropLast())]).problem?.contains("not closed") == true)
        #expect(GeoPolygon(rings: [Self.square, Array(Self.hole.dropLast())]).problem?.contains("not closed") == true)
        #expect(GeoPolygon(rings: [Array(Self.square.prefix(3))]).problem?.contains("at least 4") == true)
        #expect(
            GeoPolygon(rings: [[Coordinate(lat: 0, lon: 0), Coordinate(lat: 0, lon: 200), Coordinate(lat: 1, lon: 1), Coordinate(lat: 0, lon: 0)]])
                .problem?.contains("range") == true)
        var multi = GeoPolygon(rings: [Self.square])
        multi.type = "MultiPolygon"
        #expect(multi.problem?.contains("MultiPolygon") == true)
    }
}

@Suite("Jurisdiction")
struct JurisdictionTests {
    @Test("the demo city loads with every record")
    func loadsDemo() throws {
        let j = try demo.get()
        #expect(j.city.id == "demo")
        #expect(j.regions.count == 5)
        #expect(j.stations.count == 17)
        #expect(j.posts.count == 1)
        #expect(j.grids.count == 42)
        #expect(j.units.count == 105)
        #expect(j.officers.count == 205)
        #expect(j.grid("G001")?.stationId == "S01")
        #expect(j.grid("G999") == nil)
    }

    @Test("locate puts each grid's centroid in that grid, with the right station, post and region")
    func locateCentroids() throws {
        let j = try demo.get()
        for grid in j.grids {
            let location = try #require(j.locate(grid.polygon.centroid), "centroid of \(grid.id)")
            #expect(location.gridId == grid.id)
            #expect(location.stationId == grid.stationId)
            #expect(location.postId == grid.postId)
            #expect(location.urban == grid.urban)
            let station = try #require(j.stations[grid.stationId])
            #expect(location.regionId == station.regionId)
            #expect(j.regions[station.regionId]?.memberStationIds.contains(station.id) == true)
            if let post = grid.postId { #expect(j.posts[post]?.stationIds.contains(station.id) == true) }
        }
    }

    @Test("the chain for a known point: G001 → S01 → R1; an urban grid has post P1")
    func knownChain() throws {
        let j = try demo.get()
        let g001 = try #require(j.grid("G001"))
        #expect(j.locate(g001.polygon.centroid) == GridLocation(gridId: "G001", stationId: "S01", postId: nil, regionId: "R1", urban: false))
        let urban = try #require(j.locate(Coordinate(lat: 36.855746, lon: 117.723495)))  // demo call 1, 黛溪
        #expect(urban.postId == "P1")
        #expect(urban.urban)
        #expect(["S14", "S15", "S16"].contains(urban.stationId))
        #expect(urban.regionId == "R5")
    }

    @Test("every station building lies in one of its own grids")
    func stationsInTheirGrids() throws {
        let j = try demo.get()
        for station in j.stations.values {
            #expect(j.locate(station.location)?.stationId == station.id, "station \(station.id)")
        }
    }

    @Test(
        "a point outside the city is not located",
        arguments: [
            Coordinate(lat: 36.5, lon: 117.0), Coordinate(lat: 37.0001, lon: 117.7), Coordinate(lat: 36.9, lon: 117.5999),
            Coordinate(lat: 0, lon: 0),
        ])
    func outside(point: Coordinate) throws {
        #expect(try demo.get().locate(point) == nil)
    }

    @Test("the grids tile the bbox: points on a fine lattice all land in exactly one grid")
    func tiling() throws {
        let j = try demo.get()
        let box = j.city.bbox
        for i in 1..<20 {
            for k in 1..<20 {
                let p = Coordinate(
                    lat: box.minLat + (box.maxLat - box.minLat) * (Double(i) + 0.37) / 20,
                    lon: box.minLon + (box.maxLon - box.minLon) * (Double(k) + 0.61) / 20)
                guard box.contains(p) else { continue }
                let hits = j.grids.filter { $0.polygon.contains(p) }
                #expect(hits.count == 1, "\(p) is in \(hits.map(\.id))")
                #expect(j.locate(p)?.gridId == hits.first?.id)
            }
        }
    }

    @Test("a point on an edge or a vertex shared by grids belongs to exactly one of them")
    func sharedEdges() throws {
        let j = try demo.get()
        let box = j.city.bbox
        var checked = 0
        for grid in j.grids {
            let ring = grid.polygon.outerRing
            for (a, b) in zip(ring, ring.dropFirst()) {
                for t in [0.0, 0.25, 0.5, 0.75] {
                    let p = Coordinate(lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + (b.lon - a.lon) * t)
                    // The outer boundary of the city belongs to no neighbour.
                    guard p.lat > box.minLat, p.lat < box.maxLat, p.lon > box.minLon, p.lon < box.maxLon else { continue }
                    let hits = j.grids.filter { $0.polygon.contains(p) }.map(\.id)
                    #expect(hits.count == 1, "\(p) on an edge of \(grid.id) is in \(hits)")
                    checked += 1
                }
            }
        }
        #expect(checked > 100)
    }

    @Test("the enterprise registry and address book load, and agree with the grids")
    func enterprisesAndAddresses() throws {
        let j = try demo.get()
        let enterprises = try Enterprise.load(from: demoCity)
        let addresses = try AddressBook.load(from: demoCity)
        #expect(enterprises.count == 30)
        #expect(addresses.count == 198)
        #expect(Set(enterprises.filter(\.zeroDisturbance).map(\.id)) == ["E0004", "E0007", "E0010", "E0015", "E0021"])
        for e in enterprises {
            #expect(j.locate(e.location)?.gridId == e.gridId, "enterprise \(e.id)")
            #expect(e.geofence.contains(e.location), "enterprise \(e.id)")
            #expect(addresses[e.address] == e.location, "enterprise \(e.id)")
        }
    }
}

// MARK: Broken configurations

/// A private copy of the demo city that a test may break.
struct CityCopy: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-city-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: demoCity, to: url)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Rewrites `file` (a JSON object) through `edit`.
    func edit(_ file: String, _ edit: (inout [String: Any]) throws -> Void) throws {
        let fileURL = url.appendingPathComponent(file)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fileURL)) as? [String: Any])
        try edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: fileURL)
    }
}

@Suite("Broken jurisdictions")
struct BrokenJurisdictionTests {
    func loadError(_ city: borrowing CityCopy) throws -> ConfigurationError {
        try #require(throws: ConfigurationError.self) { try Jurisdiction.load(from: city.url) }
    }

    @Test("the unmodified copy loads (so the failures below are the edits)")
    func copyLoads() throws {
        let city = try CityCopy()
        try city.edit("jurisdiction.json") { _ in }
        #expect(try Jurisdiction.load(from: city.url).units.count == 105)
    }

    @Test("a unit with an unknown stationId names file, unit and problem")
    func unknownStation() throws {
        let city = try CityCopy()
        try city.edit("jurisdiction.json") { j in
            var units = j["units"] as! [[String: Any]]
            units[0]["stationId"] = "S99"
            j["units"] = units
        }
        let error = try loadError(city)
        #expect(error.file == "jurisdiction.json")
        #expect(error.record == "unit U001")
        #expect(error.problem.contains("stationId 'S99'"))
        #expect(error.description == "jurisdiction.json: unit U001: stationId 'S99' is not a station")
    }

    @Test("a grid polygon that is not closed names file, grid and problem")
    func openRing() throws {
        let city = try CityCopy()
        try city.edit("grids.geojson") { g in
            var features = g["features"] as! [[String: Any]]
            var geometry = features[3]["geometry"] as! [String: Any]
            var rings = geometry["coordinates"] as! [[[Double]]]
            rings[0][rings[0].count - 1] = [117.7, 36.9]
            geometry["coordinates"] = rings
            features[3]["geometry"] = geometry
            g["features"] = features
        }
        let error = try loadError(city)
        #expect(error.file == "grids.geojson")
        #expect(error.record == "grid G004")
        #expect(error.problem.contains("not closed"))
    }

    struct BrokenReference: Sendable, CustomTestStringConvertible {
        var list: String, field: String, value: String, record: String, problem: String
        var testDescription: String { "\(list)[0].\(field) = \(value)" }
    }

    @Test(
        "other broken references each name their record",
        arguments: [
            BrokenReference(list: "regions", field: "centreStationId", value: "S77", record: "region R1", problem: "centreStationId 'S77'"),
            BrokenReference(list: "stations", field: "regionId", value: "R9", record: "station S01", problem: "regionId 'R9'"),
            BrokenReference(list: "units", field: "homeGridId", value: "G999", record: "unit U001", problem: "homeGridId 'G999'"),
            BrokenReference(list: "units", field: "responsePointId", value: "RP99", record: "unit U001", problem: "responsePointId 'RP99'"),
        ])
    func brokenReference(_ broken: BrokenReference) throws {
        let city = try CityCopy()
        try city.edit("jurisdiction.json") { j in
            var list = j[broken.list] as! [[String: Any]]
            list[0][broken.field] = broken.value
            j[broken.list] = list
        }
        let error = try loadError(city)
        #expect(error.file == "jurisdiction.json")
        #expect(error.record == broken.record)
        #expect(error.problem.contains(broken.problem))
    }

    @Test("a duplicate id is refused")
    func duplicate() throws {
        let city = try CityCopy()
        try city.edit("jurisdiction.json") { j in
            var stations = j["stations"] as! [[String: Any]]
            stations.append(stations[0])
            j["stations"] = stations
        }
        let error = try loadError(city)
        #expect(error.record == "station S01")
        #expect(error.problem == "duplicate id")
    }

    @Test("a field of the wrong type names the field path")
    func wrongType() throws {
        let city = try CityCopy()
        try city.edit("jurisdiction.json") { j in
            var stations = j["stations"] as! [[String: Any]]
            stations[2]["urban"] = "yes"
            j["stations"] = stations
        }
        let error = try loadError(city)
        #expect(error.file == "jurisdiction.json")
        #expect(error.record == "stations[2].urban")
        #expect(error.problem.contains("wrong type"))
    }

    @Test("a missing file names the file")
    func missingFile() throws {
        let city = try CityCopy()
        try FileManager.default.removeItem(at: city.url.appendingPathComponent("grids.geojson"))
        let error = try loadError(city)
        #expect(error.file == "grids.geojson")
        #expect(error.problem.contains("cannot be read"))
    }
}
