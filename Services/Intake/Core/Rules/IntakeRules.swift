import Foundation
import Model

/// Everything configurable about intake, with `cities/<city>/` as the source.
public struct IntakeRules: Sendable {
    public var channels = ChannelRequirements.standard
    public var classification = ClassificationRules.empty
    public var diversion = DiversionRules.empty
    public var merge = MergePolicy()
    /// What makes an incident major: dispatch's definition (`dispatch-rules.json`, `major`).
    public var major = MajorReading.standard
    /// A `receivedAt` later than intake's clock by more than this is impossible.
    public var maxFutureSkew: TimeInterval = 5 * 60
    /// A `receivedAt` older than this is impossible (a call is entered as it is taken).
    public var maxAge: TimeInterval = 24 * 3600
    /// Keyword diversions wait for confirmation; reviews have a timer (issue 15 point 9).
    public var safetyNet = DiversionSafetyNet()

    public init() {}

    /// Loads `classification-rules.json`, `diversion-rules.json` and the `major` section of
    /// `dispatch-rules.json` (when present) from the city folder.
    public static func load(from directory: URL) throws -> IntakeRules {
        var rules = IntakeRules()
        rules.classification = try decodeFile(directory.appendingPathComponent("classification-rules.json"))
        try rules.classification.validate(file: "classification-rules.json")
        rules.diversion = try decodeFile(directory.appendingPathComponent("diversion-rules.json"))
        try rules.diversion.validate(file: "diversion-rules.json")
        rules.major = try MajorReading.load(from: directory.appendingPathComponent("dispatch-rules.json"))
        return rules
    }
}
