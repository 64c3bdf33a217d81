import Model

/// What intake decided about one call, as its record keeps it and its receipt tells it.
public struct CallDecision: Sendable {
    public var outcome: CallReceipt.Outcome
    /// The status a rejection answers with (400 unreadable, 413 too large, 422 invalid).
    public var status: Int?
    public var problem: FieldError?
    public var incidentId: String?
    public var classification: ClassificationRules.Result?
    public var located: GridLocation?
    public var coordinate: Coordinate?
    public var mergeReason: String?
    public var diversion: CallReceipt.Diversion?
    public var flags: [String] = []

    public init(outcome: CallReceipt.Outcome) { self.outcome = outcome }

    /// The receipt of the call recorded under `callId`.
    public func receipt(callId: String) -> CallReceipt {
        var r = CallReceipt(callId: callId, incidentId: incidentId, outcome: outcome, location: located, category: classification?.category)
        r.priority = classification?.priority
        r.categorySource = classification?.source
        r.enterpriseRelated = classification?.enterpriseRelated
        r.casualties = classification?.casualties
        r.mergeReason = mergeReason
        r.diversion = diversion
        r.flags = flags.isEmpty ? nil : flags
        return r
    }
}

/// Call and incident identifiers: a prefix and at least 8 digits (`C00000042`, `I00000007`).
public enum RecordIdentifier {
    public static func call(_ n: Int) -> String { make("C", n) }
    public static func incident(_ n: Int) -> String { make("I", n) }

    /// The number of a call id, or `nil` when it is not one.
    public static func callNumber(_ id: String) -> Int? {
        guard id.hasPrefix("C") else { return nil }
        return Int(id.dropFirst())
    }

    static func make(_ prefix: String, _ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// The numbers the next call and the next incident are recorded under.
public struct RecordSequence: Sendable, Hashable {
    public var nextCall = 1
    public var nextIncident = 1

    public init(lastCall: Int = 0, lastIncident: Int = 0) {
        nextCall = lastCall + 1
        nextIncident = lastIncident + 1
    }

    /// Takes the next call number and its identifier.
    public mutating func newCall() -> (id: String, n: Int) {
        defer { nextCall += 1 }
        return (RecordIdentifier.call(nextCall), nextCall)
    }

    /// Takes the next incident number and its identifier.
    public mutating func newIncident() -> (id: String, n: Int) {
        defer { nextIncident += 1 }
        return (RecordIdentifier.incident(nextIncident), nextIncident)
    }
}
