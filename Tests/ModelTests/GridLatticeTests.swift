import Foundation
import Testing

@testable import Model

@Suite struct GridLatticeTests {
    /// The grid a scan of every grid finds first (what `locate` did before the lattice).
    static func scanned(_ j: Jurisdiction, _ point: Coordinate) -> String? {
        guard j.city.bbox.contains(point) else { return nil }
        return j.grids.first { $0.boundingBox.contains(point) && $0.polygon.contains(point) && j.stations[$0.stationId] != nil }?.id
    }

    @Test func locateFindsTheGridAScanOfEveryGridFinds() throws {
        let j = try demo.get()
        let box = j.city.bbox
        var random = SplitMix64(seed: 15)
        var points: [Coordinate] = []
        // Anywhere in and a little around the city.
        let (dLat, dLon) = ((box.maxLat - box.minLat) * 0.05, (box.maxLon - box.minLon) * 0.05)
        for _ in 0..<20_000 {
            points.append(
                Coordinate(
                    lat: box.minLat - dLat + Double(random.next() % 1_000_000) / 1_000_000 * (box.maxLat - box.minLat + 2 * dLat),
                    lon: box.minLon - dLon + Double(random.next() % 1_000_000) / 1_000_000 * (box.maxLon - box.minLon + 2 * dLon)))
        }
        // On every grid's corners and edges, where neighbouring grids meet and cells are decided.
        for grid in j.grids {
            points += grid.polygon.outerRing
            let b = grid.boundingBox
            points += [
                Coordinate(lat: b.minLat, lon: b.minLon), Coordinate(lat: b.maxLat, lon: b.maxLon), Coordinate(lat: b.minLat, lon: b.maxLon),
                Coordinate(lat: b.maxLat, lon: b.minLon),
            ]
        }
        var found = 0
        for point in points {
            let expected = Self.scanned(j, point)
            #expect(j.locate(point)?.gridId == expected, "\(point)")
            if expected != nil { found += 1 }
        }
        #expect(found > 15_000, "most points fall in a grid")
    }

    @Test func aPointOutsideEveryCellStillReachesTheEdgeCells() {
        let area = BoundingBox(minLat: 0, minLon: 0, maxLat: 1, maxLon: 1)
        let boxes = [
            BoundingBox(minLat: -1, minLon: -1, maxLat: 0.2, maxLon: 0.2), BoundingBox(minLat: 0.5, minLon: 0.5, maxLat: 2, maxLon: 2),
            BoundingBox(minLat: 0.4, minLon: 0.4, maxLat: 0.6, maxLon: 0.6),
        ]
        let lattice = GridLattice(area: area, boxes: boxes)
        #expect(lattice.candidates(Coordinate(lat: -0.5, lon: -0.5)).contains(0))
        #expect(lattice.candidates(Coordinate(lat: 1.5, lon: 1.5)) == [1])
        #expect(lattice.candidates(Coordinate(lat: 0.55, lon: 0.55)) == [1, 2])
        #expect(
            GridLattice(area: BoundingBox(minLat: 3, minLon: 3, maxLat: 3, maxLon: 3), boxes: boxes).candidates(Coordinate(lat: 3, lon: 3)) == [
                0, 1, 2,
            ])
    }
}
