import Foundation
import Model

/// Zero-disturbance coordination (零滋扰, docs/liaison.md, "Coordination"): who may acknowledge
/// police action at a site, and when. Pure.
enum CoordinationRules {
    /// The officers who may acknowledge for `enterprise`: its liaison officer, its deputy and its
    /// stationed officer (一企一警), and the officer dispatch named on the hold.
    static func mayAcknowledge(_ officerId: String, enterprise: Enterprise?, holdOfficer: String) -> Bool {
        if officerId == holdOfficer { return true }
        guard let e = enterprise else { return false }
        return [e.liaisonOfficerId, e.deputyOfficerId, e.stationedOfficerId].contains(officerId)
    }

    /// Checks an acknowledgement against the hold as liaison knows it; the refusal names the field.
    static func check(_ input: CoordinationAck, hold: CoordinationView?, enterprise: Enterprise?) throws -> CoordinationView {
        if input.officerId.trimmingCharacters(in: .whitespaces).isEmpty {
            throw LiaisonError(status: 400, code: "invalid-value", problems: [FieldError(field: "officerId", reason: "officerId is required")])
        }
        guard let hold else { throw LiaisonError.notFound("incidentId", "no zero-disturbance hold for incident '\(input.incidentId)'") }
        guard mayAcknowledge(input.officerId, enterprise: enterprise, holdOfficer: hold.liaisonOfficerId) else {
            throw LiaisonError(
                status: 403, code: "forbidden",
                problems: [FieldError(field: "officerId", reason: "officer \(input.officerId) is not the liaison officer of \(hold.enterpriseId)")])
        }
        guard hold.status == HoldStatus.held.rawValue, hold.acknowledgedBy == nil else {
            let how = hold.acknowledgedBy.map { "acknowledged by \($0)" } ?? "\(hold.status) (\(hold.reason))"
            throw LiaisonError.conflict("incidentId", "the hold on \(input.incidentId) is no longer waiting: \(how)")
        }
        return hold
    }

    /// The officer alert asking for the acknowledgement (`hold`), or telling of an emergency (`emergency`).
    static func officerAlert(_ h: CoordinationHold, enterprise e: Enterprise?) -> OfficerAlert? {
        guard h.status != .released else { return nil }
        let transition = h.status == .held ? "hold" : "emergency"
        let name = h.enterpriseName ?? e?.name ?? h.enterpriseId
        let summary =
            h.status == .held
            ? "\(name)：零滋扰单位警情待协调，请确认后出警（\(h.incidentId)）"
            : "\(name)：零滋扰单位紧急警情，已直接出警（\(h.incidentId)）"
        return OfficerAlert(
            alertId: "\(h.incidentId):\(h.enterpriseId):\(transition)", officerId: h.liaisonOfficerId, kind: .coordination,
            enterpriseId: h.enterpriseId, enterpriseName: name, incidentId: h.incidentId, transition: transition,
            severity: AlertText.severity(h.category, casualties: h.reason == "casualties" ? 1 : 0), category: h.category, matchedBy: "dispatch",
            zeroDisturbance: true, coordinationRequired: h.status == .held, summary: summary, gridId: h.gridId,
            deputyOfficerId: e?.deputyOfficerId, stationedOfficerId: e?.stationedOfficerId, contacts: e?.contacts ?? [], at: h.at)
    }
}
