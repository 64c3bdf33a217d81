import Foundation
import Model
import Wire

/// City-wide resources across instances (issue 15, point 8): the accident division and the PTU
/// teams belong to no region, so exactly one instance — the one listing `city`, the city desk —
/// commands them, for every region's incidents. A regional instance serves the rest of its
/// incidents' needs; the city desk applies every incident but keeps, for those of other regions,
/// only their city-wide needs (a `cityWideOnly` incident: no incident timers, no chiefs, no
/// `dispatch.closed` — the region's instance owns those). One commander per unit means no unit
/// is assigned twice.
public enum CityDesk {
    /// The needs this instance serves, of `needs` of an incident whose region it does (`servesRegion`) or does not serve.
    public static func needs(_ needs: [Need], servesRegion: Bool, scope: RegionScope) -> [Need] {
        if servesRegion { return scope.isCityDesk ? needs : needs.filter { !$0.kind.isCityWide } }
        return scope.isCityDesk ? needs.filter(\.kind.isCityWide) : []
    }

    /// Whether this instance applies an incident of `regionKey` at all.
    public static func applies(regionKey: String, scope: RegionScope) -> Bool { scope.serves(regionKey: regionKey) || scope.isCityDesk }
}

extension RegionScope {
    /// This instance commands the units of no region (it lists `city`, or serves everything).
    public var isCityDesk: Bool { regions.map { $0.contains(RoutingKey.city) } ?? true }
}

extension NeedKind {
    /// Served by units of no region (the accident division, PTU teams).
    public var isCityWide: Bool { self == .accidentDivision || self == .ptu }
}

extension CityDesk {
    /// The region whose instance commands `unit`: `nil` (the city desk) for the accident division
    /// and PTU teams, whatever their home grid; else the unit's region.
    public static func commandRegion(of unit: FieldUnit, in jurisdiction: Jurisdiction) -> String? {
        unit.kind == .accidentDivision || unit.kind == .ptu ? nil : jurisdiction.regionId(of: unit)
    }
}
