import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Model
import NIOCore
import ScoringCore
import ServiceKit
import Synchronization
import Wire

/// scoring as the host runs it: its core, the sources it follows, and its API.
enum ScoringService {
    static func definition(rules: ScoringRules, jurisdiction: Jurisdiction) -> ServiceDefinition<ScoringCore> {
        let inForce = RulesInForce(rules)
        var definition = ServiceDefinition(
            name: .scoring, follows: [.intake, .dispatch],
            makeCore: { ScoringCore(rules: rules, jurisdiction: jurisdiction) },
            api: { api($0, jurisdiction: jurisdiction, rules: inForce) })
        // Hand-off KPIs (issue 19); the points ledger does not wait for liaison.
        definition.optionalFollows = [.liaison]
        // The tick derives the incidents whose facts changed. Once a second rather than four
        // times: an incident's events then fall into fewer derivations (scoring's CPU per call
        // −5 to −11 % at full load), and points reach the bus at most a second later. A read that
        // must see every fact derives first (`flush`), so no answer is ever stale.
        definition.tickInterval = .seconds(1)
        return definition
    }

    /// The operations of ``ScoringAPI`` and the HTTP routes onto them (docs/scoring.md).
    static func api(_ context: ServiceContext<ScoringCore>, jurisdiction: Jurisdiction, rules: RulesInForce) -> ServiceAPI {
        let engine = context.engine
        let queries = ScoringQueries(reader: context.reader, jurisdiction: jurisdiction)
        /// Runs a command, with a refusal as the API error it stands for.
        @Sendable func submit(_ command: ScoringCore.Command) async throws -> ScoringCore.Reply {
            try await refusals { try await engine.submit(command) }
        }
        /// Reads see every event applied so far: the dirty incidents are derived first.
        @Sendable func read<T>(_ body: @Sendable (ScoringRules) async throws -> T) async throws -> T {
            _ = try? await engine.submit(.flush)
            return try await refusals { try await body(rules.current) }
        }

        var api = ServiceAPI()
        api.on(ScoringAPI.complaint, allow: [.supervisor]) { input in
            guard case .complaint(let complaint) = try await submit(.complaint(input)) else { throw unexpectedReply }
            return Reply(complaint, status: 201)
        }
        api.on(ScoringAPI.callback, allow: [.supervisor]) { input in
            guard case .callback(let callback) = try await submit(.callback(input)) else { throw unexpectedReply }
            return Reply(callback, status: 201)
        }
        api.on(ScoringAPI.recompute, allow: [.supervisor]) { body in
            // The table is parsed over the defaults, as the rules file is (missing fields keep theirs).
            var table: ScoringRules?
            if !body.bytes.isEmpty {
                do { table = try ScoringRules.decode(Data(body.bytes), file: "request body") } catch {
                    throw APIError.invalid("\(error)", field: (error as? ConfigurationError)?.record, code: "invalid")
                }
            }
            guard case .recomputed(let summary) = try await submit(.recompute(table)) else { throw unexpectedReply }
            if let table { rules.set(table) }
            return summary
        }
        api.on(ScoringAPI.stats, allow: [.supervisor, .analyst, .operator]) { _ in try await read { _ in try await queries.stats() } }
        api.on(ScoringAPI.rules, allow: [.supervisor, .analyst]) { _ in rules.current }
        api.on(ScoringAPI.complaints, allow: [.supervisor]) { q in try await queries.complaints(q) }
        api.on(ScoringAPI.rankings, allow: [.supervisor, .analyst]) { q in try await read { try await queries.rankings(q, rules: $0) } }
        api.on(ScoringAPI.officerPoints, allow: [.supervisor, .analyst]) { q in try await read { try await queries.officerPoints(q, rules: $0) } }
        api.on(ScoringAPI.kpis, allow: [.supervisor, .analyst]) { q in try await read { try await queries.kpis(q, rules: $0) } }
        api.on(ScoringAPI.intervals, allow: [.supervisor, .analyst]) { q in try await read { try await queries.intervals(q, rules: $0) } }
        api.on(ScoringAPI.awards, allow: [.supervisor, .analyst]) { q in try await read { try await queries.awards(q, rules: $0) } }
        api.on(ScoringAPI.hotspots, allow: [.supervisor, .analyst]) { q in try await read { try await queries.hotspots(q, rules: $0) } }

        api.post("/v1/complaints", ScoringAPI.complaint, maxBytes: maxBodyBytes)
        api.post("/v1/callbacks", ScoringAPI.callback, maxBytes: maxBodyBytes)
        api.post("/admin/recompute", ScoringAPI.recompute, maxBytes: maxBodyBytes, requiresReason: true)
        api.get("/v1/complaints", ScoringAPI.complaints)
        api.get("/v1/stats", ScoringAPI.stats)
        api.get("/v1/rules", ScoringAPI.rules)
        api.get("/v1/rankings", ScoringAPI.rankings)
        api.get("/v1/officers/:id/points", ScoringAPI.officerPoints)
        api.get("/v1/kpis", ScoringAPI.kpis)
        let handoffKPIs = HandoffKPIQueries(reader: context.reader)
        api.on(ScoringAPI.handoffKPIs, allow: [.supervisor, .analyst]) { q in try await handoffKPIs.kpis(q) }
        api.get("/v1/kpis/handoffs", ScoringAPI.handoffKPIs)
        api.get("/v1/intervals", ScoringAPI.intervals)
        api.get("/v1/awards", ScoringAPI.awards)
        // Not an operation route: the report is also served as CSV (`format=csv`), which is not JSON.
        api.raw(.get, "/v1/reports/hotspots", allow: api.roles(of: ScoringAPI.hotspots.name) ?? []) { request, _ in
            do {
                let query = try decodeQuery(ScoringAPI.HotspotsQuery.self, request)
                let report = try await read { try await queries.hotspots(query, rules: $0) }
                if query.format == .csv {
                    return Response(
                        status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: report.csv)))
                }
                return response(status: 200, body: try APIEncoding.encoder.encode(report))
            } catch {
                let failure = APIError.from(error)
                return response(status: failure.status, body: Data(failure.body))
            }
        }
        return api
    }

    static let maxBodyBytes = 1 << 20

    /// A command answered with another reply than its own: a bug, reported as such.
    static let unexpectedReply = APIError(status: 500, code: "internal", message: "the core answered with an unexpected reply")

    /// Runs `body`, turning the core's refusals into the API's error (same status and code).
    static func refusals<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as ScoringRefusal {
            throw APIError(status: refusal.status, code: refusal.code, message: refusal.message, field: refusal.field)
        }
    }

    static let queryDecoder = URLEncodedFormDecoder(dateDecodingStrategy: .iso8601)

    /// The query string as an operation's input, as the operation routes decode it.
    static func decodeQuery<T: Decodable>(_ type: T.Type, _ request: Request) throws -> T {
        do { return try queryDecoder.decode(T.self, from: request.uri.query ?? "") } catch { throw APIError.undecodable(error) }
    }

    static func response(status: Int, body: Data) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// The rule table in force: the one loaded at start, replaced by a recompute with a new table
/// (until the next restart reads the file again).
final class RulesInForce: Sendable {
    private let value: Mutex<ScoringRules>
    init(_ rules: ScoringRules) { value = Mutex(rules) }
    var current: ScoringRules { value.withLock { $0 } }
    func set(_ rules: ScoringRules) { value.withLock { $0 = rules } }
}
