import Bus
import EventStore
import Foundation
import LiaisonCore
import Model
import ServiceKit
import Wire

/// liaison as the host runs it: its core, the sources it follows, the integrator gateway, and
/// its HTTP routes onto the operations of ``LiaisonAPI`` (docs/liaison.md).
enum LiaisonService {
    /// The largest request body liaison reads.
    static let maxBodyBytes = 1 << 20

    static func definition(
        enterprises: [Enterprise], jurisdiction: Jurisdiction, settings: LiaisonSettings, departments: Departments = Departments()
    ) -> ServiceDefinition<LiaisonCore> {
        ServiceDefinition(
            name: .liaison, follows: [.intake, .dispatch],
            makeCore: { LiaisonCore(seed: enterprises, jurisdiction: jurisdiction, settings: settings, departments: departments) },
            api: api,
            gateway: { config in
                var gateway = GatewayConfig(
                    endpoint: config.bindIntegrators, topics: [Topics.enterpriseAlert, Topics.supportRequest, Topics.handoff12345],
                    render: CAPRendering.render)
                gateway.operations = LiaisonAPI.integratorOperations
                return gateway
            })
    }

    static func api(_ context: ServiceContext<LiaisonCore>) -> ServiceAPI {
        let engine = context.engine
        let queries = LiaisonQueries(reader: context.reader)
        var api = ServiceAPI()
        api.on(LiaisonAPI.putEnterprise, allow: [.liaisonOfficer, .supervisor]) { input -> Reply<EnterpriseWrite> in
            try await ownEnterprise(input.enterprise.id, engine, proposed: input.enterprise)
            return try await written(engine.run(.putEnterprise(input.enterprise, createOnly: input.createOnly ?? false)).enterpriseWrite)
        }
        api.on(LiaisonAPI.createEnterprise, allow: [.liaisonOfficer, .supervisor]) { enterprise -> Reply<EnterpriseWrite> in
            try await ownEnterprise(enterprise.id, engine, proposed: enterprise)
            return try await written(engine.run(.putEnterprise(enterprise, createOnly: true)).enterpriseWrite)
        }
        api.on(LiaisonAPI.replaceEnterprise, allow: [.liaisonOfficer, .supervisor]) { enterprise -> Reply<EnterpriseWrite> in
            try await ownEnterprise(enterprise.id, engine, proposed: enterprise)
            return try await written(engine.run(.putEnterprise(enterprise, createOnly: false)).enterpriseWrite)
        }
        // A retirement is never a creation: 200 always.
        api.on(LiaisonAPI.retireEnterprise, allow: [.liaisonOfficer, .supervisor]) { input -> EnterpriseWrite in
            try await ownEnterprise(input.id, engine)
            return try await engine.run(.retireEnterprise(id: input.id)).enterpriseWrite.0 }
        api.on(LiaisonAPI.enterprises, allow: [.liaisonOfficer, .supervisor, .dispatcher, .analyst]) { _ in EnterpriseList(enterprises: try await engine.run(.enterprises).enterprises) }
        api.on(LiaisonAPI.profile, allow: [.liaisonOfficer, .supervisor]) { input -> EnterpriseProfile in
            try await ownEnterprise(input.id, engine)
            return try await engine.run(.profile(enterpriseId: input.id)).profile }
        api.on(LiaisonAPI.portfolio, allow: [.liaisonOfficer, .supervisor]) { input in try await engine.run(.portfolio(officerId: input.id)).portfolio }
        api.on(LiaisonAPI.incident, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { input in IncidentList(incidents: try await engine.run(.incident(id: input.id)).incidents) }
        api.on(LiaisonAPI.putCase, allow: [.liaisonOfficer, .supervisor]) { input -> Reply<CaseWrite> in
            // A new case names its enterprise; a change of one keeps the one it has.
            let existing = try await engine.run(.cases(enterpriseId: nil, officerId: nil)).cases.first { $0.caseId == input.caseId }
            if let enterprise = existing?.enterpriseId { try await ownEnterprise(enterprise, engine) }
            if let enterprise = input.enterpriseId { try await ownEnterprise(enterprise, engine) }
            return try await written(engine.run(.putCase(input)).caseWrite) }
        api.on(LiaisonAPI.cases, allow: [.liaisonOfficer, .supervisor]) { input in
            let cases = try await engine.run(.cases(enterpriseId: input.enterpriseId, officerId: input.officerId)).cases
            guard let own = try await ownEnterprises(engine) else { return CaseList(cases: cases) }
            return CaseList(cases: cases.filter { own.contains($0.enterpriseId) })
        }
        api.on(LiaisonAPI.caseTotals, allow: [.liaisonOfficer, .supervisor, .analyst]) { query in try await engine.run(.caseTotals(query)).caseTotals }
        api.on(LiaisonAPI.logWork, allow: [.liaisonOfficer, .supervisor]) { input -> Reply<WorkWrite> in
            try await ownEnterprise(input.enterpriseId, engine)
            return try await written(engine.run(.logWork(input)).workWrite) }
        api.on(LiaisonAPI.overdue, allow: [.liaisonOfficer, .supervisor, .analyst]) { query in try await engine.run(.overdue(periodDays: query.periodDays)).overdue }
        api.on(LiaisonAPI.alerts, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { filter in
            AlertFeed(alerts: try await queries.alerts(enterpriseId: filter.enterprise, incidentId: filter.incident))
        }
        api.on(LiaisonAPI.stats, allow: [.liaisonOfficer, .supervisor, .analyst, .operator]) { _ in try await queries.stats() }
        // The officer acknowledging is the token's subject (`officerId` is its actor field), on a hold
        // of one of its own enterprises; the core then checks the subject is that enterprise's officer.
        api.on(LiaisonAPI.acknowledgeCoordination, allow: [.liaisonOfficer]) { input in
            let hold = try await engine.run(.coordinations(officerId: nil, status: nil)).coordinations.first { $0.incidentId == input.incidentId }
            if let hold { try await ownEnterprise(hold.enterpriseId, engine) }
            return try await engine.run(.acknowledgeCoordination(input)).coordination
        }
        api.actor(LiaisonAPI.acknowledgeCoordination, field: "officerId")
        api.on(LiaisonAPI.coordinations, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { filter in
            let holds = try await engine.run(.coordinations(officerId: filter.officer, status: filter.status)).coordinations
            guard let own = try await ownEnterprises(engine) else { return CoordinationList(holds: holds) }
            return CoordinationList(holds: holds.filter { own.contains($0.enterpriseId) })
        }
        // The 12345 platform answers on the ROUTER with its integrator key (run as role integrator,
        // inside its grants); over HTTP the duty call-taker the late ones escalate to, and supervisors.
        api.on(LiaisonAPI.answerHandoff, allow: [.integrator, .callTaker, .supervisor]) { answer in
            try await engine.run(.answerHandoff(answer)).handoffView
        }
        api.on(LiaisonAPI.handoff, allow: [.callTaker, .dispatcher, .supervisor]) { query in
            try await engine.run(.handoff(callId: query.callId)).handoffView
        }
        // A station, a field unit or a dispatcher raises; the department (an integrator key on the
        // ROUTER, or a supervisor for it) acknowledges and answers.
        api.on(LiaisonAPI.raiseSupport, allow: [.dispatcher, .fieldUnit, .supervisor]) { input in
            Reply(try await engine.run(.raiseSupport(input)).departmentRequest, status: 201)
        }
        api.on(LiaisonAPI.replySupport, allow: [.integrator, .supervisor]) { reply in try await engine.run(.replySupport(reply)).departmentRequest }
        api.on(LiaisonAPI.support, allow: [.dispatcher, .fieldUnit, .supervisor]) { query in
            try await engine.run(.support(requestId: query.requestId)).departmentRequest
        }
        api.on(LiaisonAPI.supports, allow: [.dispatcher, .fieldUnit, .supervisor]) { filter in
            SupportList(requests: try await engine.run(.supports(incidentId: filter.incidentId, departmentId: filter.departmentId)).departmentRequests)
        }

        api.get("/v1/enterprises", LiaisonAPI.enterprises)
        api.post("/v1/enterprises", LiaisonAPI.createEnterprise, maxBytes: maxBodyBytes)
        api.put("/v1/enterprises/:id", LiaisonAPI.replaceEnterprise, maxBytes: maxBodyBytes)
        api.delete("/v1/enterprises/:id", LiaisonAPI.retireEnterprise)
        api.get("/v1/enterprises/:id", LiaisonAPI.profile)
        api.get("/v1/officers/:id/portfolio", LiaisonAPI.portfolio)
        api.get("/v1/incidents/:id", LiaisonAPI.incident)
        api.put("/v1/cases/:caseId", LiaisonAPI.putCase, maxBytes: maxBodyBytes)
        api.get("/v1/cases", LiaisonAPI.cases)
        api.get("/v1/cases/totals", LiaisonAPI.caseTotals)
        api.post("/v1/worklog", LiaisonAPI.logWork, maxBytes: maxBodyBytes)
        api.get("/v1/worklog/overdue", LiaisonAPI.overdue)
        api.get("/v1/alerts", LiaisonAPI.alerts)
        api.get("/v1/stats", LiaisonAPI.stats)
        api.post("/v1/coordination/:incidentId/acknowledge", LiaisonAPI.acknowledgeCoordination, maxBytes: maxBodyBytes)
        api.get("/v1/coordination", LiaisonAPI.coordinations)
        api.post("/v1/handoffs/:callId/answer", LiaisonAPI.answerHandoff, maxBytes: maxBodyBytes)
        api.get("/v1/handoffs/:callId", LiaisonAPI.handoff)
        api.post("/v1/support", LiaisonAPI.raiseSupport, maxBytes: maxBodyBytes)
        api.post("/v1/support/:requestId/reply", LiaisonAPI.replySupport, maxBytes: maxBodyBytes)
        api.get("/v1/support", LiaisonAPI.supports)
        api.get("/v1/support/:requestId", LiaisonAPI.support)
        return api
    }

    /// A liaison officer works on its own enterprises only (supervisors, dispatchers' reads and
    /// peer services on all): see ``ownEnterprises(_:)``. A new enterprise is its own when it names
    /// the officer as its liaison or deputy officer.
    static func ownEnterprise(_ id: String, _ engine: Engine<LiaisonCore>, proposed: Enterprise? = nil) async throws {
        guard let own = try await ownEnterprises(engine) else { return }
        if own.contains(id) { return }
        let principal = Principal.current
        if principal.enterprises == nil, let proposed, [proposed.liaisonOfficerId, proposed.deputyOfficerId].contains(principal.subject),
            try await !engine.run(.enterprises).enterprises.contains(where: { $0.id == id })
        {
            return
        }
        throw APIError.forbidden("enterprise \(id) is not among \(principal.subject)'s enterprises", field: "id")
    }

    /// The enterprises the principal may work on, or nil for all. A liaison officer's are those
    /// its token names (`enterprises`) or, when it names none, those the registry gives it as
    /// liaison or deputy officer (its subject is its officer id).
    static func ownEnterprises(_ engine: Engine<LiaisonCore>) async throws -> Set<String>? {
        let principal = Principal.current
        guard !principal.may([.supervisor, .dispatcher]), principal.roles.contains(.liaisonOfficer) else { return nil }
        if let claimed = principal.enterprises { return Set(claimed) }
        let registry = try await engine.run(.enterprises).enterprises
        return Set(registry.filter { $0.liaisonOfficerId == principal.subject || $0.deputyOfficerId == principal.subject }.map(\.id))
    }

    /// A write's answer: 201 when it created something, 200 otherwise (a change or a retry).
    static func written<W: Codable & Sendable>(_ write: (W, created: Bool)) -> Reply<W> {
        Reply(write.0, status: write.created ? 201 : 200)
    }
}

extension Engine<LiaisonCore> {
    /// Submits a command; a refusal becomes the one API error.
    func run(_ command: LiaisonCore.Command) async throws -> LiaisonCore.Reply {
        do { return try await submit(command) } catch let error as LiaisonError { throw APIError(error) }
    }
}

extension LiaisonCore.Reply {
    // The reply each command answers with; any other is a bug in the core, reported as a 500.
    var enterpriseWrite: (EnterpriseWrite, created: Bool) {
        get throws { if case .enterprise(let w) = self { (w, w.created) } else { throw mismatch } }
    }
    var caseWrite: (CaseWrite, created: Bool) { get throws { if case .enterpriseCase(let w) = self { (w, w.created) } else { throw mismatch } } }
    var workWrite: (WorkWrite, created: Bool) { get throws { if case .work(let w) = self { (w, w.created) } else { throw mismatch } } }
    var enterprises: [EnterpriseSummary] { get throws { if case .enterprises(let l) = self { l } else { throw mismatch } } }
    var profile: EnterpriseProfile { get throws { if case .profile(let p) = self { p } else { throw mismatch } } }
    var portfolio: OfficerPortfolio { get throws { if case .portfolio(let p) = self { p } else { throw mismatch } } }
    var incidents: [LiaisonIncident] { get throws { if case .incident(let l) = self { l } else { throw mismatch } } }
    var cases: [EnterpriseCase] { get throws { if case .cases(let l) = self { l } else { throw mismatch } } }
    var caseTotals: CaseTotalsReport { get throws { if case .caseTotals(let r) = self { r } else { throw mismatch } } }
    var overdue: OverdueReport { get throws { if case .overdue(let r) = self { r } else { throw mismatch } } }
    var coordination: CoordinationView { get throws { if case .coordination(let c) = self { c } else { throw mismatch } } }
    var coordinations: [CoordinationView] { get throws { if case .coordinations(let l) = self { l } else { throw mismatch } } }
    var handoffView: HandoffView { get throws { if case .handoff(let h) = self { h } else { throw mismatch } } }
    var departmentRequest: DepartmentRequest { get throws { if case .support(let r) = self { r } else { throw mismatch } } }
    var departmentRequests: [DepartmentRequest] { get throws { if case .supports(let l) = self { l } else { throw mismatch } } }

    private var mismatch: APIError { APIError(status: 500, code: "internal", message: "the core answered \(self) to another command") }
}

extension APIError {
    /// A refusal of the core: its status and code; every problem in the message, the first one's field.
    init(_ error: LiaisonError) {
        self.init(status: error.status, code: error.code, message: error.message, field: error.problems.first?.field)
    }
}
