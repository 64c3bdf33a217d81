import Foundation
import Model

/// A zero-disturbance site (零滋扰) as dispatch knows it: from liaison's registry
/// (`liaison.enterprise.*`), only what the hold needs.
public struct ZeroDisturbanceSite: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    /// Whose acknowledgement releases a hold.
    public var liaisonOfficerId: String
    public var geofence: GeoPolygon

    public init(id: String, name: String, liaisonOfficerId: String, geofence: GeoPolygon) {
        self.id = id
        self.name = name
        self.liaisonOfficerId = liaisonOfficerId
        self.geofence = geofence
    }

    public init(_ e: Enterprise) {
        self.init(id: e.id, name: e.name, liaisonOfficerId: e.liaisonOfficerId, geofence: e.geofence)
    }
}

/// The active zero-disturbance sites, and which one an incident is at.
public struct ZeroDisturbanceSites: Sendable {
    public private(set) var sites: [String: ZeroDisturbanceSite]

    public init(_ sites: [ZeroDisturbanceSite] = []) {
        self.sites = Dictionary(sites.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The site after a registry change: kept while registered as zero-disturbance, dropped when
    /// retired or no longer zero-disturbance; `nil` when the change is not about a site.
    public mutating func apply(_ change: EnterpriseChanged) -> (site: ZeroDisturbanceSite?, changed: Bool) {
        let e = change.enterprise
        if change.change != .retired && e.zeroDisturbance {
            let site = ZeroDisturbanceSite(e)
            let changed = sites[e.id] != site
            sites[e.id] = site
            return (site, changed)
        }
        return (nil, sites.removeValue(forKey: e.id) != nil)
    }

    /// The site an incident is at: the one the call named, else the first (by id) whose geofence
    /// holds the incident's position. liaison matches addresses too; dispatch holds only on these
    /// two, which need no text rules of liaison's.
    public func site(named enterpriseId: String?, at point: Coordinate?) -> ZeroDisturbanceSite? {
        if let enterpriseId, let site = sites[enterpriseId] { return site }
        guard let point, point.isValid else { return nil }
        // The lowest id among the sites holding the point, in one pass: this runs for every
        // incident opened, and sorting every site each time grew with the city.
        var found: ZeroDisturbanceSite?
        for site in sites.values where found.map({ site.id < $0.id }) ?? true {
            if site.geofence.boundingBox.contains(point) && site.geofence.contains(point) { found = site }
        }
        return found
    }
}

/// The hold at a zero-disturbance site (docs/dispatch.md, "Zero-disturbance sites").
public enum ZeroDisturbanceRule {
    /// Default seconds a hold waits for the liaison officer before units go anyway.
    public static let defaultHoldSeconds: Double = 600

    /// Why an incident is an emergency that goes at once (`priority`, `casualties`, `major`), or
    /// `nil` when it is ordinary police action that waits for the liaison officer.
    public static func emergency(priority: Int, casualties: Int, major: Bool) -> String? {
        if priority <= 1 { return "priority" }
        if casualties > 0 { return "casualties" }
        if major { return "major" }
        return nil
    }

    /// Whether a hold started with `dueAt` has timed out at `now`.
    public static func timedOut(dueAt: Date, now: Date) -> Bool { now >= dueAt }
}

extension DispatchRules {
    /// `"zeroDisturbance": {"holdSeconds": 600}` in `dispatch-rules.json`.
    public struct ZeroDisturbance: Codable, Sendable, Hashable {
        /// How long a hold waits for the liaison officer's acknowledgement before units go anyway.
        public var holdSeconds: Double
        public init(holdSeconds: Double) { self.holdSeconds = holdSeconds }
    }

    /// The hold's timeout in seconds of event time.
    public var holdSeconds: Double { zeroDisturbance?.holdSeconds ?? ZeroDisturbanceRule.defaultHoldSeconds }
}

/// An incident waiting at a zero-disturbance site for its liaison officer.
public struct HeldIncident: Sendable, Hashable {
    public var incidentId: String
    public var site: ZeroDisturbanceSite
    public var heldAt: Date
    public var dueAt: Date

    public init(incidentId: String, site: ZeroDisturbanceSite, heldAt: Date, dueAt: Date) {
        self.incidentId = incidentId
        self.site = site
        self.heldAt = heldAt
        self.dueAt = dueAt
    }
}
