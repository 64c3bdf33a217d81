import ArgumentParser
import Bus
import EventStore
import Foundation
import GRDB
import Hummingbird
import LiaisonCore
import Model
import ServiceKit
import Wire

@main
struct LiaisonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-liaison",
        abstract: "Runs the enterprise registry (一企一警), enterprise alerts, zero-disturbance coordination, enterprise cases and the liaison work log.")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Days without a visit or joint meeting after which an enterprise is overdue (env PRECINCT_LIAISON_WORK_PERIOD_DAYS; default 30).")
    var workPeriodDays: Double?

    func run() async throws {
        let config = try options.resolve(.liaison)
        let environment = ProcessInfo.processInfo.environment
        let period = try workPeriodDays ?? environment["PRECINCT_LIAISON_WORK_PERIOD_DAYS"].map {
            guard let d = Double($0), d > 0 else { throw ValidationError("PRECINCT_LIAISON_WORK_PERIOD_DAYS must be a number of days > 0; got '\($0)'") }
            return d
        } ?? 30
        guard period > 0 else { throw ValidationError("--work-period-days must be > 0") }
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let enterprises = try Enterprise.load(from: config.cityDirectory)
        // The city file seeds the registry on the first start; it must pass the API's rules.
        let validator = EnterpriseValidator(jurisdiction: jurisdiction)
        for e in enterprises {
            let problems = validator.problems(e)
            if !problems.isEmpty {
                throw ConfigurationError(file: "enterprises.json", record: "enterprise \(e.id)", problem: problems.map(\.description).joined(separator: "; "))
            }
        }
        let settings = LiaisonSettings(workPeriodDays: period)
        let definition = ServiceDefinition<LiaisonCore>(
            name: .liaison, follows: [.intake, .dispatch],
            makeCore: { LiaisonCore(seed: enterprises, jurisdiction: jurisdiction, settings: settings) },
            operations: LiaisonAPI.operations, routes: LiaisonAPI.routes,
            gateway: { config in
                GatewayConfig(endpoint: config.bindIntegrators, topics: [Topics.enterpriseAlert], render: IntegratorGateway.render)
            })
        try await ServiceHost.run(definition, config: config)
    }
}

/// The liaison API (docs/liaison.md, "Read API" and "Registry"): the same operations over HTTP and
/// over the ROUTER (`[{"op": …}, body]`).
enum LiaisonAPI {
    static let maxBodyBytes = 1 << 20

    struct Id: Codable { var id: String }
    struct EnterpriseBody: Codable { var enterprise: Enterprise; var createOnly: Bool? }
    struct Cases: Codable { var enterpriseId: String?; var officerId: String? }
    struct Overdue: Codable { var periodDays: Double? }

    /// Runs a command and turns its reply or refusal into an answer.
    static func perform(_ context: ServiceContext<LiaisonCore>, _ command: LiaisonCore.Command, created: Int = 200) async -> APIResponse {
        do {
            switch try await context.engine.submit(command) {
            case .enterprise(let w): return APIResponse(status: w.created ? created : 200, json: w)
            case .enterpriseCase(let w): return APIResponse(status: w.created ? created : 200, json: w)
            case .work(let w): return APIResponse(status: w.created ? created : 200, json: w)
            case .enterprises(let list): return APIResponse(json: ["enterprises": list])
            case .profile(let p): return APIResponse(json: p)
            case .portfolio(let p): return APIResponse(json: p)
            case .incident(let list): return APIResponse(json: ["incidents": list])
            case .caseTotals(let r): return APIResponse(json: r)
            case .cases(let list): return APIResponse(json: ["cases": list])
            case .overdue(let r): return APIResponse(json: r)
            }
        } catch let error as LiaisonError {
            return refusal(error)
        } catch {
            return .error(503, code: "unavailable", message: "not done: \(error)")
        }
    }

    /// `{"error": {code, message, field}, "problems": [{field, reason}, …]}`
    static func refusal(_ error: LiaisonError) -> APIResponse {
        struct Detail: Codable { var code: String; var message: String; var field: String? }
        struct Body: Codable { var error: Detail; var problems: [FieldError] }
        let detail = Detail(code: error.code, message: error.message, field: error.problems.first?.field)
        return APIResponse(status: error.status, json: Body(error: detail, problems: error.problems))
    }

    /// An answer that ends a request early.
    struct Refusal: Error { var response: APIResponse; init(_ r: APIResponse) { response = r } }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> Result<T, Refusal> {
        do { return .success(try JSONCodec.decoder().decode(T.self, from: Data(body))) } catch {
            let (field, reason) = describe(error)
            return .failure(Refusal(.error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field)))
        }
    }

    static func with<T: Decodable>(_ type: T.Type, _ body: [UInt8], _ run: (T) async -> APIResponse) async -> APIResponse {
        switch decode(type, body) {
        case .success(let value): return await run(value)
        case .failure(let refusal): return refusal.response
        }
    }

    static func operations(_ context: ServiceContext<LiaisonCore>) -> Operations {
        var ops = Operations()
        ops["enterprise.put"] = { body in
            await with(EnterpriseBody.self, body) { await perform(context, .putEnterprise($0.enterprise, createOnly: $0.createOnly ?? false), created: 201) }
        }
        ops["enterprise.retire"] = { body in await with(Id.self, body) { await perform(context, .retireEnterprise(id: $0.id)) } }
        ops["enterprise.list"] = { _ in await perform(context, .enterprises) }
        ops["enterprise.profile"] = { body in await with(Id.self, body) { await perform(context, .profile(enterpriseId: $0.id)) } }
        ops["officer.portfolio"] = { body in await with(Id.self, body) { await perform(context, .portfolio(officerId: $0.id)) } }
        ops["incident"] = { body in await with(Id.self, body) { await perform(context, .incident(id: $0.id)) } }
        ops["case.put"] = { body in await with(CaseInput.self, body) { await perform(context, .putCase($0), created: 201) } }
        ops["case.list"] = { body in await with(Cases.self, body.isEmpty ? Array("{}".utf8) : body) { await perform(context, .cases(enterpriseId: $0.enterpriseId, officerId: $0.officerId)) } }
        ops["case.totals"] = { body in await with(CaseTotalsQuery.self, body) { await perform(context, .caseTotals($0)) } }
        ops["worklog.add"] = { body in await with(WorkInput.self, body) { await perform(context, .logWork($0), created: 201) } }
        ops["worklog.overdue"] = { body in await with(Overdue.self, body.isEmpty ? Array("{}".utf8) : body) { await perform(context, .overdue(periodDays: $0.periodDays)) } }
        return ops
    }

    static func body(_ request: Request) async -> [UInt8]? {
        guard let buffer = try? await request.body.collect(upTo: maxBodyBytes) else { return nil }
        return Array(buffer: buffer)
    }

    static let tooLarge = APIResponse.error(413, code: "too-large", message: "a request body is at most \(maxBodyBytes) bytes")

    /// A JSON object with `key` set to `value` merged in (path parameters into bodies).
    static func merging(_ body: [UInt8], _ key: String, _ value: String) -> Result<[UInt8], Refusal> {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any] else {
            return .failure(Refusal(.error(400, code: "invalid", message: "body is not a JSON object")))
        }
        if let given = object[key], (given as? String) != value {
            return .failure(Refusal(refusal(.invalid([FieldError(field: key, reason: "'\(given)' differs from the path's '\(value)'")]))))
        }
        object[key] = value
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return .failure(Refusal(.error(400, code: "invalid", message: "body is not JSON"))) }
        return .success(Array(data))
    }

    static func date(_ request: Request, _ name: String) -> Result<Date?, Refusal> {
        guard let text = request.uri.queryParameters.get(name) else { return .success(nil) }
        guard let d = EventTime.date(text) else {
            return .failure(Refusal(.error(400, code: "invalid", message: "\(name): '\(text)' is not an ISO-8601 time (e.g. 2026-11-01T00:00:00Z)", field: name)))
        }
        return .success(d)
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<LiaisonCore>, _ ops: Operations) {
        // Registry.
        router.get("/v1/enterprises") { _, _ in HTTPJSON.response(await perform(context, .enterprises)) }
        router.post("/v1/enterprises") { request, _ in
            guard let body = await body(request) else { return HTTPJSON.response(tooLarge) }
            return HTTPJSON.response(await with(Enterprise.self, body) { await perform(context, .putEnterprise($0, createOnly: true), created: 201) })
        }
        router.put("/v1/enterprises/:id") { request, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let raw = await body(request) else { return HTTPJSON.response(tooLarge) }
            switch merging(raw, "id", id) {
            case .failure(let r): return HTTPJSON.response(r.response)
            case .success(let body):
                return HTTPJSON.response(await with(Enterprise.self, body) { await perform(context, .putEnterprise($0, createOnly: false), created: 201) })
            }
        }
        router.delete("/v1/enterprises/:id") { _, ctx in
            HTTPJSON.response(await perform(context, .retireEnterprise(id: ctx.parameters.get("id") ?? "")))
        }
        router.get("/v1/enterprises/:id") { _, ctx in
            HTTPJSON.response(await perform(context, .profile(enterpriseId: ctx.parameters.get("id") ?? "")))
        }
        router.get("/v1/officers/:id/portfolio") { _, ctx in
            HTTPJSON.response(await perform(context, .portfolio(officerId: ctx.parameters.get("id") ?? "")))
        }
        router.get("/v1/incidents/:id") { _, ctx in
            HTTPJSON.response(await perform(context, .incident(id: ctx.parameters.get("id") ?? "")))
        }

        // Cases.
        router.put("/v1/cases/:id") { request, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let raw = await body(request) else { return HTTPJSON.response(tooLarge) }
            switch merging(raw, "caseId", id) {
            case .failure(let r): return HTTPJSON.response(r.response)
            case .success(let body): return HTTPJSON.response(await with(CaseInput.self, body) { await perform(context, .putCase($0), created: 201) })
            }
        }
        router.get("/v1/cases") { request, _ in
            let q = request.uri.queryParameters
            return HTTPJSON.response(await perform(context, .cases(enterpriseId: q.get("enterprise"), officerId: q.get("officer"))))
        }
        router.get("/v1/cases/totals") { request, _ in
            let byText = request.uri.queryParameters.get("by") ?? "city"
            guard let by = CaseTotalsQuery.By(rawValue: byText) else {
                return HTTPJSON.response(.error(400, code: "invalid", message: "by: '\(byText)' is not one of enterprise, officer, city", field: "by"))
            }
            switch (date(request, "from"), date(request, "to")) {
            case (.failure(let r), _), (_, .failure(let r)): return HTTPJSON.response(r.response)
            case (.success(let from), .success(let to)):
                return HTTPJSON.response(await perform(context, .caseTotals(CaseTotalsQuery(from: from, to: to, by: by))))
            }
        }

        // Work log.
        router.post("/v1/worklog") { request, _ in
            guard let body = await body(request) else { return HTTPJSON.response(tooLarge) }
            return HTTPJSON.response(await with(WorkInput.self, body) { await perform(context, .logWork($0), created: 201) })
        }
        router.get("/v1/worklog/overdue") { request, _ in
            var period: Double?
            if let text = request.uri.queryParameters.get("periodDays") {
                guard let d = Double(text) else {
                    return HTTPJSON.response(.error(400, code: "invalid", message: "periodDays: '\(text)' is not a number", field: "periodDays"))
                }
                period = d
            }
            return HTTPJSON.response(await perform(context, .overdue(periodDays: period)))
        }

        // Alerts and counters (read straight from the store).
        router.get("/v1/alerts") { request, _ in
            struct Entry: Codable {
                var alertId: String; var enterpriseId: String; var incidentId: String; var transition: String; var matchedBy: String
                var severity: String; var summary: String?; var zeroDisturbance: Bool; var at: Date
            }
            let q = request.uri.queryParameters
            let enterprise = q.get("enterprise")
            let incident = q.get("incident")
            let rows = try await context.store.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT * FROM alerts WHERE (? IS NULL OR enterprise_id = ?) AND (? IS NULL OR incident_id = ?) ORDER BY at DESC, alert_id LIMIT 500
                    """, arguments: [enterprise, enterprise, incident, incident]).map {
                    Entry(alertId: $0["alert_id"], enterpriseId: $0["enterprise_id"], incidentId: $0["incident_id"], transition: $0["transition"],
                          matchedBy: $0["matched_by"], severity: $0["severity"], summary: $0["summary"], zeroDisturbance: $0["zero_disturbance"],
                          at: Date(timeIntervalSince1970: $0["at"]))
                }
            }
            return HTTPJSON.response(APIResponse(json: ["alerts": rows]))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await context.store.pool.read { db in
                var out: [String: Int] = [
                    // `alerts` counts `opened` enterprise alerts: one per incident and enterprise (the load generator checks it).
                    "alerts": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE transition = 'opened'") ?? 0,
                    "incidentsAlerted": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM alerts WHERE transition = 'opened'") ?? 0,
                    "alertsTotal": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") ?? 0,
                    "officerAlerts": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM officer_alerts") ?? 0,
                    "coordinationAlerts": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM officer_alerts WHERE kind = 'coordination'") ?? 0,
                    "enterprises": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM enterprises WHERE retired = 0") ?? 0,
                    "cases": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") ?? 0,
                    "workLogEntries": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM worklog") ?? 0,
                    "pendingDispatchEvents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_dispatch") ?? 0,
                ]
                for row in try Row.fetchAll(db, sql: "SELECT transition, COUNT(*) AS n FROM alerts GROUP BY transition") {
                    out["alerts_\(row["transition"] as String)"] = row["n"]
                }
                return out
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
    }
}

/// What the integrator gateway adds to each enterprise alert it forwards.
enum IntegratorGateway {
    /// The alert again as CAP 1.2 XML on `cap.enterprise.<id>`, for integrators whose tools
    /// already read CAP.
    ///
    /// Same sequence and time as the alert; the header's type says it is CAP and its id differs,
    /// so the two stay distinct events to an integrator that de-duplicates by id.
    @Sendable static func render(_ event: OutboundEvent) -> [OutboundEvent] {
        guard let header = try? EventHeader.decode(event.header),
              let alert = try? decoder.decode(EnterpriseAlert.self, from: Data(event.payload)) else { return [] }
        let capHeader = header.rendering(as: "cap.enterprise", idSuffix: "cap")
        return [OutboundEvent(seq: event.seq, topic: Array((Topics.capEnterpriseAlert + alert.enterpriseId).utf8),
                              header: capHeader.encoded(), payload: Array(CAPMessage.render(alert).utf8))]
    }

    /// Shared by the bus thread (live) and the store's reader (an integrator's replay): JSONDecoder is Sendable.
    private static let decoder = JSONCodec.decoder()
}
