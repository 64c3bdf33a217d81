import DispatchCore
import EventStore
import Model
import ServiceKit
import Wire

/// dispatch as a service: its core, what it follows, and its HTTP routes onto the typed
/// operations of `DispatchAPI` (docs/dispatch.md).
enum DispatchService {
    static func definition(jurisdiction: Jurisdiction, rules: DispatchRules, scope: RegionScope) -> ServiceDefinition<DispatchCore> {
        ServiceDefinition(
            name: .dispatch, follows: [.intake],
            // The metrics are made with the core, after the host has bootstrapped the metrics
            // system: a handle made before the bootstrap would record nothing.
            makeCore: { DispatchCore(jurisdiction: jurisdiction, rules: rules, scope: scope, observer: DispatchMetrics().observer) },
            api: { api($0, jurisdiction: jurisdiction) },
            // liaison only brings zero-disturbance sites and acknowledgements; a hold times out without it.
            optionalFollows: [.liaison])
    }

    static func api(_ context: ServiceContext<DispatchCore>, jurisdiction: Jurisdiction) -> ServiceAPI {
        let engine = context.engine
        let queries = DispatchQueries(reader: context.reader, jurisdiction: jurisdiction)
        var api = ServiceAPI()

        // A batch answers 200, 207 or 409 with {accepted, refused}: refusals are answers, not errors.
        api.on(DispatchAPI.field, allow: [.dispatcher, .fieldUnit]) { batch -> Reply<FieldResult> in
            // A field unit reports for its own unit only.
            for (index, command) in batch.commands.enumerated() where !Principal.current.mayActFor(unit: command.unitId) {
                throw APIError.forbidden(
                    "a field unit reports for its own unit (\(Principal.current.unit ?? "none")) only, not \(command.unitId)",
                    field: "commands[\(index)].unitId")
            }
            let result = FieldResult(try await engine.submit(.field(batch.commands)))
            return Reply(result, status: result.status)
        }
        api.on(DispatchAPI.units, allow: [.dispatcher, .supervisor]) { batch in
            let result = FieldResult(try await engine.submit(.units(batch.units)))
            return Reply(result, status: result.status)
        }
        api.on(DispatchAPI.incident, allow: [.dispatcher, .supervisor, .fieldUnit]) { query in
            guard let view = try await queries.incident(id: query.id) else { throw APIError.notFound("no incident '\(query.id)'", field: "id") }
            return view
        }
        api.on(DispatchAPI.timeline, allow: [.dispatcher, .supervisor, .fieldUnit]) { query in
            guard let timeline = try await queries.timeline(id: query.id) else {
                throw APIError.notFound("no incident '\(query.id)'", field: "id")
            }
            return timeline
        }
        api.on(DispatchAPI.incidents, allow: [.dispatcher, .supervisor]) { query in try await queries.incidents(query) }
        api.on(DispatchAPI.unitBoard, allow: [.dispatcher, .supervisor]) { query in try await queries.unitBoard(query) }
        api.on(DispatchAPI.queue, allow: [.dispatcher, .supervisor]) { _ in try await queries.queue() }
        api.on(DispatchAPI.stats, allow: [.dispatcher, .supervisor, .analyst, .operator]) { _ in try await queries.stats() }

        api.post("/v1/field", DispatchAPI.field)
        api.post("/v1/units", DispatchAPI.units)
        api.get("/v1/incidents", DispatchAPI.incidents)
        api.get("/v1/incidents/:id", DispatchAPI.incident)
        api.get("/v1/incidents/:id/timeline", DispatchAPI.timeline)
        api.get("/v1/units", DispatchAPI.unitBoard)
        api.get("/v1/queue", DispatchAPI.queue)
        api.get("/v1/stats", DispatchAPI.stats)
        overrides(&api, engine: engine, queries: queries)
        return api
    }
}
