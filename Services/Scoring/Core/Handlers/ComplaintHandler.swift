import EventStore
import Model

/// The `complaint` command: records a complaint or irregularity as a fact of its incident and
/// re-derives at once, so the answer's deduction is in the ledger when the caller reads it.
enum ComplaintHandler {
    static func handle(_ input: ScoringAPI.ComplaintInput, _ deriver: IncidentDeriver, in tx: Transaction) throws -> Complaint {
        guard !input.complaintId.isEmpty else { throw ScoringRefusal.invalid("complaintId is empty", field: "complaintId") }
        let log = FactLog(tx: tx)
        guard try log.knows(input.incidentId) else {
            throw ScoringRefusal.notFound("incident '\(input.incidentId)' is not known to scoring", field: "incidentId")
        }
        if let existing = try log.incident(ofComplaint: input.complaintId), existing != input.incidentId {
            throw ScoringRefusal.conflict("complaint '\(input.complaintId)' belongs to incident '\(existing)'", field: "incidentId")
        }
        let complaint = Complaint(
            complaintId: input.complaintId, incidentId: input.incidentId, kind: input.kind ?? .complaint,
            status: input.status ?? .pending, officerIds: input.officerIds ?? [], note: input.note, at: input.at ?? tx.now)
        try log.save(complaint)
        _ = try deriver.flush(tx)
        return complaint
    }
}
