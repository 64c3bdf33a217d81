import Foundation
import Model

/// One step of a rule: the units it may send, tried nearest first. Earlier tiers win.
public struct Tier: Sendable, Hashable {
    public var rule: String
    public var units: [String]

    public init(rule: String, units: [String]) {
        self.rule = rule
        self.units = units
    }
}

/// The dispatch rules as candidate tiers (docs/dispatch.md, "Rules"): pure, computed from the
/// jurisdiction only (availability is checked when a unit is chosen), and cached per grid and need.
public final class DispatchPolicy {
    public let jurisdiction: Jurisdiction
    private let units: [FieldUnit]
    /// Each unit's place in `units`: its bit in a `UnitBits`.
    private let unitIndex: [String: Int]
    /// A key's tiers, and every unit of any of them.
    private struct Candidates {
        var tiers: [Tier]
        var units: UnitBits
    }
    private var cache: [TierKey: Candidates] = [:]
    /// Each street post's grids (a post's patrols are those deployed in them).
    private let postGrids: [String: Set<String>]

    public init(jurisdiction: Jurisdiction) {
        self.jurisdiction = jurisdiction
        self.units = jurisdiction.units
        unitIndex = Dictionary(units.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var postGrids: [String: Set<String>] = [:]
        for grid in jurisdiction.grids { if let post = grid.postId { postGrids[post, default: []].insert(grid.id) } }
        self.postGrids = postGrids
    }

    /// `unitId`'s bit in the sets `keyedCandidates(for:_:)` gives; `nil` for a unit the jurisdiction
    /// does not list (no tier holds it).
    public func index(of unitId: String) -> Int? { unitIndex[unitId] }

    /// Patrol kinds: what answers an ordinary 110 incident.
    static func patrols(_ kind: UnitKind) -> Bool { kind == .patrolCar || kind == .motorcycle }
    /// What a station can send itself: its patrols and its duty group.
    static func stationKinds(_ kind: UnitKind) -> Bool { patrols(kind) || kind == .stationDuty }

    /// The initial needs of an incident, in the order they are served.
    public func initialNeeds(_ facts: DispatchFacts, rules: DispatchRules) -> [Need] {
        var needs = [Need(kind: .primary)]
        if facts.isCasualtyAccident { needs.append(Need(kind: .accidentDivision)) }
        if facts.major {
            needs += (0..<rules.major.extraUnits).map { _ in Need(kind: .major) }
            if let first = rules.ptuEchelons.first, first.afterSeconds == 0 {
                needs += (0..<first.units).map { _ in Need(kind: .ptu, echelon: 1) }
            }
        }
        return needs
    }

    /// The tiers for `need` on an incident with `facts`.
    public func tiers(for need: Need, _ facts: DispatchFacts) -> [Tier] { keyedTiers(for: need, facts).tiers }

    /// The tiers for `need` with the key they are cached under: two needs with one key have the
    /// same candidates (serving the queue skips a need whose key already found no free unit).
    public func keyedTiers(for need: Need, _ facts: DispatchFacts) -> (tiers: [Tier], key: TierKey) {
        let key = TierKey(need, facts)
        return (cached(key, need, facts).tiers, key)
    }

    /// The key of `need`'s tiers and every unit in them, whatever its state (by `index(of:)`):
    /// what the waiting queue files the need under, so a freed unit finds the needs it could serve.
    public func keyedCandidates(for need: Need, _ facts: DispatchFacts) -> (key: TierKey, units: UnitBits) {
        let key = TierKey(need, facts)
        return (key, cached(key, need, facts).units)
    }

    private func cached(_ key: TierKey, _ need: Need, _ facts: DispatchFacts) -> Candidates {
        if let known = cache[key] { return known }
        let tiers = compute(need, facts)
        var members = UnitBits(count: units.count)
        for tier in tiers {
            for id in tier.units { if let i = unitIndex[id] { members.insert(i) } }
        }
        let candidates = Candidates(tiers: tiers, units: members)
        cache[key] = candidates
        return candidates
    }

    /// The ids of the units `filter` accepts, in the jurisdiction's order. Each unit is lent to
    /// `filter` in place: `Array.filter` copied every one (its strings and arrays retained and
    /// released), which was 4 % of dispatch's CPU while the tiers of a city's grids were first computed.
    private func ids(_ filter: (FieldUnit) -> Bool) -> [String] {
        units.withUnsafeBufferPointer { units in
            var ids: [String] = []
            for i in units.indices where filter(units[i]) { ids.append(units[i].id) }
            return ids
        }
    }

    private func compute(_ need: Need, _ f: DispatchFacts) -> [Tier] {
        switch need.kind {
        case .primary: return primaryTiers(f)
        case .accidentDivision: return [Tier(rule: "dual-accident-division", units: ids { $0.kind == .accidentDivision })]
        case .major: return majorTiers(f)
        case .ptu: return [Tier(rule: "ptu-echelon-\(need.echelon ?? 1)", units: ids { $0.kind == .ptu })]
        case .support: return supportTiers(need.support ?? SupportRequest(), f)
        }
    }

    private func primaryTiers(_ f: DispatchFacts) -> [Tier] {
        guard let loc = f.grid else {
            return [Tier(rule: "city-nearest", units: ids { Self.stationKinds($0.kind) })]
        }
        var tiers: [Tier]
        if f.isCasualtyAccident {
            tiers = accidentTiers(loc, stationRule: "dual-station")
        } else if f.category == .accidentMinor {
            tiers = accidentTiers(loc, stationRule: "accident-station")
        } else if f.category == .dispute && f.partiesConsent {
            let region = regionStations(loc.regionId)
            tiers =
                [
                    Tier(rule: "mediator-pair", units: ids { $0.kind == .mediatorPair && $0.stationId == loc.stationId }),
                    Tier(rule: "mediator-pair", units: ids { $0.kind == .mediatorPair && ($0.stationId.map(region.contains) ?? false) }),
                ] + patrolTiers(loc)
        } else {
            tiers = patrolTiers(loc)
        }
        if f.major { tiers += majorTiers(f) }
        return tiers
    }

    /// Grid first, nearest; then the neighbouring grids (of the same region); then the station.
    /// Urban incidents go to the street post covering them, rural ones stay with the station.
    func patrolTiers(_ loc: GridLocation) -> [Tier] {
        let neighbours = Set(jurisdiction.grid(loc.gridId)?.neighbourIds ?? []).filter { regionOf(grid: $0) == loc.regionId }
        let station = Tier(rule: "station-fallback", units: ids { $0.stationId == loc.stationId && Self.stationKinds($0.kind) })
        if loc.urban, let postId = loc.postId {
            // 警务站: the post's patrols are those deployed in the grids it covers.
            let postGrids = self.postGrids[postId] ?? []
            func postUnit(_ u: FieldUnit) -> Bool { Self.patrols(u.kind) && (u.homeGridId.map(postGrids.contains) ?? false) }
            return [
                Tier(rule: "street-post", units: ids { postUnit($0) && $0.homeGridId == loc.gridId }),
                Tier(rule: "street-post", units: ids { postUnit($0) && ($0.homeGridId.map(neighbours.contains) ?? false) }),
                Tier(rule: "street-post", units: ids(postUnit)),
                station,
            ]
        }
        return [
            Tier(rule: "grid-nearest", units: ids { Self.patrols($0.kind) && $0.homeGridId == loc.gridId }),
            Tier(rule: "neighbour-grid", units: ids { Self.patrols($0.kind) && ($0.homeGridId.map(neighbours.contains) ?? false) }),
            station,
        ]
    }

    /// A station unit holding 初级事故处理资格, the grid's first; then the region's traffic squadron.
    func accidentTiers(_ loc: GridLocation, stationRule: String) -> [Tier] {
        func qualified(_ u: FieldUnit) -> Bool {
            Self.stationKinds(u.kind) && u.qualifications.contains(.accidentPrimary) && u.stationId == loc.stationId
        }
        let squadrons = Set(jurisdiction.regions[loc.regionId]?.squadronIds ?? [])
        let merged = jurisdiction.stations[loc.stationId]?.mergedSquadronId
        return [
            Tier(rule: stationRule, units: ids { qualified($0) && $0.homeGridId == loc.gridId }),
            Tier(rule: stationRule, units: ids(qualified)),
            Tier(
                rule: "accident-squadron",
                units: ids {
                    $0.kind == .trafficSquadron && ($0.squadronId == merged || ($0.squadronId.map(squadrons.contains) ?? false))
                }),
        ]
    }

    /// A major incident: the centre station commands every member station and squadron of the region.
    func majorTiers(_ f: DispatchFacts) -> [Tier] {
        guard let loc = f.grid else { return [] }
        let stations = regionStations(loc.regionId)
        let squadrons = Set(jurisdiction.regions[loc.regionId]?.squadronIds ?? [])
        return [
            Tier(rule: "major-region", units: ids { Self.stationKinds($0.kind) && ($0.stationId.map(stations.contains) ?? false) }),
            Tier(rule: "major-squadron", units: ids { $0.kind == .trafficSquadron && ($0.squadronId.map(squadrons.contains) ?? false) }),
        ]
    }

    func supportTiers(_ request: SupportRequest, _ f: DispatchFacts) -> [Tier] {
        func fits(_ u: FieldUnit) -> Bool {
            if let k = request.kind, u.kind != k { return false }
            if let q = request.qualification, !u.qualifications.contains(q) { return false }
            if request.kind == nil && request.qualification == nil { return Self.stationKinds(u.kind) }
            return true
        }
        guard let loc = f.grid else { return [Tier(rule: "support", units: ids(fits))] }
        let stations = regionStations(loc.regionId)
        return [
            Tier(rule: "support", units: ids { fits($0) && $0.stationId == loc.stationId }),
            Tier(
                rule: "support",
                units: ids {
                    fits($0) && (jurisdiction.regionId(of: $0) == loc.regionId || ($0.stationId.map(stations.contains) ?? false))
                }),
            Tier(rule: "support", units: ids(fits)),
        ]
    }

    private func regionStations(_ regionId: String) -> Set<String> { Set(jurisdiction.regions[regionId]?.memberStationIds ?? []) }

    private func regionOf(grid gridId: String) -> String? {
        jurisdiction.grid(gridId).flatMap { jurisdiction.stations[$0.stationId]?.regionId }
    }
}

/// What a need's tiers depend on: the need's kind and, for some kinds, the incident's grid, its
/// flavour, whether it is major, the echelon or the support asked for. A value rather than a
/// string built per lookup: serving the queue asks it of every waiting need it walks.
public struct TierKey: Hashable, Sendable {
    enum Flavour: UInt8 { case none, casualty, accident, mediation, patrol }

    let kind: NeedKind
    let gridId: String?
    let flavour: Flavour
    let major: Bool
    let echelon: Int
    let support: UnitKind?
    let qualification: Qualification?

    /// The key of `need` on an incident with `f`: only what that kind's tiers read.
    init(_ need: Need, _ f: DispatchFacts) {
        kind = need.kind
        gridId = need.kind == .accidentDivision || need.kind == .ptu ? nil : f.grid?.gridId
        flavour =
            need.kind != .primary
            ? .none
            : f.isCasualtyAccident
                ? .casualty
                : f.category == .accidentMinor ? .accident : (f.category == .dispute && f.partiesConsent) ? .mediation : .patrol
        major = need.kind == .primary && f.major
        echelon = need.kind == .ptu ? need.echelon ?? 1 : 0
        support = need.kind == .support ? need.support?.kind : nil
        qualification = need.kind == .support ? need.support?.qualification : nil
    }
}
