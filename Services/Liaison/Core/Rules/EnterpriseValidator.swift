import Foundation
import Model

/// The rules an enterprise record must follow (docs/liaison.md, "Registry").
public struct EnterpriseValidator: Sendable {
    /// When known, grids and officers are checked against it.
    public let jurisdiction: Jurisdiction?

    public init(jurisdiction: Jurisdiction?) { self.jurisdiction = jurisdiction }

    /// An id is one topic segment: letters, digits, `-` and `_`, at most 64.
    public static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" }
    }

    public func problems(_ e: Enterprise) -> [FieldError] {
        var out: [FieldError] = []
        func fail(_ field: String, _ reason: String) { out.append(FieldError(field: field, reason: reason)) }
        if !Self.isValidId(e.id) { fail("id", "must be 1–64 letters, digits, '-' or '_' (it is a topic segment); got '\(e.id)'") }
        if e.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { fail("name", "must not be empty") }
        if e.address.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { fail("address", "must not be empty") }
        if !e.location.isValid { fail("location", "lat must be in -90…90 and lon in -180…180") }
        if let problem = e.geofence.problem {
            fail("geofence", problem)
        } else if e.location.isValid && !e.geofence.contains(e.location) {
            fail("location", "must lie inside the geofence")
        }
        if e.liaisonOfficerId.isEmpty { fail("liaisonOfficerId", "every enterprise needs a liaison officer (一企一警)") }
        if let deputy = e.deputyOfficerId, deputy == e.liaisonOfficerId { fail("deputyOfficerId", "must differ from the liaison officer") }
        for (i, c) in e.contacts.enumerated() {
            if c.name.trimmingCharacters(in: .whitespaces).isEmpty { fail("contacts[\(i)].name", "must not be empty") }
            if c.phone.isEmpty || !c.phone.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == " " }) {
                fail("contacts[\(i)].phone", "must be a phone number (digits, '+', '-'); got '\(c.phone)'")
            }
        }
        if e.gridId.isEmpty { fail("gridId", "must not be empty") }
        guard let jurisdiction else { return out }
        guard let grid = jurisdiction.grid(e.gridId) else {
            fail("gridId", "'\(e.gridId)' is not a grid of this city")
            return out
        }
        if e.location.isValid && !grid.polygon.contains(e.location) { fail("location", "must lie inside grid \(grid.id)") }
        let officers: [(String, String?)] = [
            ("liaisonOfficerId", e.liaisonOfficerId), ("deputyOfficerId", e.deputyOfficerId), ("stationedOfficerId", e.stationedOfficerId),
        ]
        for (field, id) in officers {
            guard let id, !id.isEmpty else { continue }
            guard let officer = jurisdiction.officers[id] else {
                fail(field, "'\(id)' is not an officer of this city")
                continue
            }
            if officer.stationId != grid.stationId {
                fail(field, "officer \(id) belongs to station \(officer.stationId ?? "none"), not \(grid.stationId) which owns grid \(grid.id)")
            }
        }
        return out
    }
}
