import Foundation
import Model

/// Why an incident is enterprise-related, strongest first.
public enum MatchReason: String, Codable, Sendable, Comparable {
    case named, geofence, address
    var rank: Int {
        switch self {
        case .named: 0
        case .geofence: 1
        case .address: 2
        }
    }
    public static func < (a: MatchReason, b: MatchReason) -> Bool { a.rank < b.rank }
}

public struct Match: Sendable, Hashable {
    public var enterprise: Enterprise
    /// Every reason, strongest first.
    public var reasons: [MatchReason]
    public var matchedBy: MatchReason { reasons[0] }
}

/// The active registry, indexed for matching.
///
/// An incident's position is tested only against the enterprises whose geofence's bounding box
/// overlaps its cell of a coarse grid, and each enterprise's address and name are normalised
/// once, here, not per incident: a lookup no longer grows with the city's enterprises for the
/// geofence, and costs a comparison, not two normalisations, per enterprise for the address.
struct RegistryIndex {
    private(set) var active: [Enterprise] = []
    private var boxes: [BoundingBox] = []
    private var byId: [String: Int] = [:]
    private var byAddress: [String: [Int]] = [:]
    /// Each enterprise's standard address and name, normalised.
    private var standards: [String] = []
    private var names: [String] = []
    /// The enterprises whose bounding box overlaps a cell, by cell.
    private var byCell: [Cell: [Int]] = [:]
    /// Enterprises whose bounding box spans too many cells (or is not finite): tested for every position.
    private var wide: [Int] = []

    /// A cell of the grid of `cellDegrees` squares, in whole cells from the origin.
    private struct Cell: Hashable {
        var lat: Int
        var lon: Int
        init(lat: Int, lon: Int) {
            self.lat = lat
            self.lon = lon
        }
        /// The cell holding `c`. Division and rounding down keep the order of positions, so a
        /// position inside a box lies in a cell between the cells of the box's corners.
        init(containing c: Coordinate) {
            lat = Int((c.lat / RegistryIndex.cellDegrees).rounded(.down))
            lon = Int((c.lon / RegistryIndex.cellDegrees).rounded(.down))
        }
    }
    /// About 1 km: an enterprise's site spans a cell or a few.
    static let cellDegrees = 0.01
    /// A box over more cells than this is kept in `wide` instead.
    static let maxCellsPerBox = 256

    init(_ enterprises: [Enterprise]) {
        active = enterprises.sorted { $0.id < $1.id }
        boxes = active.map(\.geofence.boundingBox)
        standards = active.map { Self.normalise($0.address) }
        names = active.map { Self.normalise($0.name) }
        for (i, e) in active.enumerated() {
            byId[e.id] = i
            byAddress[standards[i], default: []].append(i)
            index(box: boxes[i], of: i)
        }
    }

    /// Files enterprise `i` under every cell its box overlaps. A cell holds its enterprises in
    /// index order, so a lookup meets them in the order the full scan did.
    private mutating func index(box b: BoundingBox, of i: Int) {
        let corners = [b.minLat, b.minLon, b.maxLat, b.maxLon]
        guard corners.allSatisfy({ $0.isFinite && abs($0) <= 1_000 }), b.minLat <= b.maxLat, b.minLon <= b.maxLon else {
            wide.append(i)
            return
        }
        let low = Cell(containing: Coordinate(lat: b.minLat, lon: b.minLon))
        let high = Cell(containing: Coordinate(lat: b.maxLat, lon: b.maxLon))
        guard (high.lat - low.lat + 1) * (high.lon - low.lon + 1) <= Self.maxCellsPerBox else {
            wide.append(i)
            return
        }
        for lat in low.lat...high.lat {
            for lon in low.lon...high.lon { byCell[Cell(lat: lat, lon: lon), default: []].append(i) }
        }
    }

    func enterprise(_ id: String) -> Enterprise? { byId[id].map { active[$0] } }

    /// Addresses compare without whitespace, case-insensitive, full-width digits and letters folded.
    static func normalise(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            var u = scalar
            if (0xFF01...0xFF5E).contains(u.value), let half = Unicode.Scalar(u.value - 0xFEE0) { u = half }  // full-width ASCII
            if CharacterSet.whitespacesAndNewlines.contains(u) || u.value == 0x3000 || CharacterSet.punctuationCharacters.contains(u) { continue }
            out.append(u)
        }
        return String(out).lowercased()
    }

    /// The enterprises an incident touches, and why: the caller named it, the position lies in its
    /// geofence, or the address is its standard address (or starts with it, or names the enterprise).
    func matches(place: IncidentPlace, namedEnterprise: String?) -> [Match] {
        var found: [Int: [MatchReason]] = [:]
        if let named = namedEnterprise, let i = byId[named] { found[i, default: []].append(.named) }
        if let c = place.coordinate, c.isValid {
            for candidates in [byCell[Cell(containing: c)] ?? [], wide] {
                for i in candidates where boxes[i].contains(c) && active[i].geofence.contains(c) { found[i, default: []].append(.geofence) }
            }
        }
        if let raw = place.address {
            let address = Self.normalise(raw)
            if !address.isEmpty {
                for i in byAddress[address] ?? [] { found[i, default: []].append(.address) }
                for i in active.indices where found[i]?.contains(.address) != true {
                    let standard = standards[i]
                    let name = names[i]
                    if (!standard.isEmpty && address.hasPrefix(standard)) || (name.count >= 4 && KeywordText.contains(address, name)) {
                        found[i, default: []].append(.address)
                    }
                }
            }
        }
        return found.keys.sorted { active[$0].id < active[$1].id }.map { Match(enterprise: active[$0], reasons: found[$0]!.sorted()) }
    }
}
