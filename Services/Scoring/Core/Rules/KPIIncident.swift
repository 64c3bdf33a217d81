/// An incident as the KPI and interval formulas read it: the stored incident row with its times
/// as seconds since 1970, exactly as stored, so that every figure is computed from the same
/// doubles whichever way the row was reached. (``IncidentRecord`` is the row as derivation
/// writes it, with dates and enums.)
public struct KPIIncident: Sendable, Hashable {
    public var id: String
    public var start: Double
    public var category: String?
    public var callTaker: String?
    public var station: String?
    public var post: String?
    public var region: String?
    public var grid: String?
    public var firstAssigned: Double?
    public var firstFeedback: Double?
    public var closed: Double?
    public var outcome: String?
    public var handedOver: Bool
    /// Units of a station kind dispatched to it (the share of accidents handled by stations).
    public var stationUnits: Int
    public var units: [KPIUnit] = []
    public var complaints: Int
    public var upheld: Int
    public var callbacks: Int
    public var satisfied: Int

    public init(
        id: String, start: Double, category: String? = nil, callTaker: String? = nil, station: String? = nil, post: String? = nil,
        region: String? = nil, grid: String? = nil, firstAssigned: Double? = nil, firstFeedback: Double? = nil, closed: Double? = nil,
        outcome: String? = nil, handedOver: Bool = false, stationUnits: Int = 0, units: [KPIUnit] = [], complaints: Int = 0,
        upheld: Int = 0, callbacks: Int = 0, satisfied: Int = 0
    ) {
        self.id = id
        self.start = start
        self.category = category
        self.callTaker = callTaker
        self.station = station
        self.post = post
        self.region = region
        self.grid = grid
        self.firstAssigned = firstAssigned
        self.firstFeedback = firstFeedback
        self.closed = closed
        self.outcome = outcome
        self.handedOver = handedOver
        self.stationUnits = stationUnits
        self.units = units
        self.complaints = complaints
        self.upheld = upheld
        self.callbacks = callbacks
        self.satisfied = satisfied
    }
}

/// One unit's assignment to a ``KPIIncident``.
public struct KPIUnit: Sendable, Hashable {
    public var unit: String
    public var kind: String?
    public var officers: [String]
    public var assigned: Double
    public var signed: Double?
    public var arrived: Double?
    public var closed: Double?

    public init(
        unit: String, kind: String? = nil, officers: [String] = [], assigned: Double, signed: Double? = nil, arrived: Double? = nil,
        closed: Double? = nil
    ) {
        self.unit = unit
        self.kind = kind
        self.officers = officers
        self.assigned = assigned
        self.signed = signed
        self.arrived = arrived
        self.closed = closed
    }
}

/// Nearest-rank percentile: the value at rank ⌈q·n⌉ of the ascending values.
public func percentile(_ values: [Double], _ q: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let rank = max(1, Int((q * Double(sorted.count)).rounded(.up)))
    return sorted[min(rank, sorted.count) - 1]
}
