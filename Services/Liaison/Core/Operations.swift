import Foundation
import Model
import Wire

/// liaison's operations (docs/liaison.md): answered alike over HTTP and the ROUTER
/// (`[{"op": name}, <input JSON>]`), under the names the CLI and the tests use.
public enum LiaisonAPI {
    /// Registers or replaces an enterprise (ROUTER); 201 when it was new.
    public static let putEnterprise = APIOperation<EnterprisePut, EnterpriseWrite>("enterprise.put")
    /// Registers a new enterprise (`POST /v1/enterprises`); 409 when the id is registered.
    public static let createEnterprise = APIOperation<Enterprise, EnterpriseWrite>("enterprise.create")
    /// Registers or replaces the enterprise the path names (`PUT /v1/enterprises/{id}`; the body's `id`
    /// may be left out, and must not differ).
    public static let replaceEnterprise = APIOperation<Enterprise, EnterpriseWrite>("enterprise.replace")
    /// Retires an enterprise (`DELETE /v1/enterprises/{id}`).
    public static let retireEnterprise = APIOperation<IdInput, EnterpriseWrite>("enterprise.retire")
    /// The registry (`GET /v1/enterprises`).
    public static let enterprises = APIOperation<NoBody, EnterpriseList>("enterprise.list")
    /// One enterprise with its incidents, alerts, cases and work (`GET /v1/enterprises/{id}`).
    public static let profile = APIOperation<IdInput, EnterpriseProfile>("enterprise.profile")
    /// What an officer serves (`GET /v1/officers/{id}/portfolio`).
    public static let portfolio = APIOperation<IdInput, OfficerPortfolio>("officer.portfolio")
    /// Liaison's record of an incident (`GET /v1/incidents/{id}`).
    public static let incident = APIOperation<IdInput, IncidentList>("incident")
    /// Opens or changes a case (`PUT /v1/cases/{caseId}`); 201 when it was new.
    public static let putCase = APIOperation<CaseInput, CaseWrite>("case.put")
    /// Cases, by enterprise and officer (`GET /v1/cases`).
    public static let cases = APIOperation<CaseFilter, CaseList>("case.list")
    /// Case figures over a period (`GET /v1/cases/totals`).
    public static let caseTotals = APIOperation<CaseTotalsQuery, CaseTotalsReport>("case.totals")
    /// Records a visit or a meeting (`POST /v1/worklog`); 201 when it was new.
    public static let logWork = APIOperation<WorkInput, WorkWrite>("worklog.add")
    /// Enterprises without a visit or meeting in the period (`GET /v1/worklog/overdue`).
    public static let overdue = APIOperation<OverdueQuery, OverdueReport>("worklog.overdue")
    /// The enterprise alert feed (`GET /v1/alerts`).
    public static let alerts = APIOperation<AlertFilter, AlertFeed>("alerts")
    /// Counters (`GET /v1/stats`).
    public static let stats = APIOperation<NoBody, [String: Int]>("stats")
}

// MARK: Inputs

public struct IdInput: Codable, Sendable, Hashable {
    public var id: String
    public init(id: String) { self.id = id }
}

/// `enterprise.put`: the enterprise, and whether an id already registered is refused.
public struct EnterprisePut: Codable, Sendable, Hashable {
    public var enterprise: Enterprise
    public var createOnly: Bool?
    public init(enterprise: Enterprise, createOnly: Bool? = nil) {
        self.enterprise = enterprise
        self.createOnly = createOnly
    }
}

/// `case.list`: `enterpriseId` and `officerId` (the query string says `enterprise` and `officer`).
public struct CaseFilter: Codable, Sendable, Hashable {
    public var enterpriseId: String?
    public var officerId: String?

    enum CodingKeys: String, CodingKey { case enterpriseId, officerId, enterprise, officer }

    public init(enterpriseId: String? = nil, officerId: String? = nil) {
        self.enterpriseId = enterpriseId
        self.officerId = officerId
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enterpriseId = try c.decodeIfPresent(String.self, forKey: .enterpriseId) ?? c.decodeIfPresent(String.self, forKey: .enterprise)
        officerId = try c.decodeIfPresent(String.self, forKey: .officerId) ?? c.decodeIfPresent(String.self, forKey: .officer)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(enterpriseId, forKey: .enterpriseId)
        try c.encodeIfPresent(officerId, forKey: .officerId)
    }
}

/// `alerts`: by `enterprise` and `incident` (the query string's names).
public struct AlertFilter: Codable, Sendable, Hashable {
    public var enterprise: String?
    public var incident: String?
    public init(enterprise: String? = nil, incident: String? = nil) {
        self.enterprise = enterprise
        self.incident = incident
    }
}

/// `worklog.overdue`: the period; the service's `--work-period-days` when absent.
public struct OverdueQuery: Codable, Sendable, Hashable {
    public var periodDays: Double?
    public init(periodDays: Double? = nil) { self.periodDays = periodDays }
}

// MARK: Outputs

public struct EnterpriseList: Codable, Sendable, Hashable {
    public var enterprises: [EnterpriseSummary]
    public init(enterprises: [EnterpriseSummary]) { self.enterprises = enterprises }
}

public struct IncidentList: Codable, Sendable, Hashable {
    public var incidents: [LiaisonIncident]
    public init(incidents: [LiaisonIncident]) { self.incidents = incidents }
}

public struct CaseList: Codable, Sendable, Hashable {
    public var cases: [EnterpriseCase]
    public init(cases: [EnterpriseCase]) { self.cases = cases }
}

public struct AlertFeed: Codable, Sendable, Hashable {
    public var alerts: [AlertFeedEntry]
    public init(alerts: [AlertFeedEntry]) { self.alerts = alerts }
}

// MARK: Writes and their answers

/// The answer to a registry write.
public struct EnterpriseWrite: Codable, Sendable, Hashable {
    public var record: EnterpriseRecord
    public var created: Bool
    /// False when the write changed nothing (a retry): no event was emitted.
    public var changed: Bool
}

/// `PUT /v1/cases/<caseId>`: absent fields keep their value (on create: the defaults).
public struct CaseInput: Codable, Sendable, Hashable {
    public var caseId: String
    public var enterpriseId: String?
    public var officerId: String?
    public var incidentId: String?
    public var title: String?
    public var status: EnterpriseCase.Status?
    public var suspectsCaught: Int?
    public var lossesRecovered: Double?

    public init(
        caseId: String, enterpriseId: String? = nil, officerId: String? = nil, incidentId: String? = nil, title: String? = nil,
        status: EnterpriseCase.Status? = nil, suspectsCaught: Int? = nil, lossesRecovered: Double? = nil
    ) {
        self.caseId = caseId
        self.enterpriseId = enterpriseId
        self.officerId = officerId
        self.incidentId = incidentId
        self.title = title
        self.status = status
        self.suspectsCaught = suspectsCaught
        self.lossesRecovered = lossesRecovered
    }
}

public struct CaseWrite: Codable, Sendable, Hashable {
    public var enterpriseCase: EnterpriseCase
    public var created: Bool
    public var changed: Bool
}

/// `POST /v1/worklog`.
public struct WorkInput: Codable, Sendable, Hashable {
    /// The client's id for the entry; sending it again is a no-op. Generated when absent.
    public var entryId: String?
    public var enterpriseId: String
    public var kind: WorkLogEntry.Kind
    /// Default: the enterprise's liaison officer.
    public var officerIds: [String]?
    /// When it took place; default now (event time). Never in the future.
    public var at: Date?
    public var note: String?

    public init(
        entryId: String? = nil, enterpriseId: String, kind: WorkLogEntry.Kind, officerIds: [String]? = nil, at: Date? = nil,
        note: String? = nil
    ) {
        self.entryId = entryId
        self.enterpriseId = enterpriseId
        self.kind = kind
        self.officerIds = officerIds
        self.at = at
        self.note = note
    }
}

public struct WorkWrite: Codable, Sendable, Hashable {
    public var entry: WorkLogEntry
    public var created: Bool
}

public struct CaseTotalsQuery: Codable, Sendable, Hashable {
    public enum By: String, Codable, Sendable { case enterprise, officer, city }
    /// Inclusive start; nil: from the beginning.
    public var from: Date?
    /// Exclusive end; nil: now (event time).
    public var to: Date?
    public var by: By

    public init(from: Date? = nil, to: Date? = nil, by: By = .city) {
        self.from = from
        self.to = to
        self.by = by
    }

    enum CodingKeys: String, CodingKey { case from, to, by }

    /// `by` may be left out: the city's figures.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decodeIfPresent(Date.self, forKey: .from)
        to = try c.decodeIfPresent(Date.self, forKey: .to)
        by = try c.decodeIfPresent(By.self, forKey: .by) ?? .city
    }
}
