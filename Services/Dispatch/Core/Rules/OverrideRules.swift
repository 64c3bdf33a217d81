import Foundation
import Model

/// A dispatcher's command (docs/dispatch.md, "Dispatcher overrides"): what to do, to which
/// incident (or escalation), by whom and why.
public struct OverrideCommand: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// The free qualified units, nearest by ETA first (changes nothing).
        case recommend(limit: Int)
        case assign(unitId: String)
        case reassign(fromUnitId: String, toUnitId: String)
        case cancelAssignment(unitId: String)
        case reclassify(Category)
        case major(Bool)
        /// `target` is the escalation's id.
        case acknowledge
    }

    /// The incident's id; for `acknowledge`, the escalation's.
    public var target: String
    public var action: Action
    public var dispatcher: String
    public var reason: String

    public init(target: String, action: Action, dispatcher: String = "", reason: String = "") {
        self.target = target
        self.action = action
        self.dispatcher = dispatcher
        self.reason = reason
    }
}

/// What an override changed: the incident or escalation to show, or the recommendations.
public enum OverrideReply: Sendable, Hashable {
    case recommendations(incidentId: String, units: [Recommendation])
    case incident(String)
    case escalation(String)
}

/// One unit a dispatcher could send, with the rule that would have chosen it.
public struct Recommendation: Codable, Sendable, Hashable {
    public var unitId: String
    public var kind: String
    public var state: String
    public var etaSeconds: Double
    public var distanceMeters: Double
    public var rule: String

    public init(unitId: String, kind: String, state: String, etaSeconds: Double, distanceMeters: Double, rule: String) {
        self.unitId = unitId
        self.kind = kind
        self.state = state
        self.etaSeconds = etaSeconds
        self.distanceMeters = distanceMeters
        self.rule = rule
    }
}

/// Why an override was refused; the API answers it in the one error shape with `status`.
public struct OverrideRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 400: a field is missing or wrong.
        case invalid
        /// 404: no such incident, unit or escalation.
        case notFound
        /// 409: the state machine refuses it now.
        case conflict
    }

    public var kind: Kind
    public var field: String?
    public var message: String

    public init(_ kind: Kind, field: String?, _ message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    public var status: Int {
        switch kind {
        case .invalid: 400
        case .notFound: 404
        case .conflict: 409
        }
    }

    public var description: String { "\(status)\(field.map { " (\($0))" } ?? ""): \(message)" }
}

/// The checks every override passes before anything is written (so a refused override leaves
/// no trace), and the needs an override brings. Pure: no SQL, no clock.
public enum OverrideRules {
    /// The dispatcher and the reason are both required (every override is on the record).
    public static func validate(dispatcher: String, reason: String) throws {
        if dispatcher.trimmingCharacters(in: .whitespaces).isEmpty {
            throw OverrideRefusal(.invalid, field: "dispatcher", "dispatcher is required: who overrides the rules")
        }
        if reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw OverrideRefusal(.invalid, field: "reason", "reason is required: why the rules are overridden")
        }
    }

    /// The unit a dispatcher sends to `incident`: known, commanded by this instance, never sent to
    /// this incident before, and free (the state machine's `dispatch`).
    public static func checkSend(_ unitId: String, field: String, to incident: ActiveIncident, fleet: Fleet, scope: RegionScope) throws -> TrackedUnit {
        guard let record = fleet[unitId] else { throw OverrideRefusal(.notFound, field: field, "unknown unit '\(unitId)'") }
        guard scope.commands(unitRegion: record.regionId) else {
            throw OverrideRefusal(.conflict, field: field, "unit \(unitId) is not in this instance's regions")
        }
        if incident.active[unitId] != nil {
            throw OverrideRefusal(.conflict, field: field, "unit \(unitId) is already on \(incident.id)")
        }
        if incident.tried.contains(unitId) {
            throw OverrideRefusal(.conflict, field: field, "unit \(unitId) was already sent to \(incident.id) and left it; send another unit")
        }
        do { _ = try UnitStateMachine.next(record.state, .dispatch, unitId: unitId) } catch let e as IllegalTransition {
            throw OverrideRefusal(.conflict, field: field, e.description)
        }
        return record
    }

    /// The unit a dispatcher takes off `incident`: on it now, and in a state it may be recalled from.
    public static func checkRecall(_ unitId: String, field: String, from incident: ActiveIncident, fleet: Fleet) throws -> ActiveAssignment {
        guard let record = fleet[unitId] else { throw OverrideRefusal(.notFound, field: field, "unknown unit '\(unitId)'") }
        guard let assignment = incident.active[unitId] else {
            throw OverrideRefusal(.conflict, field: field, "unit \(unitId) is not on \(incident.id)")
        }
        do { _ = try UnitStateMachine.next(record.state, .recall, unitId: unitId) } catch let e as IllegalTransition {
            throw OverrideRefusal(.conflict, field: field, e.description)
        }
        return assignment
    }

    /// What a unit sent by hand serves: the incident's first waiting need (it leaves the queue),
    /// else its first unit, else support.
    public static func needForSend(queued: [QueueEntry], incident: ActiveIncident) -> (need: Need, served: QueueEntry?) {
        if let first = queued.first(where: { $0.incidentId == incident.id }) { return (first.need, first) }
        return (Need(kind: incident.active.isEmpty ? .primary : .support), nil)
    }

    /// The needs an incident has once its facts change from `before` to `after` that it did not
    /// have before (一警双派 after a reclassification to a casualty accident; the region's units
    /// and the first PTU echelon once marked major).
    public static func addedNeeds(policy: DispatchPolicy, rules: DispatchRules, before: DispatchFacts, after: DispatchFacts) -> [Need] {
        var had: [NeedKind: Int] = [:]
        for need in policy.initialNeeds(before, rules: rules) { had[need.kind, default: 0] += 1 }
        var added: [Need] = []
        for need in policy.initialNeeds(after, rules: rules) {
            if let n = had[need.kind], n > 0 { had[need.kind] = n - 1 } else { added.append(need) }
        }
        return added
    }

    /// The free units a dispatcher could send to `incident`: every unit the rules would consider
    /// for its needs (its initial needs and whatever it has waiting), free, on shift, commanded by
    /// this instance and never sent to it; nearest by ETA first (ties by unit id), at most `limit`.
    public static func recommendations(
        for incident: ActiveIncident, queued: [QueueEntry], fleet: Fleet, policy: DispatchPolicy, rules: DispatchRules,
        scope: RegionScope, shifts: ShiftClock, minute: Int, target: Coordinate?, limit: Int
    ) -> [Recommendation] {
        var needs = policy.initialNeeds(incident.facts, rules: rules)
        needs += queued.filter { $0.incidentId == incident.id }.map(\.need)
        var seen = Set<String>()
        var out: [Recommendation] = []
        for need in needs {
            for tier in policy.tiers(for: need, incident.facts) {
                for id in tier.units where !seen.contains(id) {
                    guard let record = fleet[id], record.state == .available, !incident.tried.contains(id),
                        scope.commands(unitRegion: record.regionId), shifts.onShift(record.unit, minute: minute)
                    else { continue }
                    seen.insert(id)
                    let distance = target.map { record.position.distance(to: $0) } ?? 0
                    out.append(
                        Recommendation(
                            unitId: id, kind: record.unit.kind.rawValue, state: record.state.rawValue,
                            etaSeconds: rules.travelSeconds(distance, record.unit.kind), distanceMeters: distance, rule: tier.rule))
                }
            }
        }
        out.sort { ($0.etaSeconds, $0.unitId) < ($1.etaSeconds, $1.unitId) }
        return Array(out.prefix(max(1, limit)))
    }
}
