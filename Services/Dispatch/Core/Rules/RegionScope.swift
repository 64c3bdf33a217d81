import Foundation
import Model
import Wire

/// The regions one dispatch instance serves (`--regions`; docs/dispatch.md, "Several instances").
///
/// `RoutingKey.unlocated` takes incidents with no grid, `RoutingKey.city` the units of no region
/// (the accident division). No list means everything.
public struct RegionScope: Sendable, Hashable {
    /// `nil`: every region.
    public let regions: Set<String>?

    public init(_ regions: Set<String>? = nil) { self.regions = regions }

    /// Every region, unit and incident.
    public static let all = RegionScope()

    /// Whether this instance applies incidents of `regionKey` (a region id or `unlocated`).
    public func serves(regionKey: String) -> Bool { regions.map { $0.contains(regionKey) } ?? true }

    /// Whether this instance may command a unit of `unitRegion` (`nil`: a unit of no region).
    public func commands(unitRegion: String?) -> Bool {
        guard let regions else { return true }
        return regions.contains(unitRegion ?? RoutingKey.city)
    }

    /// The region key an incident is filed under: its grid's region, or `unlocated`.
    public static func regionKey(of grid: GridLocation?) -> String { grid?.regionId ?? RoutingKey.unlocated }

    /// Parses `R1,R2` (the `--regions` flag): every entry must be a region, `unlocated` or `city`;
    /// empty or absent means every region.
    public static func parse(_ text: String?, jurisdiction: Jurisdiction) throws -> RegionScope {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return .all }
        var out = Set<String>()
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard jurisdiction.regions[part] != nil || part == RoutingKey.unlocated || part == RoutingKey.city else {
                let known = jurisdiction.regions.keys.sorted().joined(separator: ", ")
                throw ConfigurationError(
                    file: "--regions", record: part,
                    problem: "not a region of the city (\(known), or 'unlocated', 'city')")
            }
            out.insert(part)
        }
        return RegionScope(out)
    }
}
