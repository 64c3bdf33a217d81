import Foundation
import Model

/// An incident's facts folded into what the award rules read: the incident row (with its units)
/// and the events each rule cites, in a fixed order whatever the arrival order.
struct IncidentHistory {
    let incidentId: String
    /// The facts in (event time, id) order.
    let facts: [Fact]
    let record: IncidentRecord
    let openedId: String?
    let units: [String: IncidentUnitRecord]
    let reports: [(Fact, FieldReported)]
    let breaches: [(Fact, SLABreached)]
    let complaints: [String: (Fact, Complaint)]
    let closedEvent: (Fact, IncidentClosed)?
    /// The first feedback of any unit.
    let firstFeedback: (Fact, FieldReported)?
    /// Each unit's first close, in time order.
    let closers: [(Fact, FieldReported)]
    /// The units in assignment order.
    let ordered: [IncidentUnitRecord]

    /// `cache` (optional) keeps decoded facts across derivations of the incident.
    init(incidentId: String, facts unordered: [Fact], decoder: JSONDecoder, cache: DecodedFacts? = nil) {
        func decode<T: Decodable & Sendable>(_ type: T.Type, _ fact: Fact) -> T? {
            if let cache { return cache.value(type, of: fact, decoder: decoder) }
            return try? JSONCodec.decode(type, from: fact.payload, fallback: decoder)
        }
        // A fixed order, whatever the arrival order.
        let facts = unordered.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        self.incidentId = incidentId
        self.facts = facts
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
                guard let o = decode(IncidentOpened.self, f), openedId == nil else { continue }
                openedId = f.id
                inc.receivedAt = o.receivedAt
                inc.category = o.category
                inc.channel = o.channel
                inc.callTaker = o.callTaker
                if let g = o.place.grid {
                    inc.gridId = g.gridId
                    inc.stationId = g.stationId
                    inc.postId = g.postId
                    inc.regionId = g.regionId
                }
            case UnitAssigned.type:
                guard let a = decode(UnitAssigned.self, f) else { continue }
                if inc.stationId == nil && openedId == nil {
                    inc.stationId = a.stationId
                    inc.gridId = a.gridId
                    inc.regionId = a.regionId
                    inc.postId = a.postId
                }
                if units[a.unitId] == nil {
                    units[a.unitId] = IncidentUnitRecord(
                        unitId: a.unitId, kind: a.unitKind, stationId: a.unitStationId ?? a.stationId,
                        officerIds: a.officerIds,
                        role: a.role, assignedAt: a.assignedAt, assignId: f.id, handedOver: false)
                }
            case FieldReported.type:
                guard let r = decode(FieldReported.self, f) else { continue }
                reports.append((f, r))
            case SLABreached.type:
                guard let b = decode(SLABreached.self, f) else { continue }
                breaches.append((f, b))
            case IncidentClosed.type:
                guard let c = decode(IncidentClosed.self, f), closedEvent == nil else { continue }
                closedEvent = (f, c)
            case Complaint.factType:
                guard let c = decode(Complaint.self, f) else { continue }
                complaints[c.complaintId] = (f, c)
            case Callback.factType:
                guard let c = decode(Callback.self, f) else { continue }
                inc.callbacks += 1
                if c.satisfied { inc.satisfied += 1 }
            default:
                continue
            }
        }
        if let upgraded = UpgradedCategory.of(facts, decoder: decoder) { inc.category = upgraded }
        // Field reports: the first of each stage per unit.
        var firstFeedback: (Fact, FieldReported)?
        var closers: [(Fact, FieldReported)] = []
        for (f, r) in reports {
            guard var u = units[r.unitId] else { continue }
            if u.signedAt == nil, ImpliedSignOff.implies(r.stage) { u.signedAt = r.at }
            switch r.stage {
            case .signedOff, .enRoute: if u.signedAt == nil { u.signedAt = r.at }
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
            case .requestSupport: break
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

        self.record = inc
        self.openedId = openedId
        self.units = units
        self.reports = reports
        self.breaches = breaches
        self.complaints = complaints
        self.closedEvent = closedEvent
        self.firstFeedback = firstFeedback
        self.closers = closers
        self.ordered = ordered
    }
}
