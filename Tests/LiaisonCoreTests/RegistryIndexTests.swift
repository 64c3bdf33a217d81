import Foundation
@testable import LiaisonCore
import Model
import Testing

// The registry index finds an incident's enterprises through a grid of cells and addresses
// normalised once; it must find exactly what testing every enterprise found.

@Suite struct RegistryIndexTests {
    @Test func theDemoCityMatchesAsTheFullScanDid() {
        expectSameMatches(demoEnterprises, seed: 1)
    }

    @Test func aGeneratedBigCityMatchesAsTheFullScanDid() {
        // Twelve copies of the demo city side by side (as scripts/gen_demo_city.py tiles it), one
        // of them overlapping its neighbour, plus a site too large for the grid and a broken one.
        var city: [Enterprise] = []
        for copy in 0..<12 {
            let dLat = Double(copy / 4) * 0.2
            let dLon = Double(copy % 4) * 0.25 - (copy == 5 ? 0.2 : 0)
            for e in demoEnterprises { city.append(moved(e, copy: copy, dLat: dLat, dLon: dLon)) }
        }
        var huge = demoEnterprises[0]
        huge.id = "E-HUGE"
        huge.geofence = square(around: huge.location, halfSide: 0.5)
        var broken = demoEnterprises[1]
        broken.id = "E-BROKEN"
        broken.geofence = GeoPolygon(rings: [[broken.location, Coordinate(lat: .nan, lon: broken.location.lon), broken.location]])
        city += [huge, broken]
        #expect(city.count == 12 * demoEnterprises.count + 2)
        expectSameMatches(city, seed: 2)
    }

    /// Positions in, on the edge of and around every site, on cell boundaries and anywhere in the
    /// city; addresses that are, start with or name an enterprise's, and others.
    private func expectSameMatches(_ enterprises: [Enterprise], seed: UInt64) {
        let index = RegistryIndex(enterprises)
        let reference = FullScan(enterprises)
        var random = SplitMix64(seed: seed)
        func unit() -> Double { Double(random.next() % 1_000_000) / 1_000_000 }
        let all = enterprises.flatMap(\.geofence.outerRing).filter { $0.lat.isFinite && $0.lon.isFinite }
        let minLat = all.map(\.lat).min()! - 0.02
        let maxLat = all.map(\.lat).max()! + 0.02
        let minLon = all.map(\.lon).min()! - 0.02
        let maxLon = all.map(\.lon).max()! + 0.02

        var positions: [Coordinate?] = [nil, Coordinate(lat: 91, lon: 0), Coordinate(lat: .nan, lon: 117)]
        for e in enterprises {
            let ring = e.geofence.outerRing.filter { $0.lat.isFinite && $0.lon.isFinite }
            positions.append(e.location)
            positions += ring
            for (a, b) in zip(ring, ring.dropFirst()) { positions.append(Coordinate(lat: (a.lat + b.lat) / 2, lon: (a.lon + b.lon) / 2)) }
            let box = e.geofence.boundingBox
            guard box.minLat.isFinite, box.maxLat.isFinite else { continue }
            for _ in 0..<8 {
                positions.append(
                    Coordinate(
                        lat: box.minLat - 0.002 + (box.maxLat - box.minLat + 0.004) * unit(),
                        lon: box.minLon - 0.002 + (box.maxLon - box.minLon + 0.004) * unit()))
            }
        }
        for _ in 0..<2_000 { positions.append(Coordinate(lat: minLat + (maxLat - minLat) * unit(), lon: minLon + (maxLon - minLon) * unit())) }
        for lat in stride(from: (minLat * 100).rounded(.down), through: maxLat * 100, by: 1) {
            for lon in stride(from: (minLon * 100).rounded(.down), through: maxLon * 100, by: 7) {
                positions.append(Coordinate(lat: lat / 100, lon: lon / 100))  // on cell boundaries
            }
        }

        var addresses: [String?] = [nil, "", "  ", "邹平市无名路9号", "东门"]
        for e in enterprises.prefix(60) {
            addresses += [
                e.address, e.address + "东门", " " + e.address.replacingOccurrences(of: "1", with: "１"), "在\(e.name)门口",
                String(e.address.prefix(4)), e.name.uppercased(),
            ]
        }

        var compared = 0
        var matched = 0
        for (k, position) in positions.enumerated() {
            let address = k % 5 == 0 ? addresses[k % addresses.count] : nil
            let named = k % 11 == 0 ? enterprises[k % enterprises.count].id : (k % 13 == 0 ? "E-NONE" : nil)
            let place = IncidentPlace(coordinate: position, address: address, grid: nil)
            let found = index.matches(place: place, namedEnterprise: named)
            let expected = reference.matches(place: place, namedEnterprise: named)
            #expect(found == expected, "\(String(describing: position)) \(address ?? "-") \(named ?? "-")")
            compared += 1
            if !found.isEmpty { matched += 1 }
        }
        for address in addresses {
            let place = IncidentPlace(coordinate: nil, address: address, grid: nil)
            #expect(index.matches(place: place, namedEnterprise: nil) == reference.matches(place: place, namedEnterprise: nil))
        }
        #expect(compared > 1_000 && matched > compared / 10, "the cases reach enterprises: \(matched) of \(compared)")
    }
}

/// The lookup as it was: every active enterprise tested. (Boxes and normalised strings are
/// computed once per city here, as they are pure, or the test would take a minute.)
private struct FullScan {
    let active: [Enterprise]
    let boxes: [BoundingBox]
    let standards: [String]
    let names: [String]

    init(_ enterprises: [Enterprise]) {
        active = enterprises.sorted { $0.id < $1.id }
        boxes = active.map(\.geofence.boundingBox)
        standards = active.map { RegistryIndex.normalise($0.address) }
        names = active.map { RegistryIndex.normalise($0.name) }
    }

    func matches(place: IncidentPlace, namedEnterprise: String?) -> [Match] {
        var found: [Int: [MatchReason]] = [:]
        if let named = namedEnterprise, let i = active.firstIndex(where: { $0.id == named }) { found[i, default: []].append(.named) }
        if let c = place.coordinate, c.isValid {
            for i in active.indices where boxes[i].contains(c) && active[i].geofence.contains(c) { found[i, default: []].append(.geofence) }
        }
        if let raw = place.address {
            let address = RegistryIndex.normalise(raw)
            if !address.isEmpty {
                for i in active.indices where standards[i] == address { found[i, default: []].append(.address) }
                for i in active.indices where found[i]?.contains(.address) != true {
                    let standard = standards[i]
                    let name = names[i]
                    if (!standard.isEmpty && address.hasPrefix(standard)) || (name.count >= 4 && address.contains(name)) {
                        found[i, default: []].append(.address)
                    }
                }
            }
        }
        return found.keys.sorted { active[$0].id < active[$1].id }.map { Match(enterprise: active[$0], reasons: found[$0]!.sorted()) }
    }
}

/// A copy of `e` moved by whole degrees, with its own id, name and address.
private func moved(_ e: Enterprise, copy: Int, dLat: Double, dLon: Double) -> Enterprise {
    var m = e
    m.id = "\(e.id)-\(copy)"
    m.name = copy == 0 ? e.name : "\(e.name)\(copy)分厂"
    m.address = copy == 0 ? e.address : "\(e.address)\(copy)栋"
    m.location = Coordinate(lat: e.location.lat + dLat, lon: e.location.lon + dLon)
    m.geofence = GeoPolygon(rings: e.geofence.coordinates.map { $0.map { Coordinate(lat: $0[1] + dLat, lon: $0[0] + dLon) } })
    return m
}

private func square(around c: Coordinate, halfSide: Double) -> GeoPolygon {
    let ring = [(-1.0, -1.0), (-1, 1), (1, 1), (1, -1), (-1, -1)].map { Coordinate(lat: c.lat + $0.0 * halfSide, lon: c.lon + $0.1 * halfSide) }
    return GeoPolygon(rings: [ring])
}
