import Foundation
import Model

/// When a call is a repeat of an open incident (DOMAIN.md §3.4).
public struct MergePolicy: Sendable, Hashable {
    /// A call merges only into an incident whose latest call is at most this old.
    public var window: TimeInterval = 30 * 60
    /// Same place: within this distance of the incident, and the same category.
    public var placeRadiusMeters: Double = 150
    /// Same caller: within this distance of the caller's earlier call (a caller who moved further
    /// is reporting something else), or either call has no position.
    public var callerRadiusMeters: Double = 500
    /// A caller with this many calls within `ledgerWindow` is a repeat caller.
    public var repeatCallerCalls = 3
    public var ledgerWindow: TimeInterval = 24 * 3600
    /// A caller with this many incidents closed as false reports is a malicious caller.
    public var maliciousFalseReports = 2

    public init() {}
}

// The merge decisions, on what the store found: the store narrows the candidates (by phone, by
// category and a bounding box, by time), these pick among them.
extension MergePolicy {
    /// An earlier call of the same caller into a still-open incident.
    public struct EarlierCall: Sendable, Hashable {
        public var incidentId: String
        public var coordinate: Coordinate?

        public init(incidentId: String, coordinate: Coordinate?) {
            self.incidentId = incidentId
            self.coordinate = coordinate
        }
    }

    /// An open incident that may be the place of a new call.
    public struct OpenIncident: Sendable, Hashable {
        public var incidentId: String
        public var coordinate: Coordinate

        public init(incidentId: String, coordinate: Coordinate) {
            self.incidentId = incidentId
            self.coordinate = coordinate
        }
    }

    /// A call merges only into incidents whose latest call is at or after this time.
    public func windowStart(for receivedAt: Date) -> Date { receivedAt.addingTimeInterval(-window) }

    /// The caller's latest call (`earlier` newest first) that this call repeats: any, when either
    /// call has no position; otherwise the first within `callerRadiusMeters` (a caller who moved
    /// further is reporting something else).
    public func sameCaller(_ earlier: [EarlierCall], at coordinate: Coordinate?) -> (incidentId: String, distance: Double?)? {
        for call in earlier {
            guard let coordinate, let previous = call.coordinate else { return (call.incidentId, nil) }
            let distance = coordinate.distance(to: previous)
            if distance <= callerRadiusMeters { return (call.incidentId, distance) }
        }
        return nil
    }

    /// The box around `c` that holds every point within `placeRadiusMeters`: what the store
    /// searches, so no query scans every open incident.
    public func searchBox(around c: Coordinate) -> (lat: ClosedRange<Double>, lon: ClosedRange<Double>) {
        let dLat = placeRadiusMeters / 111_320
        // Longitude degrees shrink towards the poles; the floor keeps the box finite there.
        let dLon = placeRadiusMeters / (111_320 * max(0.01, cos(c.lat * .pi / 180)))
        return ((c.lat - dLat)...(c.lat + dLat), (c.lon - dLon)...(c.lon + dLon))
    }

    /// The nearest candidate within `placeRadiusMeters` of `c` (the first of equals), if any.
    public func samePlace(_ candidates: [OpenIncident], at c: Coordinate) -> (incidentId: String, distance: Double)? {
        var best: (incidentId: String, distance: Double)?
        for candidate in candidates {
            let d = c.distance(to: candidate.coordinate)
            if d <= placeRadiusMeters, d < (best?.distance ?? .infinity) { best = (candidate.incidentId, d) }
        }
        return best
    }

    /// A caller with `earlierCalls` calls within `ledgerWindow` before this one is a repeat caller.
    public func isRepeatCaller(earlierCalls: Int) -> Bool { earlierCalls + 1 >= repeatCallerCalls }

    /// A caller with this many incidents closed as false reports is a malicious caller.
    public func isMalicious(falseReports: Int) -> Bool { falseReports >= maliciousFalseReports }
}
