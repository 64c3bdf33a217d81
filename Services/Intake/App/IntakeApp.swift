import ArgumentParser
import EventStore
import Foundation
import GRDB
import Hummingbird
import IntakeCore
import Metrics
import Model
import NIOFoundationEssentialsCompat
import ServiceKit

@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-intake",
        abstract: "Takes 110 / 122 / 12345 / enterprise-hotline calls, records and locates them, and opens incidents.")

    @OptionGroup var options: ServiceOptions
    @Option(help: "Repeat-call window in minutes (env PRECINCT_MERGE_WINDOW_MINUTES).") var mergeWindowMinutes: Double?
    @Option(help: "Same-place merge radius in metres (env PRECINCT_MERGE_RADIUS_METERS).") var mergeRadiusMeters: Double?
    @Option(help: "Same-caller merge radius in metres (env PRECINCT_CALLER_RADIUS_METERS).") var callerRadiusMeters: Double?

    func run() async throws {
        let config = try options.resolve(.intake)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let addresses = try AddressBook.load(from: config.cityDirectory)
        var rules = try IntakeRules.load(from: config.cityDirectory)
        let env = ProcessInfo.processInfo.environment
        if let m = mergeWindowMinutes ?? env["PRECINCT_MERGE_WINDOW_MINUTES"].flatMap(Double.init) { rules.merge.window = m * 60 }
        if let r = mergeRadiusMeters ?? env["PRECINCT_MERGE_RADIUS_METERS"].flatMap(Double.init) { rules.merge.placeRadiusMeters = r }
        if let r = callerRadiusMeters ?? env["PRECINCT_CALLER_RADIUS_METERS"].flatMap(Double.init) { rules.merge.callerRadiusMeters = r }
        let finalRules = rules
        let definition = ServiceDefinition<IntakeCore>(
            name: .intake, follows: [.dispatch],
            makeCore: { IntakeCore(jurisdiction: jurisdiction, addresses: addresses, rules: finalRules) },
            operations: { IntakeAPI.operations($0, jurisdiction: jurisdiction) }, routes: IntakeAPI.routes)
        try await ServiceHost.run(definition, config: config)
    }
}

/// The error body of every refusal: `{"error": {"code", "message", "field", "reason", "callId"?}}`.
/// `code` is the reason code (`outside-jurisdiction`, `invalid-json`, …); a rejected call's
/// `callId` is the record it was stored under.
struct ErrorBody: Codable, Sendable {
    struct Detail: Codable, Sendable {
        var code: String
        var message: String
        var field: String
        var reason: String
        var callId: String?
    }
    var error: Detail

    static func response(_ status: Int, _ problem: FieldError, callId: String? = nil) -> APIResponse {
        let what = problem.field.isEmpty ? problem.reason : "\(problem.field) \(problem.reason)"
        let message = callId.map { "call \($0) recorded and rejected: \(what)" } ?? what
        return APIResponse(status: status, json: ErrorBody(error: Detail(code: problem.code ?? "invalid-value", message: message, field: problem.field,
                                                                          reason: problem.reason, callId: callId)))
    }
}

enum IntakeAPI {
    static let maxCallBytes = CallParser.maxCallBytes

    /// Calls by channel, outcome and reason (`precinct_intake_calls_total`).
    static func count(channel: String?, outcome: String, reason: String) {
        Counter(label: "precinct_intake_calls_total", dimensions: [("channel", channel ?? "unknown"), ("outcome", outcome), ("reason", reason)]).increment()
    }

    static func answer(_ reply: IntakeCore.Reply, channel: String?) -> APIResponse {
        switch reply {
        case .accepted(let receipt):
            let reason = switch receipt.outcome {
            case .opened: "new"
            case .merged: receipt.mergeReason ?? "unknown"
            case .diverted: receipt.diversion?.ruleId ?? "unknown"
            case .review: "unclassified"
            case .rejected: "unknown"
            }
            count(channel: channel, outcome: receipt.outcome.rawValue, reason: reason)
            return APIResponse(status: receipt.outcome == .review ? 202 : 201, json: receipt)
        case .duplicate(let receipt):
            return APIResponse(status: 200, json: receipt)
        case .rejected(let callId, let problem, let status):
            count(channel: channel, outcome: "rejected", reason: problem.code ?? "invalid-value")
            return ErrorBody.response(status, problem, callId: callId)
        case .refused(let status, let problem):
            return ErrorBody.response(status, problem)
        }
    }

    enum Decoded<T> { case success(T), failure(APIResponse) }

    static func unavailable(_ error: any Error) -> APIResponse {
        .error(503, code: "unavailable", message: "not done: \(error)")
    }

    static func decodeBody<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> Decoded<T> {
        do { return .success(try JSONCodec.decoder().decode(T.self, from: Data(body.isEmpty ? Array("{}".utf8) : body))) } catch {
            let (field, reason) = describe(error)
            return .failure(ErrorBody.response(400, FieldError(field: field, reason: reason, code: "invalid-request")))
        }
    }

    struct IdBody: Decodable { var id: String }
    struct PhoneBody: Decodable { var phone: String }
    struct CallersBody: Decodable { var flag: String?; var limit: Int? }
    struct ClassifyBody: Decodable { var callId: String; var category: Category; var callTaker: String? }

    static func operations(_ context: ServiceContext<IntakeCore>, jurisdiction: Jurisdiction) -> Operations {
        var ops = Operations()
        let parser = CallParser()
        let engine = context.engine
        let pool = context.store.pool
        ops["call"] = { body in
            do {
                switch parser.parse(body) {
                case .call(let request):
                    return answer(try await engine.submit(.call(request, raw: body)), channel: request.channel.rawValue)
                case .unreadable(let problem, let status, let hints):
                    let reply = try await engine.submit(.unreadable(problem, status: status, hints: hints, raw: body))
                    return answer(reply, channel: hints.channel.flatMap { Channel(rawValue: $0) != nil ? $0 : nil })
                }
            } catch {
                return unavailable(error)
            }
        }
        // Recorded from HTTP when the body was cut off at the size limit (so no bytes to parse).
        ops["call-too-large"] = { _ in
            do {
                let reply = try await engine.submit(.unreadable(CallParser.tooLarge(nil), status: 413, hints: .init(), raw: nil))
                return answer(reply, channel: nil)
            } catch {
                return unavailable(error)
            }
        }
        ops["classify"] = { body in
            switch decodeBody(ClassifyBody.self, body) {
            case .failure(let response): return response
            case .success(let c):
                do {
                    let reply = try await engine.submit(.classify(callId: c.callId, category: c.category, callTaker: c.callTaker))
                    return answer(reply, channel: nil)
                } catch {
                    return unavailable(error)
                }
            }
        }
        ops["incident"] = { body in
            switch decodeBody(IdBody.self, body) {
            case .failure(let response): return response
            case .success(let q):
                do {
                    guard let view = try await pool.read({ try IntakeQueries.incident(q.id, jurisdiction: jurisdiction, $0) }) else {
                        return ErrorBody.response(404, FieldError(field: "id", reason: "no incident \(q.id)", code: "not-found"))
                    }
                    return APIResponse(json: view)
                } catch { return unavailable(error) }
            }
        }
        ops["get-call"] = { body in
            switch decodeBody(IdBody.self, body) {
            case .failure(let response): return response
            case .success(let q):
                do {
                    guard let record = try await pool.read({ try IntakeQueries.call(q.id, jurisdiction: jurisdiction, $0) }) else {
                        return ErrorBody.response(404, FieldError(field: "id", reason: "no call \(q.id)", code: "not-found"))
                    }
                    return APIResponse(json: record)
                } catch { return unavailable(error) }
            }
        }
        ops["calls"] = { body in
            switch decodeBody(CallQuery.self, body) {
            case .failure(let response): return response
            case .success(let q):
                if let problem = q.validate() { return ErrorBody.response(400, problem) }
                do { return APIResponse(json: try await pool.read { try IntakeQueries.calls(q, jurisdiction: jurisdiction, $0) }) } catch { return unavailable(error) }
            }
        }
        ops["caller"] = { body in
            switch decodeBody(PhoneBody.self, body) {
            case .failure(let response): return response
            case .success(let q):
                do {
                    guard let view = try await pool.read({ try IntakeQueries.caller(q.phone, jurisdiction: jurisdiction, $0) }) else {
                        return ErrorBody.response(404, FieldError(field: "phone", reason: "no call from \(q.phone)", code: "not-found"))
                    }
                    return APIResponse(json: view)
                } catch { return unavailable(error) }
            }
        }
        ops["callers"] = { body in
            switch decodeBody(CallersBody.self, body) {
            case .failure(let response): return response
            case .success(let q):
                if let flag = q.flag, flag != "repeat", flag != "malicious" {
                    return ErrorBody.response(400, FieldError(field: "flag", reason: "must be repeat or malicious (got '\(flag)')", code: "invalid-value"))
                }
                let limit = min(max(q.limit ?? 100, 1), 1000)
                do {
                    let list = try await pool.read { try IntakeQueries.callers(flag: q.flag, limit: limit, $0) }
                    return APIResponse(json: ["callers": list])
                } catch { return unavailable(error) }
            }
        }
        ops["stats"] = { _ in
            do { return APIResponse(json: try await pool.read { try IntakeQueries.stats($0) }) } catch { return unavailable(error) }
        }
        return ops
    }

    /// A JSON object of the given fields, as an operation body.
    static func body(_ fields: [String: String]) -> [UInt8] {
        (try? Array(JSONSerialization.data(withJSONObject: fields))) ?? Array("{}".utf8)
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<IntakeCore>, _ ops: Operations) {
        router.post("/v1/calls") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxCallBytes) } catch {
                return HTTPJSON.response(await ops["call-too-large"]!([]))
            }
            return HTTPJSON.response(await ops["call"]!(Array(buffer: body)))
        }
        router.post("/v1/calls/:id/classify") { request, ctx in
            let id = ctx.parameters.get("id") ?? ""
            let raw = try await request.body.collect(upTo: 16 * 1024)
            var fields = ((try? JSONSerialization.jsonObject(with: Data(buffer: raw))) as? [String: Any]) ?? [:]
            fields["callId"] = id
            let body = (try? Array(JSONSerialization.data(withJSONObject: fields))) ?? []
            return HTTPJSON.response(await ops["classify"]!(body))
        }
        router.get("/v1/stats") { _, _ in HTTPJSON.response(await ops["stats"]!([])) }
        router.get("/v1/calls/count") { request, _ in
            let prefix = request.uri.queryParameters.get("clientRefPrefix") ?? ""
            let count = try await context.store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls WHERE client_ref >= ? AND client_ref < ?", arguments: [prefix, prefix + "\u{10FFFF}"]) ?? 0
            }
            return HTTPJSON.response(APIResponse(json: ["clientRefPrefix": prefix, "count": "\(count)"]))
        }
        router.get("/v1/calls") { request, _ in
            var fields: [String: Any] = [:]
            for (key, value) in request.uri.queryParameters {
                let k = String(key), v = String(value)
                if k == "limit" {
                    guard let n = Int(v) else {
                        return HTTPJSON.response(ErrorBody.response(400, FieldError(field: "limit", reason: "'\(v)' is not a number", code: "invalid-value")))
                    }
                    fields[k] = n
                } else {
                    fields[k] = v
                }
            }
            let body = (try? Array(JSONSerialization.data(withJSONObject: fields))) ?? []
            return HTTPJSON.response(await ops["calls"]!(body))
        }
        router.get("/v1/calls/:id") { _, ctx in
            HTTPJSON.response(await ops["get-call"]!(body(["id": ctx.parameters.get("id") ?? ""])))
        }
        router.get("/v1/incidents/:id") { _, ctx in
            HTTPJSON.response(await ops["incident"]!(body(["id": ctx.parameters.get("id") ?? ""])))
        }
        router.get("/v1/callers") { request, _ in
            var fields: [String: Any] = [:]
            if let flag = request.uri.queryParameters.get("flag") { fields["flag"] = flag }
            if let limit = request.uri.queryParameters.get("limit", as: Int.self) { fields["limit"] = limit }
            let body = (try? Array(JSONSerialization.data(withJSONObject: fields))) ?? []
            return HTTPJSON.response(await ops["callers"]!(body))
        }
        router.get("/v1/callers/:phone") { _, ctx in
            HTTPJSON.response(await ops["caller"]!(body(["phone": ctx.parameters.get("phone") ?? ""])))
        }
        router.get("/openapi.json") { _, _ in
            HTTPJSON.response(APIResponse(status: 200, body: Array(OpenAPIDocument.json.utf8)))
        }
    }
}
