import Foundation

/// A WGS-84 position in decimal degrees.
public struct Coordinate: Codable, Sendable, Hashable {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }

    /// Great-circle distance in metres (haversine; plenty for a city).
    public func distance(to other: Coordinate) -> Double {
        let r = 6_371_000.0
        let dLat = (other.lat - lat) * .pi / 180
        let dLon = (other.lon - lon) * .pi / 180
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(lat * .pi / 180) * cos(other.lat * .pi / 180) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(a)))
    }

    public var isValid: Bool { lat.isFinite && lon.isFinite && (-90...90).contains(lat) && (-180...180).contains(lon) }
}

/// A bounding box, to skip point-in-polygon tests cheaply.
public struct BoundingBox: Codable, Sendable, Hashable {
    public var minLat: Double
    public var minLon: Double
    public var maxLat: Double
    public var maxLon: Double

    public init(minLat: Double, minLon: Double, maxLat: Double, maxLon: Double) {
        self.minLat = minLat
        self.minLon = minLon
        self.maxLat = maxLat
        self.maxLon = maxLon
    }

    public func contains(_ p: Coordinate) -> Bool {
        p.lat >= minLat && p.lat <= maxLat && p.lon >= minLon && p.lon <= maxLon
    }
}

/// A GeoJSON `Polygon`: an outer ring and optional holes, `[lon, lat]` pairs.
public struct GeoPolygon: Codable, Sendable, Hashable {
    public var type: String
    public var coordinates: [[[Double]]]

    public init(rings: [[Coordinate]]) {
        type = "Polygon"
        coordinates = rings.map { $0.map { [$0.lon, $0.lat] } }
    }

    public var outerRing: [Coordinate] {
        (coordinates.first ?? []).compactMap { $0.count >= 2 ? Coordinate(lat: $0[1], lon: $0[0]) : nil }
    }

    /// The outer ring's box (all zero for an empty ring), in one pass: lookups by position
    /// ask it of every candidate polygon, and building the ring's coordinates for it each time
    /// grew with the city.
    public var boundingBox: BoundingBox {
        var box: BoundingBox?
        for position in coordinates.first ?? [] where position.count >= 2 {
            let (lon, lat) = (position[0], position[1])
            guard var b = box else {
                box = BoundingBox(minLat: lat, minLon: lon, maxLat: lat, maxLon: lon)
                continue
            }
            b.minLat = min(b.minLat, lat)
            b.minLon = min(b.minLon, lon)
            b.maxLat = max(b.maxLat, lat)
            b.maxLon = max(b.maxLon, lon)
            box = b
        }
        return box ?? BoundingBox(minLat: 0, minLon: 0, maxLat: 0, maxLon: 0)
    }

    public var centroid: Coordinate {
        let ring = outerRing.dropLast()
        guard !ring.isEmpty else { return Coordinate(lat: 0, lon: 0) }
        return Coordinate(lat: ring.map(\.lat).reduce(0, +) / Double(ring.count), lon: ring.map(\.lon).reduce(0, +) / Double(ring.count))
    }

    /// Problems that make the polygon unusable, or `nil`.
    public var problem: String? {
        guard type == "Polygon" else { return "geometry type is '\(type)', expected 'Polygon'" }
        guard let outer = coordinates.first, outer.count >= 4 else { return "outer ring needs at least 4 positions" }
        for ring in coordinates {
            if ring.contains(where: { $0.count < 2 || !Coordinate(lat: $0[1], lon: $0[0]).isValid }) {
                return "a position is not [lon, lat] in range"
            }
            if ring.first != ring.last { return "a ring is not closed (first position != last)" }
        }
        return nil
    }

    /// Point in polygon (even-odd rule over every ring, so holes are excluded).
    public func contains(_ p: Coordinate) -> Bool {
        var inside = false
        for ring in coordinates {
            var j = ring.count - 1
            for i in 0..<ring.count {
                // Walk every edge bottom-up, so two grids sharing an edge compute the same crossing
                // to the last bit and a point on the edge lands in exactly one of them.
                var (xa, ya, xb, yb) = (ring[i][0], ring[i][1], ring[j][0], ring[j][1])
                if ya > yb {
                    swap(&xa, &xb)
                    swap(&ya, &yb)
                }
                if (ya > p.lat) != (yb > p.lat), p.lon < (xb - xa) * (p.lat - ya) / (yb - ya) + xa {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }
}
