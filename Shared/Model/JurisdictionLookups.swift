import Foundation

// MARK: Lookups (dispatch)

extension Shift {
    /// Start and end as minutes of the day (end in 1...1440), or `nil` when malformed.
    public var minutes: (start: Int, end: Int)? {
        func parse(_ text: String) -> Int? {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
                (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440
            else { return nil }
            return h * 60 + m
        }
        guard let s = parse(start), let e = parse(end), s < 1440 else { return nil }
        return (s, e)
    }

    /// Whether `minuteOfDay` (0..<1440, local time) falls in the shift; a night shift wraps midnight.
    public func contains(minuteOfDay m: Int) -> Bool {
        guard let (s, e) = minutes else { return true }
        if s == e || (s == 0 && e == 1440) { return true }
        return s < e ? (m >= s && m < e) : (m >= s || m < e)
    }
}

extension FieldUnit {
    /// Why the unit's kind does not fit its other fields, or `nil`.
    public var kindProblem: String? {
        switch kind {
        case .patrolCar, .motorcycle, .stationDuty, .mediatorPair:
            if stationId == nil { return "a \(kind.rawValue) unit needs a stationId" }
            if kind == .mediatorPair && !qualifications.contains(.mediatorCertified) {
                return "a mediatorPair unit needs the mediatorCertified qualification"
            }
        case .trafficSquadron:
            if squadronId == nil { return "a trafficSquadron unit needs a squadronId" }
        case .accidentDivision, .ptu:
            break
        }
        if officerIds.isEmpty { return "a unit needs at least one officer" }
        return nil
    }
}

extension Jurisdiction {
    /// The region a unit belongs to: its station's, its squadron's, else its home grid's; `nil`
    /// for city-wide units (the accident division).
    public func regionId(of unit: FieldUnit) -> String? {
        if let s = unit.stationId { return stations[s]?.regionId }
        if let q = unit.squadronId { return squadrons[q]?.regionId }
        if let g = unit.homeGridId, let grid = grid(g) { return stations[grid.stationId]?.regionId }
        return nil
    }

    /// The street post covering a grid, if any.
    public func post(ofGrid gridId: String) -> Post? { grid(gridId)?.postId.flatMap { posts[$0] } }

    /// The school whose geofence contains `point`.
    public func school(containing point: Coordinate) -> School? {
        schools.first { $0.geofence.boundingBox.contains(point) && $0.geofence.contains(point) }
    }

    /// Officers of `stationId` (or of any station when `nil`) holding `role`, optionally bound to `gridId`.
    public func officers(role: ChiefRole, station stationId: String?, grid gridId: String? = nil) -> [Officer] {
        officers.values.filter { o in
            o.roles.contains(role) && (stationId == nil || o.stationId == stationId) && (gridId == nil || o.gridIds.contains(gridId!))
        }.sorted { $0.id < $1.id }
    }

    /// Officers of a station's team (两队一室).
    public func officers(team: Team, station stationId: String) -> [Officer] {
        officers.values.filter { $0.stationId == stationId && $0.team == team }.sorted { $0.id < $1.id }
    }

    /// The area's response promise: the fewest minutes of any response point covering the grid.
    public func responseMinutes(grid gridId: String) -> Int? {
        responsePoints.values.filter { $0.gridIds.contains(gridId) }.map(\.minutes).min()
    }
}
