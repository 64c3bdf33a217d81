import Foundation
import Model
import Wire

/// The specialised departments (警种部门) and the hand-off settings, from the city's
/// `departments.json` (docs/liaison.md, "Departments").
public struct Departments: Sendable, Codable, Hashable {
    /// One kind of support a department gives, with its time limits (seconds of event time).
    public struct Limit: Sendable, Codable, Hashable {
        public var kind: String
        public var acknowledgeSeconds: Double
        public var answerSeconds: Double

        public init(kind: String, acknowledgeSeconds: Double, answerSeconds: Double) {
            self.kind = kind
            self.acknowledgeSeconds = acknowledgeSeconds
            self.answerSeconds = answerSeconds
        }
    }

    public struct Department: Sendable, Codable, Hashable {
        /// Lower-case letters, digits and dashes: it is the routing key of `support.request.<id>`.
        public var id: String
        public var name: String
        public var limits: [Limit]

        public init(id: String, name: String, limits: [Limit]) {
            self.id = id
            self.name = name
            self.limits = limits
        }

        public func limit(_ kind: String) -> Limit? { limits.first { $0.kind == kind } }
    }

    public var version: Int
    public var handoff: HandoffSettings
    /// Who a late support request escalates to.
    public var escalateTo: String
    public var departments: [Department]

    public init(version: Int = 1, handoff: HandoffSettings = HandoffSettings(), escalateTo: String = "commandCentre", departments: [Department] = []) {
        self.version = version
        self.handoff = handoff
        self.escalateTo = escalateTo
        self.departments = departments
    }

    public func department(_ id: String) -> Department? { departments.first { $0.id == id } }

    /// Loads `departments.json` from a city folder; a city without one has no departments.
    public static func load(from directory: URL) throws -> Departments {
        let url = directory.appendingPathComponent("departments.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return Departments() }
        let file: Departments
        do { file = try JSONDecoder().decode(Departments.self, from: Data(contentsOf: url)) } catch {
            throw ConfigurationError(file: "departments.json", problem: "\(error)")
        }
        try file.validate()
        return file
    }

    func validate() throws {
        var ids = Set<String>()
        guard handoff.receiptSeconds > 0 else { throw ConfigurationError(file: "departments.json", record: "handoff", problem: "receiptSeconds must be > 0") }
        for d in departments {
            let record = "department \(d.id)"
            guard ids.insert(d.id).inserted else { throw ConfigurationError(file: "departments.json", record: record, problem: "duplicate id") }
            guard !d.id.isEmpty, d.id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ConfigurationError(file: "departments.json", record: record, problem: "id must be lower-case letters, digits and dashes")
            }
            guard !d.limits.isEmpty else { throw ConfigurationError(file: "departments.json", record: record, problem: "needs at least one kind") }
            for l in d.limits where !(l.acknowledgeSeconds > 0 && l.answerSeconds >= l.acknowledgeSeconds) {
                throw ConfigurationError(
                    file: "departments.json", record: "\(record) kind \(l.kind)", problem: "needs 0 < acknowledgeSeconds <= answerSeconds")
            }
        }
    }
}

/// A support request as raised (`POST /v1/support`, op `support.raise`).
public struct SupportInput: Codable, Sendable, Hashable {
    public var departmentId: String
    public var kind: String
    public var incidentId: String?
    public var caseId: String?
    /// The station, field unit or dispatcher asking.
    public var requestedBy: String
    public var need: String

    public init(departmentId: String, kind: String, incidentId: String? = nil, caseId: String? = nil, requestedBy: String, need: String) {
        self.departmentId = departmentId
        self.kind = kind
        self.incidentId = incidentId
        self.caseId = caseId
        self.requestedBy = requestedBy
        self.need = need
    }
}

/// A department's step on a request (`POST /v1/support/{requestId}/answer`, op `support.answer`).
public struct SupportReply: Codable, Sendable, Hashable {
    public enum Step: String, Codable, Sendable, CaseIterable { case acknowledged, answered }
    public var requestId: String
    public var step: Step
    /// Required for `answered`: what the department does or found.
    public var answer: String?
    /// Who answers: over the gateway, set from the CURVE key's keyring name; over HTTP, the officer.
    public var answeredBy: String?
    /// Over the gateway, the answering key's `support.request.` grants, space-separated, set by the
    /// ROUTER (``SupportRules/keyMayAnswer(grants:departmentId:)``); nil over HTTP.
    public var grants: String?

    public init(requestId: String, step: Step, answer: String? = nil, answeredBy: String? = nil, grants: String? = nil) {
        self.requestId = requestId
        self.step = step
        self.answer = answer
        self.answeredBy = answeredBy
        self.grants = grants
    }
}

/// A support request and its whole life (`GET /v1/support/{requestId}`).
public struct DepartmentRequest: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable { case requested, acknowledged, answered }
    public var requestId: String
    public var departmentId: String
    public var kind: String
    public var incidentId: String?
    public var caseId: String?
    public var requestedBy: String
    public var need: String
    public var state: State
    public var answer: String?
    public var requestedAt: Date
    public var acknowledgeBy: Date
    public var answerBy: Date
    public var acknowledgedAt: Date?
    public var answeredAt: Date?
    /// The limits that passed and were escalated (`acknowledge`, `answer`).
    public var escalated: [String]
    public var steps: [SupportChanged]

    public init(
        requestId: String, departmentId: String, kind: String, incidentId: String?, caseId: String?, requestedBy: String, need: String,
        state: State, answer: String?, requestedAt: Date, acknowledgeBy: Date, answerBy: Date, acknowledgedAt: Date?, answeredAt: Date?,
        escalated: [String], steps: [SupportChanged]
    ) {
        self.requestId = requestId
        self.departmentId = departmentId
        self.kind = kind
        self.incidentId = incidentId
        self.caseId = caseId
        self.requestedBy = requestedBy
        self.need = need
        self.state = state
        self.answer = answer
        self.requestedAt = requestedAt
        self.acknowledgeBy = acknowledgeBy
        self.answerBy = answerBy
        self.acknowledgedAt = acknowledgedAt
        self.answeredAt = answeredAt
        self.escalated = escalated
        self.steps = steps
    }
}

/// Support requests' rules (001 §20: "unconditionally and with a time limit"): what a request
/// needs, which step follows which, and which limit has passed. Pure.
public enum SupportRules {
    /// Every problem of a new request, each naming its field.
    public static func problems(_ input: SupportInput, departments: Departments) -> [FieldError] {
        var problems: [FieldError] = []
        func blank(_ s: String?) -> Bool { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if let d = departments.department(input.departmentId) {
            if d.limit(input.kind) == nil {
                let kinds = d.limits.map(\.kind).joined(separator: ", ")
                problems.append(FieldError(field: "kind", reason: "department \(d.id) gives no '\(input.kind)' support; it gives: \(kinds)"))
            }
        } else {
            let ids = departments.departments.map(\.id).joined(separator: ", ")
            problems.append(FieldError(field: "departmentId", reason: "no department '\(input.departmentId)'; the city has: \(ids)"))
        }
        if blank(input.incidentId) && blank(input.caseId) {
            problems.append(FieldError(field: "incidentId", reason: "a support request is on an incident or a case: give incidentId or caseId"))
        }
        if blank(input.requestedBy) { problems.append(FieldError(field: "requestedBy", reason: "required: the station, unit or dispatcher asking")) }
        if blank(input.need) { problems.append(FieldError(field: "need", reason: "required: what support is needed")) }
        return problems
    }

    /// Whether an integrator key with these grants may answer a request to `departmentId`: only a
    /// grant naming the department (`support.request.<departmentId>`, with or without a trailing
    /// dot) does. The broad `support.request.` reads every department's requests at the gateway but
    /// answers none: a department's key answers only its own department's requests.
    public static func keyMayAnswer(grants: [String], departmentId: String) -> Bool {
        grants.contains { grant in
            guard grant.hasPrefix(Topics.supportRequest) else { return false }
            var named = grant.dropFirst(Topics.supportRequest.count)
            if named.hasSuffix(".") { named = named.dropLast() }
            return !named.isEmpty && named == departmentId
        }
    }

    /// The refusal of a reply over the gateway by a key whose grants do not name the request's
    /// department (403, field `requestId`); nil over HTTP (`grants` nil) or when a grant names it.
    public static func scopeRefusal(_ reply: SupportReply, departmentId: String) -> LiaisonError? {
        guard let grants = reply.grants else { return nil }
        let list = grants.split(separator: " ").map(String.init)
        if keyMayAnswer(grants: list, departmentId: departmentId) { return nil }
        let by = reply.answeredBy.map { "key '\($0)'" } ?? "this key"
        return LiaisonError(
            status: 403, code: "forbidden",
            problems: [
                FieldError(
                    field: "requestId",
                    reason: "\(reply.requestId) is addressed to department '\(departmentId)'; \(by) (grants: \(list.joined(separator: ", "))) "
                        + "answers only the requests of the departments its grants name (\(Topics.supportRequest)\(departmentId))")
            ])
    }

    /// The deadlines of a request raised at `at`.
    public static func deadlines(_ limit: Departments.Limit, at: Date) -> (acknowledgeBy: Date, answerBy: Date) {
        (at.addingTimeInterval(limit.acknowledgeSeconds), at.addingTimeInterval(limit.answerSeconds))
    }

    /// The state a reply moves a request to; `nil` for a repeat of the current step.
    public static func apply(_ reply: SupportReply, to state: DepartmentRequest.State) -> Result<DepartmentRequest.State?, LiaisonError> {
        if reply.step == .answered, (reply.answer ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return .failure(.invalid([FieldError(field: "answer", reason: "required to answer: what the department does or found")]))
        }
        switch (state, reply.step) {
        case (.requested, .acknowledged): return .success(.acknowledged)
        // Answering acknowledges too: a department that answers at once has taken it.
        case (.requested, .answered), (.acknowledged, .answered): return .success(.answered)
        case (.acknowledged, .acknowledged), (.answered, .answered): return .success(nil)
        case (.answered, .acknowledged): return .success(nil)
        }
    }

    /// The limits that have passed at `now` and are not yet escalated, in order.
    public static func overdue(state: DepartmentRequest.State, acknowledgeBy: Date, answerBy: Date, escalated: [String], now: Date) -> [String] {
        var missed: [String] = []
        if state == .requested, now >= acknowledgeBy, !escalated.contains("acknowledge") { missed.append("acknowledge") }
        if state != .answered, now >= answerBy, !escalated.contains("answer") { missed.append("answer") }
        return missed
    }
}
