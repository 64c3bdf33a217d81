import ArgumentParser
import DispatchCore
import EventStore
import Foundation
import GRDB
import Hummingbird
import Metrics
import Model
import ServiceKit

@main
struct DispatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-dispatch",
        abstract: "Sends units to incidents by the rules of station-centred dispatch and tracks them to close.")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Serve only these regions, e.g. R1,R2 (also 'unlocated' for incidents with no grid, 'city' for units of no region) (env PRECINCT_REGIONS; default all).")
    var regions: String?

    @Option(help: "Dispatch rules file (env PRECINCT_DISPATCH_RULES; default <city>/dispatch-rules.json, or the built-in defaults when the city has none).")
    var rules: String?

    func run() async throws {
        let config = try options.resolve(.dispatch)
        let environment = ProcessInfo.processInfo.environment
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let rulesPath = rules ?? environment["PRECINCT_DISPATCH_RULES"].flatMap { $0.isEmpty ? nil : $0 }
        let dispatchRules = try DispatchRules.load(cityDirectory: config.cityDirectory, file: rulesPath.map { URL(fileURLWithPath: $0) })
        let served = try DispatchCore.parseRegions(regions ?? environment["PRECINCT_REGIONS"], jurisdiction: jurisdiction)
        let observer = DispatchMetrics.observer()
        let definition = ServiceDefinition<DispatchCore>(
            name: .dispatch, follows: [.intake],
            makeCore: { DispatchCore(jurisdiction: jurisdiction, rules: dispatchRules, regions: served, observer: observer) },
            operations: DispatchAPI.operations,
            routes: { router, context, ops in DispatchAPI.routes(router, context, ops, jurisdiction: jurisdiction) })
        try await ServiceHost.run(definition, config: config)
    }
}

/// Dispatch's metrics (docs/dispatch.md, "Metrics").
enum DispatchMetrics {
    static func observer() -> DispatchObserver {
        DispatchObserver(
            decided: { rule, decision, waited in
                Metrics.Timer(label: "precinct_dispatch_decision_seconds", dimensions: [("rule", rule)]).recordNanoseconds(Int64(decision * 1e9))
                Recorder(label: "precinct_dispatch_wait_seconds").record(max(0, waited))
                Counter(label: "precinct_dispatch_assignments_total", dimensions: [("rule", rule)]).increment()
            },
            queueLength: { Gauge(label: "precinct_dispatch_queue_length").record($0) },
            warned: { Counter(label: "precinct_dispatch_sla_warnings_total", dimensions: [("timer", $0.rawValue)]).increment() },
            breached: { Counter(label: "precinct_dispatch_sla_breaches_total", dimensions: [("timer", $0.rawValue)]).increment() })
    }
}

enum DispatchAPI {
    struct FieldBatch: Codable { var commands: [FieldCommand] }
    struct FieldResult: Codable { var accepted: Int; var refused: [FieldCommandError] }
    struct UnitBatch: Codable { var units: [UnitReport] }

    static func operations(_ context: ServiceContext<DispatchCore>) -> Operations {
        var ops = Operations()
        let decoder = JSONCodec.decoder()
        @Sendable func answer(_ reply: DispatchCore.Reply) -> APIResponse {
            let (accepted, refused): (Int, [FieldCommandError]) = switch reply {
            case .field(let a, let r): (a, r)
            case .units(let a, let r): (a, r)
            }
            return APIResponse(status: refused.isEmpty ? 200 : (accepted == 0 ? 409 : 207), json: FieldResult(accepted: accepted, refused: refused))
        }
        ops["field"] = { body in
            let batch: FieldBatch
            do { batch = try decoder.decode(FieldBatch.self, from: Data(body)) } catch {
                let (field, reason) = describe(error)
                return .error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field)
            }
            do { return answer(try await context.engine.submit(.field(batch.commands))) } catch {
                return .error(503, code: "unavailable", message: "not recorded: \(error)")
            }
        }
        ops["units"] = { body in
            let batch: UnitBatch
            do { batch = try decoder.decode(UnitBatch.self, from: Data(body)) } catch {
                let (field, reason) = describe(error)
                return .error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field)
            }
            do { return answer(try await context.engine.submit(.units(batch.units))) } catch {
                return .error(503, code: "unavailable", message: "not recorded: \(error)")
            }
        }
        return ops
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<DispatchCore>, _ ops: Operations, jurisdiction: Jurisdiction) {
        let pool = context.store.pool
        router.post("/v1/field") { request, _ in
            let body = try await request.body.collect(upTo: 4 << 20)
            return HTTPJSON.response(await ops["field"]!(Array(buffer: body)))
        }
        router.post("/v1/units") { request, _ in
            let body = try await request.body.collect(upTo: 4 << 20)
            return HTTPJSON.response(await ops["units"]!(Array(buffer: body)))
        }
        router.get("/v1/stats") { _, _ in
            HTTPJSON.response(APIResponse(json: try await pool.read { try DispatchQueries.stats($0) }))
        }
        router.get("/v1/units") { request, _ in
            let q = request.uri.queryParameters
            let board = try await pool.read {
                try DispatchQueries.unitBoard($0, jurisdiction: jurisdiction, regionId: q["region"].map(String.init),
                                              stationId: q["station"].map(String.init), state: q["state"].map(String.init))
            }
            return HTTPJSON.response(APIResponse(json: board))
        }
        router.get("/v1/queue") { _, _ in
            HTTPJSON.response(APIResponse(json: try await pool.read { try DispatchQueries.queue($0) }))
        }
        router.get("/v1/incidents") { request, _ in
            let q = request.uri.queryParameters
            let list = try await pool.read {
                try DispatchQueries.incidents($0, status: q["status"].map(String.init), regionId: q["region"].map(String.init),
                                              stationId: q["station"].map(String.init), limit: q["limit"].flatMap { Int(String($0)) } ?? 500)
            }
            struct Answer: Codable { var incidents: [DispatchQueries.IncidentView] }
            return HTTPJSON.response(APIResponse(json: Answer(incidents: list)))
        }
        router.get("/v1/incidents/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let view = try await pool.read({ try DispatchQueries.incident($0, id: id, jurisdiction: jurisdiction) }) else {
                return HTTPJSON.response(.error(404, code: "not-found", message: "no incident '\(id)'", field: "id"))
            }
            return HTTPJSON.response(APIResponse(json: view))
        }
        router.get("/v1/incidents/:id/timeline") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            guard let view = try await pool.read({ try DispatchQueries.incident($0, id: id, jurisdiction: jurisdiction) }) else {
                return HTTPJSON.response(.error(404, code: "not-found", message: "no incident '\(id)'", field: "id"))
            }
            struct Answer: Codable { var id: String; var timeline: [DispatchQueries.TimelineEntry] }
            return HTTPJSON.response(APIResponse(json: Answer(id: id, timeline: view.timeline ?? [])))
        }
    }
}
