import Foundation
import Model

/// Lending between regions (`borrowing` in dispatch-rules.json; optional, these defaults when
/// absent): a need still queued after its level-2 escalation is served by the nearest free,
/// qualified unit of a neighbouring region (issue 15, point 12).
public struct BorrowRules: Codable, Sendable, Hashable {
    public var enabled: Bool
    /// A lent unit must be at most this far from the incident (straight line, metres).
    public var maxDistanceMeters: Double

    public init(enabled: Bool, maxDistanceMeters: Double) {
        self.enabled = enabled
        self.maxDistanceMeters = maxDistanceMeters
    }

    public static let defaults = BorrowRules(enabled: true, maxDistanceMeters: 30_000)

    public func validate(file: String) throws {
        guard maxDistanceMeters > 0 else {
            throw ConfigurationError(file: file, record: "borrowing.maxDistanceMeters", problem: "must be > 0 (got \(maxDistanceMeters))")
        }
    }
}

/// Which units a saturated region may borrow: pure, from the jurisdiction only (availability is
/// checked when one is chosen).
public struct BorrowRule: Sendable {
    public let jurisdiction: Jurisdiction
    /// Regions whose grids touch each region's grids.
    public let neighbours: [String: Set<String>]

    public init(jurisdiction: Jurisdiction) {
        self.jurisdiction = jurisdiction
        var regionOfGrid: [String: String] = [:]
        for grid in jurisdiction.grids {
            if let region = jurisdiction.stations[grid.stationId]?.regionId { regionOfGrid[grid.id] = region }
        }
        var neighbours: [String: Set<String>] = [:]
        for grid in jurisdiction.grids {
            guard let region = regionOfGrid[grid.id] else { continue }
            for other in grid.neighbourIds {
                if let otherRegion = regionOfGrid[other], otherRegion != region { neighbours[region, default: []].insert(otherRegion) }
            }
        }
        self.neighbours = neighbours
    }

    /// The tier of lendable units for a need whose own tiers are `tiers`, on an incident of
    /// `regionId`: units of a neighbouring region of a kind the own tiers use, holding every
    /// qualification all of the own tiers' units hold (an accident needs 初级事故处理资格).
    public func tier(for tiers: [Tier], regionId: String?) -> Tier? {
        guard let regionId, let around = neighbours[regionId], !around.isEmpty else { return nil }
        let byId = Dictionary(jurisdiction.units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let own = tiers.flatMap(\.units).compactMap { byId[$0] }
        guard let first = own.first else { return nil }
        let kinds = Set(own.map(\.kind))
        let required = own.dropFirst().reduce(Set(first.qualifications)) { $0.intersection($1.qualifications) }
        let lendable = jurisdiction.units.filter { u in
            guard let r = jurisdiction.regionId(of: u), around.contains(r) else { return false }
            return kinds.contains(u.kind) && required.isSubset(of: u.qualifications)
        }
        return lendable.isEmpty ? nil : Tier(rule: "borrowed-neighbour", units: lendable.map(\.id))
    }
}
