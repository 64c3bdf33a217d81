import Foundation
import Model
import Wire

/// intake's operations (docs/intake.md): answered alike over HTTP and the ROUTER
/// (`[{"op": name}, <input JSON>]`), and called by the CLI, the load generator and tests by
/// these names.
public enum IntakeAPI {
    /// A call (`POST /v1/calls`): the JSON as it arrived, parsed by ``CallParser`` so that even an
    /// unreadable call is recorded. 201 opened / merged / diverted, 202 left for review, 200 a
    /// retried `clientRef`; a rejection is an API error carrying the record's `callId`.
    public static let call = APIOperation<RawJSON, CallReceipt>("call")
    /// The call-taker classifies a call left for review (`POST /v1/calls/{id}/classify`).
    public static let classify = APIOperation<ClassifyInput, CallReceipt>("classify")
    /// An incident with its calls (`GET /v1/incidents/{id}`).
    public static let incident = APIOperation<IdInput, IncidentView>("incident")
    /// One call as recorded (`GET /v1/calls/{id}`).
    public static let getCall = APIOperation<IdInput, CallRecord>("get-call")
    /// Calls, filtered and paged (`GET /v1/calls`).
    public static let calls = APIOperation<CallQuery, CallPage>("calls")
    /// How many calls were recorded with a `clientRef` prefix (`GET /v1/calls/count`).
    public static let callCount = APIOperation<CallCountInput, CallCount>("call-count")
    /// One phone's calls and ledger entry (`GET /v1/callers/{phone}`).
    public static let caller = APIOperation<PhoneInput, CallerView>("caller")
    /// The repeat / malicious caller ledger (`GET /v1/callers`).
    public static let callers = APIOperation<CallersInput, CallerList>("callers")
    /// Counts by outcome, channel and reason (`GET /v1/stats`).
    public static let stats = APIOperation<NoBody, [String: Int]>("stats")
}

// MARK: Inputs

public struct IdInput: Codable, Sendable, Hashable {
    public var id: String
    public init(id: String) { self.id = id }
}

public struct PhoneInput: Codable, Sendable, Hashable {
    public var phone: String
    public init(phone: String) { self.phone = phone }
}

public struct ClassifyInput: Codable, Sendable, Hashable {
    public var callId: String
    public var category: Category
    /// The call-taker who classified it, when not the one who took it.
    public var callTaker: String?

    public init(callId: String, category: Category, callTaker: String? = nil) {
        self.callId = callId
        self.category = category
        self.callTaker = callTaker
    }

    enum CodingKeys: String, CodingKey {
        case callId, category, callTaker
        /// `POST /v1/calls/{id}/classify`: the path's call (the router names the segment `id` for
        /// every route under `/v1/calls/`); it wins over a `callId` in the body, as it always did.
        case id
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        callId = try c.decodeIfPresent(String.self, forKey: .id) ?? c.decode(String.self, forKey: .callId)
        category = try c.decode(Category.self, forKey: .category)
        callTaker = try c.decodeIfPresent(String.self, forKey: .callTaker)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(callId, forKey: .callId)
        try c.encode(category, forKey: .category)
        try c.encodeIfPresent(callTaker, forKey: .callTaker)
    }
}

public struct CallCountInput: Codable, Sendable, Hashable {
    public var clientRefPrefix: String?
    public init(clientRefPrefix: String? = nil) { self.clientRefPrefix = clientRefPrefix }
}

/// `flag`: `repeat` or `malicious` (both when absent); `limit` 1…1000, default 100.
public struct CallersInput: Codable, Sendable, Hashable {
    public var flag: String?
    public var limit: Int?
    public init(flag: String? = nil, limit: Int? = nil) {
        self.flag = flag
        self.limit = limit
    }
}

/// A ledger flag.
public enum CallerFlag: String, Codable, Sendable, CaseIterable {
    case `repeat`, malicious
}

// MARK: Outputs

public struct CallCount: Codable, Sendable, Hashable {
    public var clientRefPrefix: String
    /// A string, as the first version of the API answered it (the load generator reads it so).
    public var count: String

    public init(clientRefPrefix: String, count: Int) {
        self.clientRefPrefix = clientRefPrefix
        self.count = String(count)
    }
}

/// One phone in the ledger.
public struct LedgerEntry: Codable, Sendable, Hashable {
    /// The number, or ``redacted`` once all the caller's calls are past the personal-data
    /// retention period (the entry stays, matched on the caller's keyed hash).
    public var phone: String
    public static let redacted = "(redacted)"
    /// A string, as the first version of the API answered it.
    public var falseReports: String
    public var repeatSince: Date?
    public var maliciousSince: Date?
}

public struct CallerList: Codable, Sendable, Hashable {
    public var callers: [LedgerEntry]
    public init(callers: [LedgerEntry]) { self.callers = callers }
}

/// An incident with every call that opened or joined it.
public struct IncidentView: Codable, Sendable {
    public var incidentId: String
    public var status: String
    public var category: String
    public var priority: Int?
    public var openedAt: Date
    public var lastCallAt: Date?
    public var closedAt: Date?
    public var closeOutcome: String?
    public var callCount: Int
    public var enterpriseRelated: Bool
    public var casualties: Int
    public var location: GridLocation?
    public var coordinate: Coordinate?
    public var address: String?
    public var calls: [CallRecord]
    /// Major (重大警情) by dispatch's reading, at opening or by an upgrade.
    public var major: Bool?
    /// What merged calls changed, oldest first (`incident.upgraded`).
    public var upgrades: [IncidentUpgradeView]?
}

/// One upgrade of an incident by a merged call (`incident.upgraded`): only what changed is set.
public struct IncidentUpgradeView: Codable, Sendable, Hashable {
    public var callId: String
    public var at: Date
    public var category: String?
    public var priority: Int?
    public var major: Bool?
    public var casualties: Int?
    public var reason: String
}

/// Filters of `GET /v1/calls` (and the ROUTER's `calls` op). Paging is by cursor: `after` is the
/// last `callId` of the previous page (answers list calls in the order they were recorded).
public struct CallQuery: Codable, Sendable, Hashable {
    public var channel: String?
    public var outcome: String?
    public var reason: String?
    public var callTaker: String?
    public var caller: String?
    public var incidentId: String?
    public var category: String?
    public var since: Date?
    public var until: Date?
    public var after: String?
    public var limit: Int?

    public init(
        channel: String? = nil, outcome: String? = nil, reason: String? = nil, callTaker: String? = nil, caller: String? = nil,
        incidentId: String? = nil, category: String? = nil, since: Date? = nil, until: Date? = nil, after: String? = nil, limit: Int? = nil
    ) {
        self.channel = channel
        self.outcome = outcome
        self.reason = reason
        self.callTaker = callTaker
        self.caller = caller
        self.incidentId = incidentId
        self.category = category
        self.since = since
        self.until = until
        self.after = after
        self.limit = limit
    }

    public static let maxLimit = 500

    enum CodingKeys: String, CodingKey {
        case channel, outcome, reason, callTaker, caller, incidentId, category, since, until, after, limit
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channel = try c.decodeIfPresent(String.self, forKey: .channel)
        outcome = try c.decodeIfPresent(String.self, forKey: .outcome)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        callTaker = try c.decodeIfPresent(String.self, forKey: .callTaker)
        caller = try c.decodeIfPresent(String.self, forKey: .caller)
        incidentId = try c.decodeIfPresent(String.self, forKey: .incidentId)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        since = try c.decodeIfPresent(Date.self, forKey: .since)
        until = try c.decodeIfPresent(Date.self, forKey: .until)
        after = try c.decodeIfPresent(String.self, forKey: .after)
        // The query-string decoder reports `limit=x` without naming the key; name it, so the
        // answer says which parameter is wrong.
        do {
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        } catch DecodingError.typeMismatch(let type, let context) where context.codingPath.isEmpty {
            throw DecodingError.typeMismatch(type, .init(codingPath: [CodingKeys.limit], debugDescription: context.debugDescription))
        }
    }

    /// A problem with the filters, naming the parameter.
    public func validate() -> FieldError? {
        if let limit, !(1...Self.maxLimit).contains(limit) {
            return FieldError(field: "limit", reason: "must be 1…\(Self.maxLimit) (got \(limit))", code: "invalid-value")
        }
        if let channel, Channel(rawValue: channel) == nil {
            return FieldError(field: "channel", reason: "'\(channel)' is not a channel", code: "unknown-channel")
        }
        if let outcome, CallReceipt.Outcome(rawValue: outcome) == nil {
            let known = CallReceipt.Outcome.allCases.map(\.rawValue).joined(separator: ", ")
            return FieldError(field: "outcome", reason: "'\(outcome)' is not one of \(known)", code: "invalid-value")
        }
        if let category, Category(rawValue: category) == nil {
            return FieldError(field: "category", reason: "'\(category)' is not a category", code: "invalid-value")
        }
        if let after, RecordIdentifier.callNumber(after) == nil {
            return FieldError(field: "after", reason: "'\(after)' is not a call id", code: "invalid-value")
        }
        return nil
    }
}

public struct CallPage: Codable, Sendable {
    public var calls: [CallRecord]
    /// Pass as `after` for the next page; absent on the last page.
    public var next: String?
}

/// The repeat / malicious caller ledger (DOMAIN.md §3.4, 001 §10) for one phone number.
public struct CallerView: Codable, Sendable {
    public var phone: String
    public var calls: Int
    public var byOutcome: [String: Int]
    public var incidents: Int
    public var falseReports: Int
    public var repeatCaller: Bool
    public var repeatSince: Date?
    public var maliciousCaller: Bool
    public var maliciousSince: Date?
    public var firstCallAt: Date?
    public var lastCallAt: Date?
    public var recentCalls: [CallRecord]
}
