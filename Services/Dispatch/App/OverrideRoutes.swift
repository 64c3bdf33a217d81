import DispatchCore
import EventStore
import Model
import ServiceKit
import Wire

// Dispatcher overrides (docs/dispatch.md, "Dispatcher overrides") onto the typed operations.
extension DispatchService {
    /// Who overrides: the request's `dispatcher`, which for a person is the bearer token's (or
    /// CURVE key's) subject: ``ServiceAPI/actor(_:field:)`` fills it in and refuses a body naming
    /// someone else (403). Only a peer service relays another name.
    static func dispatcher(of request: some OverrideRequest) -> String { request.dispatcher }

    static func overrides(_ api: inout ServiceAPI, engine: Engine<DispatchCore>, queries: DispatchQueries) {
        // Overrides, escalations and holds are the dispatcher's desk; supervisors stand in for it.
        let overriders: Set<Role> = [.dispatcher, .supervisor]
        /// Runs an override in the engine; a refusal becomes the one error shape.
        @Sendable func run(_ command: OverrideCommand) async throws -> OverrideReply {
            do {
                guard case .override(let reply) = try await engine.submit(.override(command)) else {
                    throw APIError(status: 500, code: "internal", message: "dispatch answered an override with another reply")
                }
                return reply
            } catch let refusal as OverrideRefusal {
                switch refusal.kind {
                case .invalid: throw APIError.invalid(refusal.message, field: refusal.field)
                case .notFound: throw APIError.notFound(refusal.message, field: refusal.field)
                case .conflict: throw APIError.conflict(refusal.message, field: refusal.field)
                }
            }
        }
        /// An accepted override on an incident answers with the incident as it now is.
        @Sendable func incident(_ request: some OverrideRequest) async throws -> IncidentView {
            guard case .incident(let id) = try await run(request.command(by: dispatcher(of: request))),
                let view = try await queries.incident(id: id)
            else { throw APIError.notFound("no incident '\(request.id)'", field: "id") }
            return view
        }

        api.on(DispatchAPI.recommendations, allow: overriders) { query in
            guard case .recommendations(let id, let units) = try await run(query.command) else {
                throw APIError.notFound("no incident '\(query.id)'", field: "id")
            }
            return Recommendations(incidentId: id, units: units)
        }
        api.on(DispatchAPI.assign, allow: overriders) { try await incident($0) }
        api.on(DispatchAPI.reassign, allow: overriders) { try await incident($0) }
        api.on(DispatchAPI.cancelAssignment, allow: overriders) { try await incident($0) }
        api.on(DispatchAPI.reclassify, allow: overriders) { try await incident($0) }
        api.on(DispatchAPI.major, allow: overriders) { try await incident($0) }
        api.on(DispatchAPI.acknowledgeEscalation, allow: overriders) { request in
            guard case .escalation(let id) = try await run(request.command(by: dispatcher(of: request))),
                let view = try await queries.escalation(id: id)
            else { throw APIError.notFound("no escalation '\(request.id)'", field: "id") }
            return view
        }
        api.on(DispatchAPI.escalation, allow: overriders) { query in
            guard let view = try await queries.escalation(id: query.id) else { throw APIError.notFound("no escalation '\(query.id)'", field: "id") }
            return view
        }
        api.on(DispatchAPI.escalations, allow: overriders) { query in try await queries.escalations(query) }
        api.on(DispatchAPI.holds, allow: overriders) { query in try await queries.holds(query) }

        api.actor(DispatchAPI.assign, field: "dispatcher")
        api.actor(DispatchAPI.reassign, field: "dispatcher")
        api.actor(DispatchAPI.cancelAssignment, field: "dispatcher")
        api.actor(DispatchAPI.reclassify, field: "dispatcher")
        api.actor(DispatchAPI.major, field: "dispatcher")
        api.actor(DispatchAPI.acknowledgeEscalation, field: "dispatcher")

        api.get("/v1/incidents/:id/recommendations", DispatchAPI.recommendations)
        api.post("/v1/incidents/:id/assign", DispatchAPI.assign)
        api.post("/v1/incidents/:id/reassign", DispatchAPI.reassign)
        api.post("/v1/incidents/:id/cancel-assignment", DispatchAPI.cancelAssignment)
        api.post("/v1/incidents/:id/reclassify", DispatchAPI.reclassify)
        api.post("/v1/incidents/:id/major", DispatchAPI.major)
        api.get("/v1/escalations", DispatchAPI.escalations)
        api.get("/v1/escalations/:id", DispatchAPI.escalation)
        api.post("/v1/escalations/:id/acknowledge", DispatchAPI.acknowledgeEscalation)
        api.get("/v1/holds", DispatchAPI.holds)
    }
}
