import Foundation
import Model

/// A refused write: the HTTP status, a code, and every problem found (each names its field).
public struct LiaisonError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var problems: [FieldError]

    public init(status: Int, code: String, problems: [FieldError]) {
        self.status = status
        self.code = code
        self.problems = problems
    }

    public static func invalid(_ problems: [FieldError]) -> LiaisonError { LiaisonError(status: 422, code: "invalid", problems: problems) }
    public static func notFound(_ field: String, _ reason: String) -> LiaisonError { LiaisonError(status: 404, code: "not-found", problems: [FieldError(field: field, reason: reason)]) }
    public static func conflict(_ field: String, _ reason: String) -> LiaisonError { LiaisonError(status: 409, code: "conflict", problems: [FieldError(field: field, reason: reason)]) }

    public var message: String { problems.map(\.description).joined(separator: "; ") }
    public var description: String { "\(code): \(message)" }
}

/// The rules an enterprise record must follow (docs/liaison.md, "Registry").
public struct EnterpriseValidator: Sendable {
    /// When known, grids and officers are checked against it.
    public let jurisdiction: Jurisdiction?

    public init(jurisdiction: Jurisdiction?) { self.jurisdiction = jurisdiction }

    /// An id is one topic segment: letters, digits, `-` and `_`, at most 64.
    public static func isValidId(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy { ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || $0 == "-" || $0 == "_" }
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
        let officers: [(String, String?)] = [("liaisonOfficerId", e.liaisonOfficerId), ("deputyOfficerId", e.deputyOfficerId), ("stationedOfficerId", e.stationedOfficerId)]
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

/// Why an incident is enterprise-related, strongest first.
public enum MatchReason: String, Codable, Sendable, Comparable {
    case named, geofence, address
    var rank: Int { switch self { case .named: 0; case .geofence: 1; case .address: 2 } }
    public static func < (a: MatchReason, b: MatchReason) -> Bool { a.rank < b.rank }
}

public struct Match: Sendable, Hashable {
    public var enterprise: Enterprise
    /// Every reason, strongest first.
    public var reasons: [MatchReason]
    public var matchedBy: MatchReason { reasons[0] }
}

/// The active registry, indexed for matching.
struct RegistryIndex {
    private(set) var active: [Enterprise] = []
    private var boxes: [BoundingBox] = []
    private var byId: [String: Int] = [:]
    private var byAddress: [String: [Int]] = [:]

    init(_ enterprises: [Enterprise]) {
        active = enterprises.sorted { $0.id < $1.id }
        boxes = active.map(\.geofence.boundingBox)
        for (i, e) in active.enumerated() {
            byId[e.id] = i
            byAddress[Self.normalise(e.address), default: []].append(i)
        }
    }

    func enterprise(_ id: String) -> Enterprise? { byId[id].map { active[$0] } }

    /// Addresses compare without whitespace, case-insensitive, full-width digits and letters folded.
    static func normalise(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            var u = scalar
            if (0xFF01...0xFF5E).contains(u.value), let half = Unicode.Scalar(u.value - 0xFEE0) { u = half }  // full-width ASCII
            if CharacterSet.whitespacesAndNewlines.contains(u) || u.value == 0x3000 || CharacterSet.punctuationCharacters.contains(u) { continue }
            out.append(u)
        }
        return String(out).lowercased()
    }

    /// The enterprises an incident touches, and why: the caller named it, the position lies in its
    /// geofence, or the address is its standard address (or starts with it, or names the enterprise).
    func matches(place: IncidentPlace, namedEnterprise: String?) -> [Match] {
        var found: [Int: [MatchReason]] = [:]
        if let named = namedEnterprise, let i = byId[named] { found[i, default: []].append(.named) }
        if let c = place.coordinate, c.isValid {
            for i in active.indices where boxes[i].contains(c) && active[i].geofence.contains(c) { found[i, default: []].append(.geofence) }
        }
        if let raw = place.address {
            let address = Self.normalise(raw)
            if !address.isEmpty {
                for i in byAddress[address] ?? [] { found[i, default: []].append(.address) }
                for (i, e) in active.enumerated() where found[i]?.contains(.address) != true {
                    let standard = Self.normalise(e.address)
                    let name = Self.normalise(e.name)
                    if (!standard.isEmpty && address.hasPrefix(standard)) || (name.count >= 4 && address.contains(name)) {
                        found[i, default: []].append(.address)
                    }
                }
            }
        }
        return found.keys.sorted { active[$0].id < active[$1].id }.map { Match(enterprise: active[$0], reasons: found[$0]!.sorted()) }
    }
}

/// The words of an alert: generated from structured fields only, so no caller's words leak out.
enum AlertText {
    static func category(_ c: Category) -> String {
        switch c {
        case .criminal: "刑事警情"
        case .publicOrder: "治安警情"
        case .dispute: "纠纷警情"
        case .accidentMinor: "轻微交通事故"
        case .accidentCasualty: "伤亡交通事故"
        case .helpRequest: "求助警情"
        case .nonPolice: "非警务事项"
        }
    }

    static func transition(_ t: String, outcome: Outcome?) -> String {
        switch t {
        case "opened": "已接警，民警正在处置"
        case "arrived": "民警已到达现场"
        case "closed": "已结案" + (outcome.map { "（\(self.outcome($0))）" } ?? "")
        case "dispatched": "已派警，零滋扰单位需联络员先行协调"
        default: t
        }
    }

    static func outcome(_ o: Outcome) -> String {
        switch o {
        case .resolvedOnScene: "现场处结"
        case .mediated: "调解结案"
        case .caseOpened: "已立案"
        case .transferredTo12345: "转12345"
        case .falseReport: "虚假警情"
        }
    }

    static func summary(enterprise: Enterprise, category: Category, transition: String, outcome: Outcome?) -> String {
        "\(enterprise.name)：\(Self.category(category))，\(Self.transition(transition, outcome: outcome))" + (enterprise.zeroDisturbance ? "（零滋扰单位）" : "")
    }

    static func severity(_ category: Category, casualties: Int) -> EnterpriseAlert.Severity {
        if casualties > 0 { return .severe }
        return switch category {
        case .criminal, .accidentCasualty: .severe
        case .publicOrder, .accidentMinor, .dispute: .moderate
        case .helpRequest, .nonPolice: .minor
        }
    }
}
