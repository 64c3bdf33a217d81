import Foundation
import Model

/// Awards are a pure function of an incident's facts and the rule table: the same facts in any
/// order give the same incident row and the same awards.
public enum Derivation {
    public typealias Promise = (_ unitId: String) -> Double?

    /// The incident row and the awards of `incidentId` from its facts (any order), under `rules`;
    /// `promise` gives a unit's arrival promise in seconds (nil: the table's default).
    public static func derive(incidentId: String, facts unordered: [Fact], rules: ScoringRules, decoder: JSONDecoder,
                              promise: Promise) -> (IncidentRecord, [Award]) {
        // A fixed order, whatever the arrival order.
        let facts = unordered.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        var inc = IncidentRecord(incidentId: incidentId)
        var openedId: String?
        var units: [String: IncidentUnitRecord] = [:]
        var reports: [(Fact, FieldReported)] = []
        var breaches: [(Fact, SLABreached)] = []
        var complaints: [String: (Fact, Complaint)] = [:]
        var closedEvent: (Fact, IncidentClosed)?
        for f in facts {
            switch f.type {
            case IncidentOpened.type:
                guard let o = try? decoder.decode(IncidentOpened.self, from: f.payload), openedId == nil else { continue }
                openedId = f.id
                inc.receivedAt = o.receivedAt
                inc.category = o.category
                inc.channel = o.channel
                inc.callTaker = o.callTaker
                if let g = o.place.grid {
                    inc.gridId = g.gridId; inc.stationId = g.stationId; inc.postId = g.postId; inc.regionId = g.regionId
                }
            case UnitAssigned.type:
                guard let a = try? decoder.decode(UnitAssigned.self, from: f.payload) else { continue }
                if inc.stationId == nil && openedId == nil {
                    inc.stationId = a.stationId; inc.gridId = a.gridId; inc.regionId = a.regionId; inc.postId = a.postId
                }
                if units[a.unitId] == nil {
                    units[a.unitId] = IncidentUnitRecord(unitId: a.unitId, kind: a.unitKind, stationId: a.unitStationId ?? a.stationId,
                                                         officerIds: a.officerIds,
                                                role: a.role, assignedAt: a.assignedAt, assignId: f.id, handedOver: false)
                }
            case FieldReported.type:
                guard let r = try? decoder.decode(FieldReported.self, from: f.payload) else { continue }
                reports.append((f, r))
            case SLABreached.type:
                guard let b = try? decoder.decode(SLABreached.self, from: f.payload) else { continue }
                breaches.append((f, b))
            case IncidentClosed.type:
                guard let c = try? decoder.decode(IncidentClosed.self, from: f.payload), closedEvent == nil else { continue }
                closedEvent = (f, c)
            case Complaint.factType:
                guard let c = try? decoder.decode(Complaint.self, from: f.payload) else { continue }
                complaints[c.complaintId] = (f, c)
            case Callback.factType:
                guard let c = try? decoder.decode(Callback.self, from: f.payload) else { continue }
                inc.callbacks += 1
                if c.satisfied { inc.satisfied += 1 }
            default:
                continue
            }
        }
        // Field reports: the first of each stage per unit.
        var firstFeedback: (Fact, FieldReported)?
        var closers: [(Fact, FieldReported)] = []
        for (f, r) in reports {
            guard var u = units[r.unitId] else { continue }
            switch r.stage {
            case .signedOff: if u.signedAt == nil { u.signedAt = r.at }
            case .arrived: if u.arrivedAt == nil { u.arrivedAt = r.at }
            case .feedback:
                if u.feedbackAt == nil { u.feedbackAt = r.at }
                if firstFeedback == nil { firstFeedback = (f, r) }
            case .closed:
                if u.closedAt == nil {
                    u.closedAt = r.at
                    u.outcome = r.outcome
                    closers.append((f, r))
                }
            case .handover: u.handedOver = true
            case .enRoute, .requestSupport: break
            }
            units[r.unitId] = u
        }
        let ordered = units.values.sorted { ($0.assignedAt, $0.unitId) < ($1.assignedAt, $1.unitId) }
        inc.units = ordered
        inc.firstAssignedAt = ordered.first?.assignedAt
        inc.firstSignedAt = ordered.compactMap(\.signedAt).min()
        inc.firstArrivedAt = ordered.compactMap(\.arrivedAt).min()
        inc.firstFeedbackAt = firstFeedback?.1.at
        inc.handedOver = ordered.contains { $0.handedOver }
        if let (_, c) = closedEvent {
            inc.closedAt = c.at
            inc.outcome = c.outcome
        } else if let last = closers.last(where: { $0.1.incidentClosed == true }) {
            inc.closedAt = last.1.at
            inc.outcome = last.1.outcome
        }
        inc.complaints = complaints.values.filter { $0.1.kind == .complaint }.count
        inc.complaintsUpheld = complaints.values.filter { $0.1.kind == .complaint && $0.1.status == .upheld }.count

        // Awards.
        let factTime = Dictionary(facts.map { ($0.id, $0.at) }, uniquingKeysWith: { a, _ in a })
        var awards: [String: Award] = [:]
        func give(_ officers: [String], unit: String?, rule: String, points: Double, earnedBy: [String], explanation: String,
                  suffix: String = "", always: Bool = false) {
            guard points != 0 || always else { return }
            let ids = Array(Set(earnedBy)).sorted()
            let at = ids.compactMap { factTime[$0] }.max() ?? Date(timeIntervalSince1970: 0)
            for officer in officers {
                let id = "\(incidentId):\(officer):\(rule)\(suffix)"
                guard awards[id] == nil else { continue }
                awards[id] = Award(awardId: id, officerId: officer, unitId: unit, incidentId: incidentId, rule: rule, points: points,
                                   earnedBy: ids, at: at, explanation: explanation)
            }
        }
        func seconds(_ t: Double) -> String { t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t) }
        let reportIds = Dictionary(grouping: reports, by: { "\($0.1.unitId)|\($0.1.stage.rawValue)" }).mapValues { $0.first!.0.id }
        let responsible = ordered.first { $0.role == nil || $0.role == "primary" } ?? ordered.first
        let allOfficers = orderedUnique(ordered.flatMap(\.officerIds))
        let category = inc.category.map(\.rawValue) ?? "unknown category"
        for u in ordered {
            let base = rules.base(inc.category)
            give(u.officerIds, unit: u.unitId, rule: "dispatched", points: base, earnedBy: [u.assignId] + (openedId.map { [$0] } ?? []),
                 explanation: "dispatched to a \(category) incident: base points", always: true)
            // Sign-off (签收).
            let signBreaches = breaches.filter { $0.1.timer == .signOff && $0.1.unitId == u.unitId }
            let signId = reportIds["\(u.unitId)|signedOff"]
            if !signBreaches.isEmpty {
                give(u.officerIds, unit: u.unitId, rule: "signOff.breached", points: rules.deductions.signOffBreached,
                     earnedBy: signBreaches.map(\.0.id) + [u.assignId],
                     explanation: "sign-off timer breached (limit \(seconds(rules.timers.signOffSeconds)))")
            } else if let s = u.signedAt {
                let took = s.timeIntervalSince(u.assignedAt)
                if took <= rules.timers.signOffSeconds {
                    give(u.officerIds, unit: u.unitId, rule: "signOff.onTime", points: rules.bonuses.signOffOnTime,
                         earnedBy: [u.assignId] + (signId.map { [$0] } ?? []),
                         explanation: "signed off \(seconds(took)) after assignment (limit \(seconds(rules.timers.signOffSeconds)))")
                } else {
                    give(u.officerIds, unit: u.unitId, rule: "signOff.breached", points: rules.deductions.signOffBreached,
                         earnedBy: [u.assignId] + (signId.map { [$0] } ?? []),
                         explanation: "signed off \(seconds(took)) after assignment (limit \(seconds(rules.timers.signOffSeconds)))")
                }
            }
            // Arrival (到警) within the unit's response promise.
            let limit = promise(u.unitId) ?? rules.timers.arrivalDefaultSeconds
            let arrivalBreaches = breaches.filter { $0.1.timer == .arrival && $0.1.unitId == u.unitId }
            let arriveId = reportIds["\(u.unitId)|arrived"]
            if !arrivalBreaches.isEmpty {
                give(u.officerIds, unit: u.unitId, rule: "arrival.breached", points: rules.deductions.arrivalBreached,
                     earnedBy: arrivalBreaches.map(\.0.id) + [u.assignId], explanation: "arrival timer breached (promise \(seconds(limit)))")
            } else if let a = u.arrivedAt {
                let took = a.timeIntervalSince(u.assignedAt)
                let onTime = took <= limit
                give(u.officerIds, unit: u.unitId, rule: onTime ? "arrival.onTime" : "arrival.breached",
                     points: onTime ? rules.bonuses.arrivalOnTime : rules.deductions.arrivalBreached,
                     earnedBy: [u.assignId] + (arriveId.map { [$0] } ?? []),
                     explanation: "arrived \(seconds(took)) after assignment (promise \(seconds(limit)))")
            }
            // Outcome of the unit's close.
            if let outcome = u.outcome, let closeId = reportIds["\(u.unitId)|closed"] {
                give(u.officerIds, unit: u.unitId, rule: "closed.\(outcome.rawValue)", points: rules.bonus(outcome), earnedBy: [closeId],
                     explanation: "closed with outcome \(outcome.rawValue)")
            }
        }
        // Incident timers: a breach names its officers (else the responsible unit's).
        func breachOfficers(_ b: SLABreached) -> (officers: [String], unit: String?) {
            if !b.officerIds.isEmpty { return (b.officerIds, b.unitId ?? responsible?.unitId) }
            if let id = b.unitId, let u = units[id] { return (u.officerIds, id) }
            return (responsible?.officerIds ?? [], responsible?.unitId)
        }
        let feedbackBreaches = breaches.filter { $0.1.timer == .firstFeedback }
        if let b = feedbackBreaches.first {
            let (officers, unit) = breachOfficers(b.1)
            give(officers, unit: unit, rule: "feedback.breached", points: rules.deductions.feedbackBreached, earnedBy: feedbackBreaches.map(\.0.id),
                 explanation: "first-feedback timer breached (limit \(seconds(rules.timers.firstFeedbackSeconds)))")
        } else if let (f, r) = firstFeedback, let start = inc.receivedAt {
            let took = r.at.timeIntervalSince(start)
            let onTime = took <= rules.timers.firstFeedbackSeconds
            let officers = units[r.unitId]?.officerIds ?? r.officerIds
            give(officers, unit: r.unitId, rule: onTime ? "feedback.onTime" : "feedback.breached",
                 points: onTime ? rules.bonuses.feedbackOnTime : rules.deductions.feedbackBreached, earnedBy: [f.id] + (openedId.map { [$0] } ?? []),
                 explanation: "first feedback \(seconds(took)) after receipt (limit \(seconds(rules.timers.firstFeedbackSeconds)))")
        }
        let closeBreaches = breaches.filter { $0.1.timer == .close }
        if let b = closeBreaches.first {
            let (officers, unit) = breachOfficers(b.1)
            give(officers, unit: unit, rule: "close.breached", points: rules.deductions.closeBreached, earnedBy: closeBreaches.map(\.0.id),
                 explanation: "close timer breached (limit \(seconds(rules.timers.closeSeconds)))")
        } else if let closedAt = inc.closedAt, let start = inc.receivedAt {
            let took = closedAt.timeIntervalSince(start)
            let onTime = took <= rules.timers.closeSeconds
            for (f, r) in closers {
                let officers = units[r.unitId]?.officerIds ?? r.officerIds
                give(officers, unit: r.unitId, rule: onTime ? "close.onTime" : "close.breached",
                     points: onTime ? rules.bonuses.closeOnTime : rules.deductions.closeBreached,
                     earnedBy: [f.id] + (openedId.map { [$0] } ?? []) + (closedEvent.map { [$0.0.id] } ?? []),
                     explanation: "incident closed \(seconds(took)) after receipt (limit \(seconds(rules.timers.closeSeconds)))")
            }
        }
        // Complaints and irregularities, when upheld.
        for (f, c) in complaints.values.sorted(by: { $0.1.complaintId < $1.1.complaintId }) where c.status == .upheld {
            let officers = c.officerIds.isEmpty ? allOfficers : c.officerIds
            let unitOf = { (o: String) in ordered.first { $0.officerIds.contains(o) }?.unitId }
            for o in officers {
                give([o], unit: unitOf(o), rule: c.kind == .complaint ? "complaint.upheld" : "irregularity",
                     points: c.kind == .complaint ? rules.deductions.complaintUpheld : rules.deductions.irregularity, earnedBy: [f.id],
                     explanation: "\(c.kind == .complaint ? "complaint" : "handling irregularity") \(c.complaintId) upheld",
                     suffix: ":\(c.complaintId)")
            }
        }
        return (inc, awards.values.sorted { $0.awardId < $1.awardId })
    }

    static func orderedUnique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
