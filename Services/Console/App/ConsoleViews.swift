import Foundation

/// What the console shows, rebuilt from the services' events: incidents with their units and
/// timers, units, officers' points, escalations. Applied in bus order; it never writes back.
///
/// Every field is plain JSON for the browser (times as ISO-8601 strings). No caller's data: the
/// detail page asks intake for it with the console's token (`/api/incidents/:id/callers`), so the
/// page never shows more than the services give that token.
struct ConsoleIncident: Codable, Sendable {
    var id: String
    var category: String
    var priority: Int
    var state: String  // open, queued, assigned, closed
    var lat: Double?
    var lon: Double?
    var address: String?
    var gridId: String?
    var stationId: String?
    var regionId: String?
    var commandStationId: String?
    var openedAt: Date
    var description: String?
    var enterpriseId: String?
    var major: Bool
    var calls: Int
    var units: [ConsoleAssignment]
    var timers: [ConsoleTimer]
    var escalations: [ConsoleEscalation]
    var timeline: [ConsoleTimelineEntry]
    var outcome: String?
    var closedAt: Date?
    var points: Double
}

struct ConsoleAssignment: Codable, Sendable {
    var unitId: String
    var callSign: String
    var rule: String
    var role: String?
    var etaSeconds: Double
    var assignedAt: Date
    var stage: String  // dispatched, signedOff, enRoute, arrived, feedback, closed, released
}

/// A service-level timer as the console counts it down; `state`: running, met, breached, cancelled.
struct ConsoleTimer: Codable, Sendable {
    var timer: String
    var unitId: String?
    var startedAt: Date
    var dueAt: Date
    var warnBefore: Double
    var state: String
}

struct ConsoleEscalation: Codable, Sendable {
    var id: String
    var reason: String
    var level: Int
    var at: Date
    var acknowledged: Bool
}

struct ConsoleTimelineEntry: Codable, Sendable {
    var at: Date
    var type: String
    var text: String
}

struct ConsoleUnit: Codable, Sendable {
    var id: String
    var callSign: String
    var kind: String
    var stationId: String?
    var officerIds: [String]
    var shift: String?
    var state: String
    var lat: Double
    var lon: Double
    var incidentId: String?
    var reason: String?
    var at: Date?
}

/// One officer's points, line by line.
struct ConsoleOfficer: Codable, Sendable {
    var id: String
    var name: String
    var stationId: String?
    var points: Double
    var lines: [ConsoleAward]
}

struct ConsoleAward: Codable, Sendable {
    var awardId: String
    var incidentId: String
    var rule: String
    var points: Double
    var at: Date
    var explanation: String?
}
