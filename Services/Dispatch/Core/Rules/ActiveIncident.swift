import Foundation
import Model
import Wire

/// A unit's assignment while it is on an incident.
public struct ActiveAssignment: Sendable, Hashable {
    /// What it was sent for.
    public var need: Need
    /// It signed off (or reported a later stage): its sign-off timer can no longer re-dispatch it.
    public var signedOff: Bool

    public init(need: Need, signedOff: Bool = false) {
        self.need = need
        self.signedOff = signedOff
    }
}

/// The unit and rule an incident is known by (`unitId`/`rule` in the read API), and when its
/// first unit was sent.
public struct IncidentHeadline: Sendable, Hashable {
    public var unitId: String
    public var rule: String
    public var assignedAt: Date

    public init(unitId: String, rule: String, assignedAt: Date) {
        self.unitId = unitId
        self.rule = rule
        self.assignedAt = assignedAt
    }
}

/// An incident dispatch is still working on (opened, not closed): what its rules look at and which
/// units are on it. Not `Model.Incident`, intake's record of the call.
public struct ActiveIncident: Sendable, Hashable {
    public var id: String
    /// What the rules look at. Whoever changes them files the incident's waiting needs again
    /// (`Dispatcher.factsChanged(_:)`): a need's tier follows its incident's facts.
    public var facts: DispatchFacts
    public var priority: Int
    public var channel: Channel?
    public var coordinate: Coordinate?
    public var openedAt: Date
    /// The station in command: the region's centre station on a major incident, else the grid's.
    public var commandStationId: String?
    /// Units on it now, by unit id.
    public var active: [String: ActiveAssignment] = [:]
    /// Every unit ever sent (none is sent twice to one incident).
    public var tried: Set<String> = []
    /// 立案: the case went to the station's case-handling team (once).
    public var caseReferred = false
    /// `nil` until a unit is sent.
    public var headline: IncidentHeadline?
    /// Held by the city desk for another region's incident: only its city-wide needs (`CityDesk`).
    public var cityWideOnly = false

    public init(
        id: String, facts: DispatchFacts, priority: Int, channel: Channel?, coordinate: Coordinate?, openedAt: Date,
        commandStationId: String?, caseReferred: Bool = false, headline: IncidentHeadline? = nil
    ) {
        self.id = id
        self.facts = facts
        self.priority = priority
        self.channel = channel
        self.coordinate = coordinate
        self.openedAt = openedAt
        self.commandStationId = commandStationId
        self.caseReferred = caseReferred
        self.headline = headline
    }

    public var grid: GridLocation? { facts.grid }
    /// The region it is filed under (`unlocated` without a grid).
    public var regionKey: String { RegionScope.regionKey(of: facts.grid) }

    /// Where units are sent: its coordinates, else its grid's centroid.
    public func target(in jurisdiction: Jurisdiction) -> Coordinate? {
        coordinate ?? grid.flatMap { jurisdiction.grid($0.gridId)?.polygon.centroid }
    }

    /// The headline once `choice` is sent for `need` at `now`: a primary unit (the first, a
    /// re-dispatch, a handover receiver) becomes it; any other unit only while there is none. The
    /// first assignment's time stays.
    public func headline(after choice: UnitChoice, need: Need, at now: Date) -> IncidentHeadline {
        let assignedAt = headline?.assignedAt ?? now
        if let headline, need.kind != .primary { return headline }
        return IncidentHeadline(unitId: choice.unitId, rule: choice.rule, assignedAt: assignedAt)
    }

    /// The unit handing over to `receiver`, when that unit is still on the incident.
    public func giver(of receiver: String) -> String? {
        guard let giver = active[receiver]?.need.handoverFrom, active[giver] != nil else { return nil }
        return giver
    }
}
