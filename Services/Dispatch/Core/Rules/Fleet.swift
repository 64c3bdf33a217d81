import Foundation
import Model

/// One unit as dispatch tracks it: its state, its incident and where it was last seen.
public struct TrackedUnit: Sendable, Hashable {
    public var unit: FieldUnit
    public var state: UnitState
    public var incidentId: String?
    public var position: Coordinate
    /// Why it is off duty: `shift` or `signedOut`.
    public var offReason: String?
    /// Its station's region, else its squadron's, else its home grid's; `nil`: a city-wide unit.
    public let regionId: String?

    public init(
        unit: FieldUnit, state: UnitState = .available, incidentId: String? = nil, position: Coordinate? = nil,
        offReason: String? = nil, regionId: String?
    ) {
        self.unit = unit
        self.state = state
        self.incidentId = incidentId
        self.position = position ?? unit.position
        self.offReason = offReason
        self.regionId = regionId
    }

    public var id: String { unit.id }
}

/// The unit a rule chose: which, by which rule, and how far it is from the incident.
public struct UnitChoice: Sendable, Hashable {
    public var unitId: String
    public var rule: String
    public var distance: Double

    public init(unitId: String, rule: String, distance: Double) {
        self.unitId = unitId
        self.rule = rule
        self.distance = distance
    }
}

/// Every unit of the city with its state, in the jurisdiction's order (the order ties and scans
/// follow, so choices are deterministic).
public struct Fleet: Sendable {
    private var units: [String: TrackedUnit]
    /// Unit ids in the jurisdiction's order.
    public let order: [String]
    /// How many units are available, kept on every change (serving the queue asks after each need).
    public private(set) var availableCount: Int

    /// The fleet of `units`, in that order.
    public init(_ units: [TrackedUnit]) {
        self.units = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        order = units.map(\.id)
        availableCount = self.units.values.count { $0.state == .available }
    }

    /// The unit with this id; setting replaces what dispatch holds for it.
    public subscript(id: String) -> TrackedUnit? {
        get { units[id] }
        set {
            if units[id]?.state == .available { availableCount -= 1 }
            if newValue?.state == .available { availableCount += 1 }
            units[id] = newValue
        }
    }

    /// Whether any unit at all is free (serving the queue stops when none is).
    public var anyAvailable: Bool { availableCount > 0 }

    /// Whether `id` could be sent now: available, on shift and commanded by this instance (what
    /// `nearest` asks of every candidate, save the incident's own exclusions).
    public func isDispatchable(_ id: String, scope: RegionScope, shifts: ShiftClock, minute: Int) -> Bool {
        units[id].map { Self.dispatchable($0, scope: scope, shifts: shifts, minute: minute) } ?? false
    }

    private static func dispatchable(_ record: TrackedUnit, scope: RegionScope, shifts: ShiftClock, minute: Int) -> Bool {
        record.state == .available && scope.commands(unitRegion: record.regionId) && shifts.onShift(record.unit, minute: minute)
    }

    /// The nearest free unit of the first tier that has one: available, on shift, commanded by
    /// this instance and never sent to this incident. Ties go to the lowest unit id.
    public func nearest(
        in tiers: [Tier], to target: Coordinate?, excluding tried: Set<String>, scope: RegionScope,
        shifts: ShiftClock, minute: Int
    ) -> UnitChoice? {
        for tier in tiers {
            var best: (id: String, distance: Double)?
            for id in tier.units {
                guard let record = units[id], !tried.contains(id), Self.dispatchable(record, scope: scope, shifts: shifts, minute: minute)
                else { continue }
                let d = target.map { record.position.distance(to: $0) } ?? 0
                if best == nil || d < best!.distance || (d == best!.distance && id < best!.id) { best = (id, d) }
            }
            if let best { return UnitChoice(unitId: best.id, rule: tier.rule, distance: best.distance) }
        }
        return nil
    }
}
