import ArgumentParser
import DispatchCore
import EventStore
import Foundation
import GRDB
import Hummingbird
import Model
import ServiceKit

@main
struct DispatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-dispatch",
        abstract: "Sends units to incidents by the rules of station-centred dispatch and tracks them to close.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let config = try options.resolve(.dispatch)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let definition = ServiceDefinition<DispatchCore>(
            name: .dispatch, follows: [.intake],
            makeCore: { DispatchCore(jurisdiction: jurisdiction) },
            operations: DispatchAPI.operations, routes: DispatchAPI.routes)
        try await ServiceHost.run(definition, config: config)
    }
}

enum DispatchAPI {
    struct FieldBatch: Codable { var commands: [FieldCommand] }
    struct FieldResult: Codable { var accepted: Int; var refused: [FieldCommandError] }

    static func operations(_ context: ServiceContext<DispatchCore>) -> Operations {
        var ops = Operations()
        let decoder = JSONCodec.decoder()
        ops["field"] = { body in
            let batch: FieldBatch
            do { batch = try decoder.decode(FieldBatch.self, from: Data(body)) } catch {
                let (field, reason) = describe(error)
                return .error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field)
            }
            do {
                switch try await context.engine.submit(.field(batch.commands)) {
                case .field(let accepted, let refused):
                    return APIResponse(status: refused.isEmpty ? 200 : (accepted == 0 ? 409 : 207), json: FieldResult(accepted: accepted, refused: refused))
                }
            } catch {
                return .error(503, code: "unavailable", message: "not recorded: \(error)")
            }
        }
        return ops
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<DispatchCore>, _ ops: Operations) {
        router.post("/v1/field") { request, _ in
            let body = try await request.body.collect(upTo: 4 << 20)
            return HTTPJSON.response(await ops["field"]!(Array(buffer: body)))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await context.store.pool.read { db in
                var out: [String: Int] = [
                    "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0,
                    "assignments": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assignments") ?? 0,
                    "incidentsAssigned": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM assignments") ?? 0,
                ]
                for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM incidents GROUP BY status") {
                    out["incidents_\(row["status"] as String)"] = row["n"]
                }
                return out
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
        router.get("/v1/units") { _, _ in
            struct Entry: Codable { var id: String; var state: String; var incidentId: String?; var lat: Double; var lon: Double }
            let rows = try await context.store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT id, state, incident_id, lat, lon FROM units ORDER BY id").map {
                    Entry(id: $0["id"], state: $0["state"], incidentId: $0["incident_id"], lat: $0["lat"], lon: $0["lon"])
                }
            }
            return HTTPJSON.response(APIResponse(json: rows))
        }
        router.get("/v1/incidents/:id") { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            struct Entry: Codable { var id: String; var status: String; var unitId: String?; var rule: String?; var outcome: String? }
            let entry = try await context.store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT id, status, unit_id, rule, outcome FROM incidents WHERE id = ?", arguments: [id]).map {
                    Entry(id: $0["id"], status: $0["status"], unitId: $0["unit_id"], rule: $0["rule"], outcome: $0["outcome"])
                }
            }
            guard let entry else { return HTTPJSON.response(.error(404, code: "not-found", message: "no incident '\(id)'", field: "id")) }
            return HTTPJSON.response(APIResponse(json: entry))
        }
    }
}
