import Foundation
import Model

/// Why an incident is enterprise-related, strongest first.
public enum MatchReason: String, Codable, Sendable, Comparable {
    case named, geofence, address
    var rank: Int {
        switch self {
        case .named: 0
        case .geofence: 1
        case .address: 2
        }
    }
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
