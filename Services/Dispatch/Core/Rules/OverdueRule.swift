import Foundation
import Model

/// What a missed timer other than sign-off leads to (`overdue` in dispatch-rules.json; optional,
/// these defaults when absent). Every missed timer has a consequence (issue 15, point 2).
public struct OverdueRules: Codable, Sendable, Hashable {
    /// When the arrival promise is missed: `offer` the nearest free unit to the dispatcher,
    /// `send` it, or `none` (the station's duty chief is told either way).
    public var arrivalAction: String
    /// A feedback or close breach goes to the station's duty chief (level 1); still unmet this many
    /// seconds later it goes to the region's centre station (level 2).
    public var centreAfterSeconds: Double

    public init(arrivalAction: String, centreAfterSeconds: Double) {
        self.arrivalAction = arrivalAction
        self.centreAfterSeconds = centreAfterSeconds
    }

    public static let defaults = OverdueRules(arrivalAction: "offer", centreAfterSeconds: 3600)
    public static let arrivalActions = ["offer", "send", "none"]

    public func validate(file: String) throws {
        guard Self.arrivalActions.contains(arrivalAction) else {
            throw ConfigurationError(
                file: file, record: "overdue.arrivalAction",
                problem: "'\(arrivalAction)' is not one of \(Self.arrivalActions.joined(separator: ", "))")
        }
        guard centreAfterSeconds > 0 else {
            throw ConfigurationError(file: file, record: "overdue.centreAfterSeconds", problem: "must be > 0 (got \(centreAfterSeconds))")
        }
    }
}

/// One escalation of a missed timer: to whom, at which level, and why.
public struct OverdueEscalation: Sendable, Hashable {
    /// 1: the station's duty chief; 2: the region's centre station.
    public var level: Int
    /// `arrivalOverdue`, `firstFeedbackOverdue`, `closeOverdue`.
    public var reason: String
    /// The station that hears of it (the incident's station at level 1, the centre at level 2).
    public var stationId: String?
    /// The duty chiefs told.
    public var officerIds: [String]
    /// When the next level is due (`nil`: none).
    public var nextAt: Date?
}

/// The consequences of a missed arrival, feedback or close timer, as a pure function of the
/// incident, the jurisdiction and the rules.
public enum OverdueRule {
    public static func reason(_ timer: SLATimer) -> String { "\(timer.rawValue)Overdue" }

    /// The escalation a breach of `timer` raises at `level` on an incident in `grid`, at `now`.
    public static func escalation(
        _ timer: SLATimer, level: Int, grid: GridLocation?, jurisdiction: Jurisdiction, rules: OverdueRules, now: Date
    ) -> OverdueEscalation {
        let station = level == 1 ? grid?.stationId : grid.flatMap { jurisdiction.regions[$0.regionId]?.centreStationId }
        let chiefs = station.map { jurisdiction.officers(role: .dutyChief, station: $0).map(\.id) } ?? []
        // Arrival overdue is answered by a unit, not a second level; feedback and close climb once.
        let next = timer != .arrival && level == 1 ? now.addingTimeInterval(rules.centreAfterSeconds) : nil
        return OverdueEscalation(level: level, reason: reason(timer), stationId: station, officerIds: chiefs, nextAt: next)
    }

    /// The units a breach charges: for arrival, those on the incident not yet arrived (all of
    /// them when none is known to have arrived); for feedback and close, whoever holds it now —
    /// the primary holder (the receiver after a handover or re-dispatch), else every unit on it.
    public static func charged(_ timer: SLATimer, active: [String: ActiveAssignment], arrived: Set<String>) -> [String] {
        switch timer {
        case .arrival:
            return active.keys.filter { !arrived.contains($0) }.sorted()
        case .firstFeedback, .close:
            let holders = active.filter { $0.value.need.kind == .primary }.map(\.key).sorted()
            return holders.isEmpty ? active.keys.sorted() : holders
        case .signOff:
            return []
        }
    }
}
