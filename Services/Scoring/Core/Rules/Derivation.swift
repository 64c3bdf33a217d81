import Foundation
import Model

/// Awards are a pure function of an incident's facts and the rule table: the same facts in any
/// order give the same incident row and the same awards.
public enum Derivation {
    public typealias Promise = (_ gridId: String) -> Double?

    /// The incident row and the awards of `incidentId` from its facts (any order), under `rules`;
    /// `promise` gives a grid's arrival promise in seconds (`ArrivalPromise`; nil: the table's default); `cache`
    /// keeps decoded facts between derivations (the result is the same with or without it).
    public static func derive(
        incidentId: String, facts unordered: [Fact], rules: ScoringRules, decoder: JSONDecoder,
        cache: DecodedFacts? = nil, promise: Promise
    ) -> (IncidentRecord, [Award]) {
        let history = IncidentHistory(incidentId: incidentId, facts: unordered, decoder: decoder, cache: cache)
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
        func seconds(_ t: Double) -> String { t == t.rounded() ? "\(Int(t)) s" : oneDecimal(t) + " s" }
        let reportIds = Dictionary(grouping: reports, by: { "\($0.1.unitId)|\($0.1.stage.rawValue)" }).mapValues { $0.first!.0.id }
        let responsible = ordered.first { $0.role == nil || $0.role == "primary" } ?? ordered.first
        let allOfficers = orderedUnique(ordered.flatMap(\.officerIds))
        let category = inc.category.map(\.rawValue) ?? "unknown category"
        for u in ordered {
            let base = rules.base(inc.category)
            let signBreaches = breaches.filter { $0.1.timer == .signOff && $0.1.unitId == u.unitId }
            // Points never reward failure: a unit released for missing its sign-off earns no base points.
            let released = signBreaches.contains { $0.1.action == "redispatched" || $0.1.action == "queued" }
            if !released {
                give(
                    u.officerIds, unit: u.unitId, rule: "dispatched", points: base, earnedBy: [u.assignId] + (openedId.map { [$0] } ?? []),
                    explanation: "dispatched to a \(category) incident: base points", always: true)
            }
            // Sign-off (签收): the first report that signs the unit off, explicitly or not.
            let signId = ImpliedSignOff.firstReport(of: u.unitId, in: reports)
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
            // Arrival (到警): the one promise (`ArrivalPromise`) of the incident's grid, from its first dispatch.
            let limit = promise(inc.gridId ?? "") ?? rules.timers.arrivalDefaultSeconds
            let firstDispatch = inc.firstAssignedAt ?? u.assignedAt
            let arrivalBreaches = breaches.filter {
                $0.1.timer == .arrival && ($0.1.unitId == u.unitId || ($0.1.unitIds ?? []).contains(u.unitId))
            }
            let arriveId = reportIds["\(u.unitId)|arrived"]
            if !arrivalBreaches.isEmpty {
                give(
                    u.officerIds, unit: u.unitId, rule: "arrival.breached", points: rules.deductions.arrivalBreached,
                    earnedBy: arrivalBreaches.map(\.0.id) + [u.assignId], explanation: "arrival timer breached (promise \(seconds(limit)))")
            } else if let a = u.arrivedAt {
                let took = a.timeIntervalSince(firstDispatch)
                let onTime = ArrivalPromise.kept(arrivedAt: a, firstDispatch: firstDispatch, seconds: limit)
                give(
                    u.officerIds, unit: u.unitId, rule: onTime ? "arrival.onTime" : "arrival.breached",
                    points: onTime ? rules.bonuses.arrivalOnTime : rules.deductions.arrivalBreached,
                    earnedBy: [u.assignId] + (arriveId.map { [$0] } ?? []),
                    explanation: "arrived \(seconds(took)) after the first dispatch (promise \(seconds(limit)))")
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
            if !b.officerIds.isEmpty { return (b.officerIds, b.unitId ?? b.unitIds?.first ?? responsible?.unitId) }
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

    /// `t` as `String(format: "%.1f", t)` writes it, from C's formatter directly: Foundation's
    /// reaches the same `snprintf` through CoreFoundation's format parser, and an explanation per
    /// award per derivation made that 1.5 % of scoring's CPU.
    static func oneDecimal(_ t: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            let written = withVaList([t]) { vsnprintf(buffer.baseAddress, buffer.count, "%.1f", $0) }
            guard written > 0 && Int(written) < buffer.count, let text = buffer.baseAddress else { return String(format: "%.1f", t) }
            return String(cString: text)
        }
    }

    static func orderedUnique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
