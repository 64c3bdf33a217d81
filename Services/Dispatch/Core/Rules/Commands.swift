import Model

/// A field unit's report on its incident, as sent by a terminal (or the load generator).
public struct FieldCommand: Codable, Sendable, Hashable {
    public var incidentId: String
    public var unitId: String
    public var stage: FieldStage
    public var outcome: Outcome?
    public var note: String?
    /// For `handover`: to whom (`toUnitId`, or `toStationId` which sends one of its free units).
    public var handover: Handover?
    /// For `requestSupport`: what to send (default: one patrol unit).
    public var support: SupportRequest?
    /// Where the unit is now (any stage may carry it).
    public var position: Coordinate?

    public init(
        incidentId: String, unitId: String, stage: FieldStage, outcome: Outcome? = nil, note: String? = nil,
        handover: Handover? = nil, support: SupportRequest? = nil, position: Coordinate? = nil
    ) {
        self.incidentId = incidentId
        self.unitId = unitId
        self.stage = stage
        self.outcome = outcome
        self.note = note
        self.handover = handover
        self.support = support
        self.position = position
    }
}

/// A unit's report about itself: its position, and going off or on duty.
public struct UnitReport: Codable, Sendable, Hashable {
    public enum Duty: String, Codable, Sendable { case onDuty, offDuty }
    public var unitId: String
    public var position: Coordinate?
    public var duty: Duty?

    public init(unitId: String, position: Coordinate? = nil, duty: Duty? = nil) {
        self.unitId = unitId
        self.position = position
        self.duty = duty
    }
}

/// Why a command was refused: the command's place in its batch, the field at fault and why.
///
/// A refusal is part of an answer (`{accepted, refused}`), not an API error: the rest of the
/// batch still counts.
public struct FieldCommandError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    public var index: Int
    public var field: String
    public var reason: String

    public init(index: Int, field: String, reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }

    /// The same refusal at another place in the batch (rules raise it at index 0).
    func at(_ index: Int) -> FieldCommandError { FieldCommandError(index: index, field: field, reason: reason) }

    public var description: String { "commands[\(index)].\(field): \(reason)" }
}

extension FieldCommandError {
    /// A refusal raised by a rule before its place in the batch is known.
    static func refuse(_ field: String, _ reason: String) -> FieldCommandError {
        FieldCommandError(index: 0, field: field, reason: reason)
    }
}
