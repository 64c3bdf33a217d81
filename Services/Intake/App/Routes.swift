import EventStore
import Foundation
import Hummingbird
import IntakeCore
import Model
import NIOCore
import ServiceKit
import Wire

/// intake as the host runs it: its core, the source it follows, and its HTTP routes onto the
/// operations of ``IntakeAPI`` (docs/intake.md).
enum IntakeService {
    static func definition(
        jurisdiction: Jurisdiction, addresses: [String: Coordinate], rules: IntakeRules, callerKey: CallerKey = .ephemeral(),
        personalData: PersonalDataRetention = PersonalDataRetention()
    ) -> ServiceDefinition<IntakeCore> {
        var definition = ServiceDefinition(
            name: .intake, follows: [.dispatch],
            makeCore: { IntakeCore(jurisdiction: jurisdiction, addresses: addresses, rules: rules, callerKey: callerKey, personalData: personalData) },
            api: { api($0, jurisdiction: jurisdiction, callerKey: callerKey) })
        // A diverted call's life at the 12345 platform (issue 19); calls are taken without liaison.
        definition.optionalFollows = [.liaison]
        return definition
    }

    static func api(_ context: ServiceContext<IntakeCore>, jurisdiction: Jurisdiction, callerKey: CallerKey) -> ServiceAPI {
        let desk = CallDesk(engine: context.engine)
        let queries = IntakeQueries(reader: context.reader, jurisdiction: jurisdiction, callerKey: callerKey)
        var api = ServiceAPI()
        api.on(IntakeAPI.call, allow: [.callTaker]) { raw in try await desk.take(raw.bytes) }
        api.on(IntakeAPI.classify, allow: [.callTaker]) { input in try await desk.classify(input) }
        api.on(IntakeAPI.incident, allow: [.callTaker, .dispatcher, .supervisor]) { input in
            guard let view = try await queries.incident(id: input.id) else { throw APIError.notFound("no incident \(input.id)", field: "id") }
            return view
        }
        api.on(IntakeAPI.getCall, allow: [.callTaker, .dispatcher, .supervisor]) { input in
            guard let record = try await queries.call(id: input.id) else { throw APIError.notFound("no call \(input.id)", field: "id") }
            return record
        }
        api.on(IntakeAPI.calls, allow: [.callTaker, .dispatcher, .supervisor]) { query in
            if let problem = query.validate() { throw APIError(problem, status: 400) }
            return try await queries.calls(query)
        }
        api.on(IntakeAPI.callCount, allow: [.callTaker, .supervisor, .analyst, .operator]) { input in
            let prefix = input.clientRefPrefix ?? ""
            return CallCount(clientRefPrefix: prefix, count: try await queries.count(clientRefPrefix: prefix))
        }
        api.on(IntakeAPI.caller, allow: [.callTaker, .supervisor]) { input in
            guard let view = try await queries.caller(phone: input.phone) else {
                throw APIError.notFound("no call from \(input.phone)", field: "phone")
            }
            return view
        }
        api.on(IntakeAPI.callers, allow: [.callTaker, .supervisor]) { input in
            let flag = try input.flag.map { flag in
                guard let known = CallerFlag(rawValue: flag) else {
                    throw APIError.invalid("must be repeat or malicious (got '\(flag)')", field: "flag")
                }
                return known
            }
            return CallerList(callers: try await queries.callers(flag: flag, limit: min(max(input.limit ?? 100, 1), 1000)))
        }
        api.on(IntakeAPI.stats, allow: [.callTaker, .dispatcher, .supervisor, .analyst, .operator]) { _ in try await queries.stats() }

        api.get("/v1/stats", IntakeAPI.stats)
        api.get("/v1/calls", IntakeAPI.calls)
        api.get("/v1/calls/count", IntakeAPI.callCount)
        api.get("/v1/calls/:id", IntakeAPI.getCall)
        api.post("/v1/calls/:id/classify", IntakeAPI.classify, maxBytes: 16 * 1024)
        api.get("/v1/incidents/:id", IntakeAPI.incident)
        api.get("/v1/callers", IntakeAPI.callers)
        api.get("/v1/callers/:phone", IntakeAPI.caller)
        // The one transport case: a body over the limit is cut off unread, yet the call must be
        // recorded (as rejected, 413), so this route reads the body itself. Within the limit it
        // is the `call` operation, exactly as the ROUTER answers it.
        let operations = api
        api.raw(.post, "/v1/calls", allow: api.roles(of: IntakeAPI.call.name) ?? []) { request, _ in
            guard let body = try? await request.body.collect(upTo: CallParser.maxCallBytes) else {
                return await response { try await desk.recordTooLarge() }
            }
            guard let reply = await operations.call(IntakeAPI.call.name, json: Array(buffer: body)) else {
                preconditionFailure("the call operation is registered above")
            }
            return response(reply)
        }
        let document = OpenAPIGenerator.secured(OpenAPIDocument.json, routes: api.routeTable)
        api.raw(.get, "/openapi.json", allow: Set(Role.people)) { _, _ in response(EncodedReply(status: 200, body: document)) }
        return api
    }

    static func response(_ answer: () async throws -> Reply<CallReceipt>) async -> Response {
        do {
            let reply = try await answer()
            return response(EncodedReply(status: reply.status, body: Array((try? APIEncoding.encoder.encode(reply.body)) ?? Data())))
        } catch {
            let error = APIError.from(error)
            return response(EncodedReply(status: error.status, body: error.body))
        }
    }

    static func response(_ reply: EncodedReply) -> Response {
        Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// Takes calls for both interfaces: parses each once, submits it, counts it, and turns the
/// core's reply into the receipt or the one API error.
struct CallDesk: Sendable {
    let engine: Engine<IntakeCore>
    let parser = CallParser()
    let metrics = CallMetrics()

    func take(_ body: [UInt8]) async throws -> Reply<CallReceipt> {
        switch parser.parse(body) {
        case .call(let request):
            return try answer(try await engine.submit(.call(request, raw: body)), channel: request.channel.rawValue)
        case .unreadable(let problem, let status, let hints):
            let reply = try await engine.submit(.unreadable(problem, status: status, hints: hints, raw: body))
            return try answer(reply, channel: hints.channel.flatMap { Channel(rawValue: $0) != nil ? $0 : nil })
        }
    }

    /// A body cut off at the size limit: no bytes to parse, still a record.
    func recordTooLarge() async throws -> Reply<CallReceipt> {
        try answer(try await engine.submit(.unreadable(CallParser.tooLarge(nil), status: 413, hints: .init(), raw: nil)), channel: nil)
    }

    func classify(_ input: ClassifyInput) async throws -> Reply<CallReceipt> {
        try answer(try await engine.submit(.classify(callId: input.callId, category: input.category, callTaker: input.callTaker)), channel: nil)
    }

    private func answer(_ reply: IntakeCore.Reply, channel: String?) throws -> Reply<CallReceipt> {
        switch reply {
        case .accepted(let receipt):
            metrics.count(channel: channel, outcome: receipt.outcome.rawValue, reason: Self.reason(receipt))
            return Reply(receipt, status: receipt.outcome == .review ? 202 : 201)
        case .duplicate(let receipt):
            return Reply(receipt, status: 200)
        case .rejected(let callId, let problem, let status):
            metrics.count(channel: channel, outcome: CallReceipt.Outcome.rejected.rawValue, reason: problem.code ?? "invalid-value")
            throw APIError(problem, status: status, callId: callId)
        case .refused(let status, let problem):
            throw APIError(problem, status: status)
        case .swept:
            throw APIError(status: 500, code: "internal", message: "intake answered a call with a sweep")
        }
    }

    /// The `reason` label of an accepted call.
    static func reason(_ receipt: CallReceipt) -> String {
        switch receipt.outcome {
        case .opened: "new"
        case .merged: receipt.mergeReason ?? "unknown"
        case .diverted: receipt.diversion?.ruleId ?? "unknown"
        case .review: "unclassified"
        case .rejected: "unknown"
        }
    }
}

extension APIError {
    /// A refusal naming the field; a rejected call also names the record it was kept under.
    init(_ problem: FieldError, status: Int, callId: String? = nil) {
        let what = problem.field.isEmpty ? problem.reason : "\(problem.field) \(problem.reason)"
        self.init(
            status: status, code: problem.code ?? "invalid-value", message: callId.map { "call \($0) recorded and rejected: \(what)" } ?? what,
            field: problem.field.isEmpty ? nil : problem.field, callId: callId)
    }
}
