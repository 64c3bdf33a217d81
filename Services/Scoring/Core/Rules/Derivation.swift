import Foundation
import Model

/// Awards are a pure function of an incident's facts and the rule table: the same facts in any
/// order give the same incident row and the same awards.
public enum Derivation {
    public typealias Promise = (_ unitId: String) -> Double?

    /// The incident row and the awards of `incidentId` from its facts (any order), under `rules`;
    /// `promise` gives a unit's arrival promise in seconds (nil: the table's default).
    public static func derive(
        incidentId: String, facts unordered: [Fact], rules: ScoringRules, decoder: JSONDecoder,
        promise: Promise
    ) -> (IncidentRecord, [Award]) {
        let history = IncidentHistory(incidentId: incidentId, facts: unordered, decoder: decoder)
        return (history.record, awards(history, rules: rules, promise: promise))
    }

    /// The awards the rule table gives for an incident's history.
    static func awards(_ history: IncidentHistory, rules: ScoringRules, promise: Promise) -> [Award] {
        let incidentId = history.incidentId
        let facts = history.facts
        let inc = history.record
        let openedId = history.openedId
        let units = history.units
        let reports = history.reports
        let breaches = history.breaches
        let complaints = history.complaints
        let closedEvent = history.closedEvent
        let firstFeedback = history.firstFeedback
        let closers = history.closers
        let ordered = history.ordered
        let factTime = Dictionary(facts.map { ($0.id, $0.at) }, uniquingKeysWith: { a, _ in a })
        var awards: [String: Award] = [:]
        func give(
            _ officers: [String], unit: String?, rule: String, points: Double, earnedBy: [String], explanation: String,
            suffix: String = "", always: Bool = false
        ) {
            guard points != 0 || always else { return }
            let ids = Array(Set(earnedBy)).sorted()
            let at = ids.compactMap { factTime[$0] }.max() ?? Date(timeIntervalSince1970: 0)
            for officer in officers {
                let id = "\(incidentId):\(officer):\(rule)\(suffix)"
                guard awards[id] == nil else { continue }
                awards[id] = Award(
                    awardId: id, officerId: officer, unitId: unit, incidentId: incidentId, rule: rule, points: points,
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
            give(
                u.officerIds, unit: u.unitId, rule: "dispatched", points: base, earnedBy: [u.assignId] + (openedId.map { [$0] } ?? []),
                explanation: "dispatched to a \(category) incident: base points", always: true)
            // Sign-off (签收).
            let signBreaches = breaches.filter { $0.1.timer == .signOff && $0.1.unitId == u.unitId }
            let signId = reportIds["\(u.unitId)|signedOff"] ?? reportIds["\(u.unitId)|enRoute"]
            if !signBreaches.isEmpty {
                give(
                    u.officerIds, unit: u.unitId, rule: "signOff.breached", points: rules.deductions.signOffBreached,
                    earnedBy: signBreaches.map(\.0.id) + [u.assignId],
                    explanation: "sign-off timer breached (limit \(seconds(rules.timers.signOffSeconds)))")
            } else if let s = u.signedAt {
                let took = s.timeIntervalSince(u.assignedAt)
                if took <= rules.timers.signOffSeconds {
                    give(
                        u.officerIds, unit: u.unitId, rule: "signOff.onTime", points: rules.bonuses.signOffOnTime,
                        earnedBy: [u.assignId] + (signId.map { [$0] } ?? []),
                        explanation: "signed off \(seconds(took)) after assignment (limit \(seconds(rules.timers.signOffSeconds)))")
                } else {
                    give(
                        u.officerIds, unit: u.unitId, rule: "signOff.breached", points: rules.deductions.signOffBreached,
                        earnedBy: [u.assignId] + (signId.map { [$0] } ?? []),
                        explanation: "signed off \(seconds(took)) after assignment (limit \(seconds(rules.timers.signOffSeconds)))")
                }
            }
            // Arrival (到警) within the unit's response promise.
            let limit = promise(u.unitId) ?? rules.timers.arrivalDefaultSeconds
            let arrivalBreaches = breaches.filter { $0.1.timer == .arrival && $0.1.unitId == u.unitId }
            let arriveId = reportIds["\(u.unitId)|arrived"]
            if !arrivalBreaches.isEmpty {
                give(
                    u.officerIds, unit: u.unitId, rule: "arrival.breached", points: rules.deductions.arrivalBreached,
                    earnedBy: arrivalBreaches.map(\.0.id) + [u.assignId], explanation: "arrival timer breached (promise \(seconds(limit)))")
            } else if let a = u.arrivedAt {
                let took = a.timeIntervalSince(u.assignedAt)
                let onTime = took <= limit
                give(
                    u.officerIds, unit: u.unitId, rule: onTime ? "arrival.onTime" : "arrival.breached",
                    points: onTime ? rules.bonuses.arrivalOnTime : rules.deductions.arrivalBreached,
                    earnedBy: [u.assignId] + (arriveId.map { [$0] } ?? []),
                    explanation: "arrived \(seconds(took)) after assignment (promise \(seconds(limit)))")
            }
            // Outcome of the unit's close.
            if let outcome = u.outcome, let closeId = reportIds["\(u.unitId)|closed"] {
                give(
                    u.officerIds, unit: u.unitId, rule: "closed.\(outcome.rawValue)", points: rules.bonus(outcome), earnedBy: [closeId],
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
            give(
                officers, unit: unit, rule: "feedback.breached", points: rules.deductions.feedbackBreached, earnedBy: feedbackBreaches.map(\.0.id),
                explanation: "first-feedback timer breached (limit \(seconds(rules.timers.firstFeedbackSeconds)))")
        } else if let (f, r) = firstFeedback, let start = inc.receivedAt {
            let took = r.at.timeIntervalSince(start)
            let onTime = took <= rules.timers.firstFeedbackSeconds
            let officers = units[r.unitId]?.officerIds ?? r.officerIds
            give(
                officers, unit: r.unitId, rule: onTime ? "feedback.onTime" : "feedback.breached",
                points: onTime ? rules.bonuses.feedbackOnTime : rules.deductions.feedbackBreached, earnedBy: [f.id] + (openedId.map { [$0] } ?? []),
                explanation: "first feedback \(seconds(took)) after receipt (limit \(seconds(rules.timers.firstFeedbackSeconds)))")
        }
        let closeBreaches = breaches.filter { $0.1.timer == .close }
        if let b = closeBreaches.first {
            let (officers, unit) = breachOfficers(b.1)
            give(
                officers, unit: unit, rule: "close.breached", points: rules.deductions.closeBreached, earnedBy: closeBreaches.map(\.0.id),
                explanation: "close timer breached (limit \(seconds(rules.timers.closeSeconds)))")
        } else if let closedAt = inc.closedAt, let start = inc.receivedAt {
            let took = closedAt.timeIntervalSince(start)
            let onTime = took <= rules.timers.closeSeconds
            for (f, r) in closers {
                let officers = units[r.unitId]?.officerIds ?? r.officerIds
                give(
                    officers, unit: r.unitId, rule: onTime ? "close.onTime" : "close.breached",
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
                give(
                    [o], unit: unitOf(o), rule: c.kind == .complaint ? "complaint.upheld" : "irregularity",
                    points: c.kind == .complaint ? rules.deductions.complaintUpheld : rules.deductions.irregularity, earnedBy: [f.id],
                    explanation: "\(c.kind == .complaint ? "complaint" : "handling irregularity") \(c.complaintId) upheld",
                    suffix: ":\(c.complaintId)")
            }
        }
        return awards.values.sorted { $0.awardId < $1.awardId }
    }

    static func orderedUnique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
