import Foundation
import Model

/// Whether a field report may be accepted, decided before anything is written
/// (docs/dispatch.md, "Field commands"). Each refusal names the field at fault.
public enum FieldReportRules {
    /// The unit's state after `command`, or the refusal. `unit` and `incident` are what dispatch
    /// holds for the command's ids.
    public static func check(_ command: FieldCommand, unit: TrackedUnit?, incident: ActiveIncident?) throws -> UnitState {
        guard let unit else { throw FieldCommandError.refuse("unitId", "unknown unit '\(command.unitId)'") }
        guard unit.incidentId == command.incidentId, incident != nil else {
            throw FieldCommandError.refuse("incidentId", "unit \(command.unitId) is not assigned to \(command.incidentId)")
        }
        let next: UnitState
        do {
            next = try UnitStateMachine.next(unit.state, UnitStateMachine.transition(for: command.stage), unitId: command.unitId)
        } catch let e as IllegalTransition {
            throw FieldCommandError.refuse("stage", e.description)
        }
        if command.stage == .closed && command.outcome == nil {
            let outcomes = Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldCommandError.refuse("outcome", "closing needs an outcome (\(outcomes))")
        }
        if let p = command.position, !p.isValid { throw FieldCommandError.refuse("position", "not a valid coordinate") }
        return next
    }

    /// What the timeline says of a report: its outcome, its handover and its note.
    public static func timelineDetail(_ command: FieldCommand) -> String {
        let handover = command.handover.map { "\($0.kind.rawValue) → \($0.toUnitId ?? $0.toStationId ?? "?")" }
        return [command.outcome?.rawValue, handover, command.note].compactMap { $0 }.joined(separator: "; ")
    }

    /// How many support units a request sends: as asked, at least 1 and at most 5.
    public static func supportUnits(_ request: SupportRequest) -> Int { max(1, min(request.units ?? 1, 5)) }
}

/// 移交: who receives a handed-over incident (docs/dispatch.md, `handover`).
public struct HandoverRule: Sendable {
    public let jurisdiction: Jurisdiction
    public let scope: RegionScope

    public init(jurisdiction: Jurisdiction, scope: RegionScope) {
        self.jurisdiction = jurisdiction
        self.scope = scope
    }

    /// The named unit, checked; or the named station's nearest free unit (first in the
    /// jurisdiction's order on a tie). `giver` is the unit handing over.
    public func receiver(_ handover: Handover?, incident: ActiveIncident, giver: TrackedUnit, fleet: Fleet) throws -> UnitChoice {
        guard let handover else {
            throw FieldCommandError.refuse("handover", "a handover needs {kind, toUnitId or toStationId}")
        }
        let rule = "handover-\(handover.kind.rawValue)"
        let target = incident.coordinate ?? giver.position
        if let to = handover.toUnitId {
            guard let r = fleet[to] else { throw FieldCommandError.refuse("handover.toUnitId", "unknown unit '\(to)'") }
            guard r.state == .available, scope.commands(unitRegion: r.regionId) else {
                throw FieldCommandError.refuse("handover.toUnitId", "unit \(to) is \(r.state.rawValue), not available")
            }
            guard !incident.tried.contains(to) else {
                throw FieldCommandError.refuse("handover.toUnitId", "unit \(to) was already sent to \(incident.id)")
            }
            if handover.kind == .postToStation && r.unit.stationId == nil {
                throw FieldCommandError.refuse("handover.toUnitId", "a post-to-station handover goes to a station's unit")
            }
            return UnitChoice(unitId: to, rule: rule, distance: r.position.distance(to: target))
        }
        guard let station = handover.toStationId else {
            throw FieldCommandError.refuse("handover", "name the receiving unit (toUnitId) or station (toStationId)")
        }
        guard jurisdiction.stations[station] != nil else {
            throw FieldCommandError.refuse("handover.toStationId", "unknown station '\(station)'")
        }
        var best: (id: String, distance: Double)?
        for id in fleet.order {
            guard let r = fleet[id], r.unit.stationId == station, DispatchPolicy.stationKinds(r.unit.kind), r.state == .available,
                scope.commands(unitRegion: r.regionId), !incident.tried.contains(id)
            else { continue }
            let d = r.position.distance(to: target)
            if best == nil || d < best!.distance { best = (id, d) }
        }
        guard let best else {
            throw FieldCommandError.refuse("handover.toStationId", "no unit of station \(station) is available to receive the incident")
        }
        return UnitChoice(unitId: best.id, rule: rule, distance: best.distance)
    }
}
