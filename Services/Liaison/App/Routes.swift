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
            try ownEnterprise(input.enterprise.id)
            return try await written(engine.run(.putEnterprise(input.enterprise, createOnly: input.createOnly ?? false)).enterpriseWrite)
        }
        api.on(LiaisonAPI.createEnterprise, allow: [.liaisonOfficer, .supervisor]) { enterprise -> Reply<EnterpriseWrite> in
            try ownEnterprise(enterprise.id)
            return try await written(engine.run(.putEnterprise(enterprise, createOnly: true)).enterpriseWrite)
        }
        api.on(LiaisonAPI.replaceEnterprise, allow: [.liaisonOfficer, .supervisor]) { enterprise -> Reply<EnterpriseWrite> in
            try ownEnterprise(enterprise.id)
            return try await written(engine.run(.putEnterprise(enterprise, createOnly: false)).enterpriseWrite)
        }
        // A retirement is never a creation: 200 always.
        api.on(LiaisonAPI.retireEnterprise, allow: [.liaisonOfficer, .supervisor]) { input -> EnterpriseWrite in
            try ownEnterprise(input.id)
            return try await engine.run(.retireEnterprise(id: input.id)).enterpriseWrite.0 }
        api.on(LiaisonAPI.enterprises, allow: [.liaisonOfficer, .supervisor, .dispatcher, .analyst]) { _ in EnterpriseList(enterprises: try await engine.run(.enterprises).enterprises) }
        api.on(LiaisonAPI.profile, allow: [.liaisonOfficer, .supervisor]) { input -> EnterpriseProfile in
            try ownEnterprise(input.id)
            return try await engine.run(.profile(enterpriseId: input.id)).profile }
        api.on(LiaisonAPI.portfolio, allow: [.liaisonOfficer, .supervisor]) { input in try await engine.run(.portfolio(officerId: input.id)).portfolio }
        api.on(LiaisonAPI.incident, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { input in IncidentList(incidents: try await engine.run(.incident(id: input.id)).incidents) }
        api.on(LiaisonAPI.putCase, allow: [.liaisonOfficer, .supervisor]) { input -> Reply<CaseWrite> in
            if let enterprise = input.enterpriseId { try ownEnterprise(enterprise) }
            return try await written(engine.run(.putCase(input)).caseWrite) }
        api.on(LiaisonAPI.cases, allow: [.liaisonOfficer, .supervisor]) { input in
            CaseList(cases: try await engine.run(.cases(enterpriseId: input.enterpriseId, officerId: input.officerId)).cases)
        }
        api.on(LiaisonAPI.caseTotals, allow: [.liaisonOfficer, .supervisor, .analyst]) { query in try await engine.run(.caseTotals(query)).caseTotals }
        api.on(LiaisonAPI.logWork, allow: [.liaisonOfficer, .supervisor]) { input -> Reply<WorkWrite> in
            try ownEnterprise(input.enterpriseId)
            return try await written(engine.run(.logWork(input)).workWrite) }
        api.on(LiaisonAPI.overdue, allow: [.liaisonOfficer, .supervisor, .analyst]) { query in try await engine.run(.overdue(periodDays: query.periodDays)).overdue }
        api.on(LiaisonAPI.alerts, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { filter in
            AlertFeed(alerts: try await queries.alerts(enterpriseId: filter.enterprise, incidentId: filter.incident))
        }
        api.on(LiaisonAPI.stats, allow: [.liaisonOfficer, .supervisor, .analyst, .operator]) { _ in try await queries.stats() }
        api.on(LiaisonAPI.acknowledgeCoordination, allow: [.liaisonOfficer]) { input in
            try await engine.run(.acknowledgeCoordination(input)).coordination
        }
        api.on(LiaisonAPI.coordinations, allow: [.liaisonOfficer, .supervisor, .dispatcher]) { filter in
            CoordinationList(holds: try await engine.run(.coordinations(officerId: filter.officer, status: filter.status)).coordinations)
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

    /// A liaison officer works on its own enterprises only (supervisors on all).
    static func ownEnterprise(_ id: String) throws {
        guard Principal.current.mayActFor(enterprise: id) else {
            throw APIError.forbidden("enterprise \(id) is not among \(Principal.current.subject)'s enterprises", field: "id")
        }
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
