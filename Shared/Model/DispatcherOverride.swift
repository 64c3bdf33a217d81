import Foundation

/// What a dispatcher did by hand (docs/dispatch.md, "Dispatcher overrides").
public enum OverrideAction: String, Codable, Sendable, CaseIterable {
    /// Sent a named unit.
    case assign
    /// Took a unit off the incident and sent another in its place.
    case reassign
    /// Took a unit off the incident.
    case cancelAssignment
    /// Changed the incident's category.
    case reclassify
    /// Marked the incident major (重大警情), or unmarked it (`major` false).
    case major
    /// Acknowledged an escalation.
    case acknowledgeEscalation
}

/// A dispatcher overrode the rules (`dispatch.override.<action>.<region>`): who, why, and what.
/// The units it moved are published as usual (`dispatch.assigned`, `unit.status`); this event
/// is the record of the decision. Internal: carries an officer's id, no caller's data.
public struct DispatcherOverride: EventPayload, Hashable {
    public static let type = "dispatch.override"
    public static let version = 1
    public var incidentId: String
    public var action: OverrideAction
    /// The dispatcher's id (the authenticated principal once the API authenticates).
    public var dispatcher: String
    /// Why, in the dispatcher's words.
    public var reason: String
    /// The unit sent (`assign`, `reassign`) or taken off (`cancelAssignment`).
    public var unitId: String?
    /// `reassign`: the unit taken off.
    public var fromUnitId: String?
    /// `reclassify`: the new and the previous category.
    public var category: Category?
    public var previousCategory: Category?
    /// `major`: the incident's major flag after the override.
    public var major: Bool?
    /// `acknowledgeEscalation`: the escalation acknowledged (`<source>-<seq>` of the event that raised it).
    public var escalationId: String?
    public var regionId: String?
    public var at: Date

    public init(
        incidentId: String, action: OverrideAction, dispatcher: String, reason: String, unitId: String? = nil, fromUnitId: String? = nil,
        category: Category? = nil, previousCategory: Category? = nil, major: Bool? = nil, escalationId: String? = nil,
        regionId: String?, at: Date
    ) {
        self.incidentId = incidentId
        self.action = action
        self.dispatcher = dispatcher
        self.reason = reason
        self.unitId = unitId
        self.fromUnitId = fromUnitId
        self.category = category
        self.previousCategory = previousCategory
        self.major = major
        self.escalationId = escalationId
        self.regionId = regionId
        self.at = at
    }

    public var routingKey: String? { "\(action.rawValue).\(regionId ?? "unlocated")" }
    public var correlationId: String? { incidentId }
    public var eventTime: Date { at }
}

extension DispatcherOverride {
    public static var example: DispatcherOverride {
        DispatcherOverride(
            incidentId: "I00000042", action: .reassign, dispatcher: "D0007", reason: "U0012 is stuck in traffic on the bridge",
            unitId: "U0031", fromUnitId: "U0012", category: .criminal, previousCategory: .publicOrder, major: true,
            escalationId: "dispatch-1044", regionId: "R1", at: Date(timeIntervalSince1970: 1_790_000_030))
    }
}
