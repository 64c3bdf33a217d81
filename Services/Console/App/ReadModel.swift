import Foundation
import Model
import Wire

/// What one batch of events changed, for the live stream.
struct ModelChanges: Sendable {
    var incidents: Set<String> = []
    var units: Set<String> = []
    var officers: Set<String> = []
    var isEmpty: Bool { incidents.isEmpty && units.isEmpty && officers.isEmpty }
}

/// The read model itself: a value applied event by event (pure; the follower owns the lock).
struct ReadModel: Sendable {
    var incidents: [String: ConsoleIncident] = [:]
    var units: [String: ConsoleUnit] = [:]
    var officers: [String: ConsoleOfficer] = [:]
    /// The last sequence applied per source, and each source's follow state.
    var positions: [String: UInt64] = [:]
    var sourceStates: [String: String] = [:]
    var deadLetters = 0
    var applied = 0
    let rules: TimerRules
    /// For the arrival promise of each grid (dispatch's own reading, `ArrivalPromise`).
    let jurisdiction: Jurisdiction?

    init(jurisdiction: Jurisdiction?, rules: TimerRules) {
        self.rules = rules
        self.jurisdiction = jurisdiction
        for unit in jurisdiction?.units ?? [] {
            units[unit.id] = ConsoleUnit(
                id: unit.id, callSign: unit.callSign, kind: unit.kind.rawValue, stationId: unit.stationId ?? unit.squadronId,
                officerIds: unit.officerIds, shift: unit.shift.map { "\($0.start)–\($0.end)" }, state: "available",
                lat: unit.position.lat, lon: unit.position.lon, incidentId: nil, reason: nil, at: nil)
        }
        for officer in jurisdiction?.officers.values.sorted(by: { $0.id < $1.id }) ?? [] {
            officers[officer.id] = ConsoleOfficer(id: officer.id, name: officer.name, stationId: officer.stationId, points: 0, lines: [])
        }
    }

    static let decoder = JSONCodec.decoder()

    private func decode<T: Decodable>(_ type: T.Type, _ event: Envelope) -> T? {
        try? Self.decoder.decode(T.self, from: Data(event.payload))
    }

    /// Applies one event; a repeat (at or below the source's position) is ignored.
    mutating func apply(_ event: Envelope, changes: inout ModelChanges) {
        let source = event.header.source
        if let last = positions[source], event.header.seq <= last { return }
        positions[source] = event.header.seq
        applied += 1
        let type = event.header.type
        // The closures below change one incident; they read only these locals, never `self`.
        let rules = self.rules
        switch type {
        case IncidentOpened.type:
            guard let e = decode(IncidentOpened.self, event) else { return }
            var incident = ConsoleIncident(
                id: e.incidentId, category: e.category.rawValue, priority: e.priority, state: "open",
                lat: e.place.coordinate?.lat, lon: e.place.coordinate?.lon, address: e.place.address, gridId: e.place.grid?.gridId,
                stationId: e.place.grid?.stationId, regionId: e.place.grid?.regionId, commandStationId: nil, openedAt: e.receivedAt,
                description: e.description, enterpriseId: e.enterpriseId, major: false,
                calls: 1, units: [],
                timers: [], escalations: [], timeline: [], outcome: nil, closedAt: nil, points: 0)
            incident.timers = ["firstFeedback", "close"].map { Self.timer(rules, $0, unitId: nil, from: e.receivedAt) }
            incident.timeline.append(
                ConsoleTimelineEntry(at: e.receivedAt, type: type, text: "\(e.channel.rawValue) \(e.category.rawValue) P\(e.priority)"))
            incidents[e.incidentId] = incident
            changes.incidents.insert(e.incidentId)
        case IncidentMerged.type:
            guard let e = decode(IncidentMerged.self, event) else { return }
            update(e.incidentId, &changes) {
                $0.calls = e.callCount
                $0.timeline.append(ConsoleTimelineEntry(at: e.receivedAt, type: type, text: "call \(e.callId) merged (\(e.reason))"))
            }
        case IncidentUpgraded.type:
            guard let e = decode(IncidentUpgraded.self, event) else { return }
            update(e.incidentId, &changes) {
                if let c = e.category { $0.category = c.rawValue }
                if let p = e.priority { $0.priority = p }
                if let m = e.major { $0.major = m }
                $0.timeline.append(ConsoleTimelineEntry(at: e.upgradedAt, type: type, text: "upgraded: \(e.reason)"))
            }
        case UnitAssigned.type:
            guard let e = decode(UnitAssigned.self, event) else { return }
            let jurisdiction = self.jurisdiction
            let gridId = incidents[e.incidentId]?.gridId
            update(e.incidentId, &changes) {
                $0.state = "assigned"
                $0.commandStationId = e.commandStationId ?? $0.commandStationId
                if let replaced = e.replacesUnitId { Self.release(&$0, unitId: replaced) }
                $0.units.removeAll { $0.unitId == e.unitId }
                $0.units.append(
                    ConsoleAssignment(
                        unitId: e.unitId, callSign: e.callSign, rule: e.rule, role: e.role, etaSeconds: e.etaSeconds, assignedAt: e.assignedAt,
                        stage: "dispatched"))
                $0.timers.append(Self.timer(rules, "signOff", unitId: e.unitId, from: e.assignedAt))
                // Arrival runs from the first dispatch, for the grid's promise (dispatch's deadline;
                // its warning, when it comes, carries the instants and wins).
                if !$0.timers.contains(where: { $0.timer == "arrival" }) {
                    var arrival = Self.timer(rules, "arrival", unitId: nil, from: e.assignedAt)
                    let minutes = ArrivalPromise.minutes(grid: e.gridId ?? gridId, in: jurisdiction, fallbackMinutes: rules.arrival.seconds / 60)
                    arrival.dueAt = e.assignedAt.addingTimeInterval(minutes * 60)
                    arrival.warnBefore = min(rules.arrival.warnBefore, minutes * 30)
                    $0.timers.append(arrival)
                }
                $0.timeline.append(
                    ConsoleTimelineEntry(at: e.assignedAt, type: type, text: "\(e.callSign) (\(e.rule), ETA \(Int(e.etaSeconds)) s)"))
            }
        case IncidentQueued.type:
            guard let e = decode(IncidentQueued.self, event) else { return }
            update(e.incidentId, &changes) {
                if $0.units.allSatisfy({ $0.stage == "released" }) { $0.state = "queued" }
                $0.timeline.append(ConsoleTimelineEntry(at: e.queuedAt, type: type, text: "queued: \(e.reason)"))
            }
        case FieldReported.type:
            guard let e = decode(FieldReported.self, event) else { return }
            update(e.incidentId, &changes) { incident in
                let stage = e.stage.rawValue
                if let i = incident.units.firstIndex(where: { $0.unitId == e.unitId }),
                    ["signedOff", "enRoute", "arrived", "feedback", "closed"].contains(stage)
                {
                    incident.units[i].stage = stage
                }
                // A unit's report of any stage meets its sign-off; arrival, feedback and close meet the incident's timers.
                Self.meet(&incident, "signOff", unitId: e.unitId)
                if ["arrived", "feedback", "closed"].contains(stage) { Self.meet(&incident, "arrival", unitId: nil) }
                if ["feedback", "closed"].contains(stage) { Self.meet(&incident, "firstFeedback", unitId: nil) }
                if let handover = e.handover {
                    incident.timeline.append(
                        ConsoleTimelineEntry(
                            at: e.at, type: type, text: "handover \(handover.kind.rawValue) → \(handover.toUnitId ?? handover.toStationId ?? "?")"))
                } else {
                    incident.timeline.append(
                        ConsoleTimelineEntry(at: e.at, type: type, text: "\(e.unitId) \(stage)\(e.note.map { ": \($0)" } ?? "")"))
                }
            }
        case IncidentEscalated.type:
            guard let e = decode(IncidentEscalated.self, event) else { return }
            update(e.incidentId, &changes) {
                // Dispatch names an escalation by its event's place in its log (what acknowledge takes).
                $0.escalations.append(
                    ConsoleEscalation(
                        id: "\(event.header.source)-\(event.header.seq)", reason: e.reason, level: e.level, at: e.at, acknowledged: false))
                $0.timeline.append(ConsoleTimelineEntry(at: e.at, type: type, text: "escalated L\(e.level): \(e.reason)"))
            }
        case IncidentClosed.type:
            guard let e = decode(IncidentClosed.self, event) else { return }
            update(e.incidentId, &changes) {
                $0.state = "closed"
                $0.outcome = e.outcome.rawValue
                $0.closedAt = e.at
                for i in $0.timers.indices where $0.timers[i].state == "running" {
                    $0.timers[i].state = $0.timers[i].timer == "close" ? "met" : "cancelled"
                }
                $0.timeline.append(ConsoleTimelineEntry(at: e.at, type: type, text: "closed: \(e.outcome.rawValue)"))
            }
        case UnitStatusChanged.type:
            guard let e = decode(UnitStatusChanged.self, event) else { return }
            if units[e.unitId] == nil {
                units[e.unitId] = ConsoleUnit(
                    id: e.unitId, callSign: e.unitId, kind: "unknown", stationId: e.stationId, officerIds: [], shift: nil, state: e.to,
                    lat: e.position.lat, lon: e.position.lon)
            }
            units[e.unitId]?.state = e.to
            units[e.unitId]?.lat = e.position.lat
            units[e.unitId]?.lon = e.position.lon
            units[e.unitId]?.incidentId = e.to == "available" || e.to == "offDuty" ? nil : e.incidentId
            units[e.unitId]?.reason = e.reason
            units[e.unitId]?.at = e.at
            changes.units.insert(e.unitId)
            if e.to == "available", let incidentId = e.incidentId {
                update(incidentId, &changes) { Self.release(&$0, unitId: e.unitId) }
            }
        case SLAWarning.type:
            guard let e = decode(SLAWarning.self, event) else { return }
            update(e.incidentId, &changes) {
                Self.settle(rules, &$0, e.timer.rawValue, unitId: e.unitId, startedAt: e.startedAt, dueAt: e.dueAt, state: nil)
            }
        case SLABreached.type:
            guard let e = decode(SLABreached.self, event) else { return }
            update(e.incidentId, &changes) {
                Self.settle(rules, &$0, e.timer.rawValue, unitId: e.unitId, startedAt: e.startedAt, dueAt: e.dueAt, state: "breached")
                $0.timeline.append(ConsoleTimelineEntry(at: e.at, type: type, text: "\(e.timer.rawValue) breached (\(e.action))"))
            }
        case OverrideFields.type:
            guard let e = decode(OverrideFields.self, event) else { return }
            update(e.incidentId, &changes) {
                if e.action == "reclassify", let category = e.category { $0.category = category }
                if e.action == "major", let major = e.major { $0.major = major }
                if e.action == "acknowledgeEscalation", let id = e.escalationId {
                    for i in $0.escalations.indices where $0.escalations[i].id == id { $0.escalations[i].acknowledged = true }
                }
                $0.timeline.append(ConsoleTimelineEntry(at: e.at, type: type, text: "\(e.action) by \(e.dispatcher): \(e.reason)"))
            }
        case PointsAwarded.type:
            guard let points = pointsChange(event) else { return }
            for line in points.lines { credit(line, incidentId: points.incidentId, stationId: points.stationId, &changes) }
        default:
            break
        }
    }

    /// What the board needs of a dispatcher's override (`dispatch.override`, the Rules issue's
    /// event): the console reads these fields only, so it does not depend on the event's type.
    struct OverrideFields: Decodable {
        static let type = "dispatch.override"
        var incidentId: String
        var action: String
        var dispatcher: String
        var reason: String
        var category: String?
        var major: Bool?
        var escalationId: String?
        var at: Date
    }

    mutating func update(_ id: String, _ changes: inout ModelChanges, _ body: (inout ConsoleIncident) -> Void) {
        guard var incident = incidents[id] else { return }
        body(&incident)
        incidents[id] = incident
        changes.incidents.insert(id)
    }

    private static func timer(_ rules: TimerRules, _ name: String, unitId: String?, from start: Date) -> ConsoleTimer {
        let rule = rules.of(name)
        return ConsoleTimer(
            timer: name, unitId: unitId, startedAt: start, dueAt: start.addingTimeInterval(rule.seconds), warnBefore: rule.warnBefore,
            state: "running")
    }

    private static func meet(_ incident: inout ConsoleIncident, _ name: String, unitId: String?) {
        for i in incident.timers.indices
        where incident.timers[i].timer == name && incident.timers[i].unitId == unitId && incident.timers[i].state == "running" {
            incident.timers[i].state = "met"
        }
    }

    private static func release(_ incident: inout ConsoleIncident, unitId: String) {
        for i in incident.units.indices where incident.units[i].unitId == unitId && !["closed", "released"].contains(incident.units[i].stage) {
            incident.units[i].stage = "released"
        }
        for i in incident.timers.indices
        where incident.timers[i].timer == "signOff" && incident.timers[i].unitId == unitId && incident.timers[i].state == "running" {
            incident.timers[i].state = "cancelled"
        }
    }

    /// The service's own figures win over the console's estimate (an arrival promise, say).
    private static func settle(
        _ rules: TimerRules, _ incident: inout ConsoleIncident, _ name: String, unitId: String?, startedAt: Date, dueAt: Date, state: String?
    ) {
        if let i = incident.timers.lastIndex(where: { $0.timer == name && (name != "signOff" || $0.unitId == unitId) }) {
            incident.timers[i].startedAt = startedAt
            incident.timers[i].dueAt = dueAt
            if let state { incident.timers[i].state = state }
        } else {
            incident.timers.append(
                ConsoleTimer(
                    timer: name, unitId: unitId, startedAt: startedAt, dueAt: dueAt, warnBefore: rules.of(name).warnBefore, state: state ?? "running")
            )
        }
    }
}
