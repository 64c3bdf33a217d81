import ArgumentParser
import EventStore
import Foundation
import GRDB
import Hummingbird
import NIOCore
import Model
import ScoringCore
import ServiceKit
import Synchronization
import Wire

@main
struct ScoringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-scoring",
        abstract: "Keeps the 110 points ledger, rankings and KPIs (docs/scoring.md).")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Rule table file (env PRECINCT_SCORING_RULES; default: <city>/scoring-rules.json, else the built-in defaults).")
    var rules: String?

    func run() async throws {
        let config = try options.resolve(.scoring)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let path = rules ?? ProcessInfo.processInfo.environment["PRECINCT_SCORING_RULES"]
        let table = try path.map { try ScoringRules.decode(Data(contentsOf: URL(fileURLWithPath: $0)), file: $0) } ?? ScoringRules.load(from: config.cityDirectory)
        let current = RulesBox(table)
        let definition = ServiceDefinition<ScoringCore>(
            name: .scoring, follows: [.intake, .dispatch],
            makeCore: { ScoringCore(rules: table, jurisdiction: jurisdiction) },
            operations: { ScoringAPI.operations($0, current) },
            routes: { router, context, ops in ScoringAPI.routes(router, context, ops, jurisdiction, current) })
        try await ServiceHost.run(definition, config: config)
    }
}

/// The rule table in force (replaced by a recompute with a new table).
final class RulesBox: Sendable {
    private let value: Mutex<ScoringRules>
    init(_ r: ScoringRules) { value = Mutex(r) }
    var current: ScoringRules { value.withLock { $0 } }
    func set(_ r: ScoringRules) { value.withLock { $0 = r } }
}

/// A refused request: its answer travels as an error.
struct BadRequest: Error { var response: APIResponse }

enum ScoringAPI {
    static let maxBodyBytes = 1 << 20

    /// Runs a handler, turning a ``BadRequest`` into its answer.
    static func answer(_ body: () async throws -> APIResponse) async -> Response {
        do { return HTTPJSON.response(try await body()) } catch let b as BadRequest {
            return HTTPJSON.response(b.response)
        } catch {
            return HTTPJSON.response(.error(503, code: "unavailable", message: "\(error)"))
        }
    }

    static func perform(_ context: ServiceContext<ScoringCore>, _ command: ScoringCore.Command, _ rules: RulesBox, created: Int = 200) async -> APIResponse {
        do {
            switch try await context.engine.submit(command) {
            case .flushed(let n): return APIResponse(json: ["derived": n])
            case .recomputed(let s):
                return APIResponse(json: s)
            case .complaint(let c): return APIResponse(status: created, json: c)
            case .callback(let c): return APIResponse(status: created, json: c)
            case .reports(let r): return APIResponse(json: ["reports": r])
            case .complaints(let cs, let bs):
                struct Body: Codable { var complaints: [Complaint]; var callbacks: [Callback] }
                return APIResponse(json: Body(complaints: cs, callbacks: bs))
            }
        } catch let r as ScoringCore.Refusal {
            return .error(r.status, code: r.status == 404 ? "not-found" : r.status == 409 ? "conflict" : "invalid", message: r.message, field: r.field)
        } catch {
            return .error(503, code: "unavailable", message: "not done: \(error)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        do { return try JSONCodec.decoder().decode(T.self, from: Data(body)) } catch {
            let (field, reason) = describe(error)
            throw BadRequest(response: .error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field))
        }
    }

    static func recompute(_ context: ServiceContext<ScoringCore>, _ body: [UInt8], _ rules: RulesBox) async -> APIResponse {
        var table: ScoringRules?
        if !body.isEmpty {
            do { table = try ScoringRules.decode(Data(body), file: "request body") } catch {
                return .error(400, code: "invalid", message: "\(error)")
            }
        }
        let response = await perform(context, .recompute(table), rules)
        if response.status == 200, let table { rules.set(table) }
        return response
    }

    static func operations(_ context: ServiceContext<ScoringCore>, _ rules: RulesBox) -> Operations {
        var ops = Operations()
        ops["complaint"] = { body in
            do { return await perform(context, .complaint(try decode(ScoringCore.ComplaintInput.self, body)), rules, created: 201) } catch let b as BadRequest { return b.response } catch { return .error(400, code: "invalid", message: "\(error)") }
        }
        ops["callback"] = { body in
            do { return await perform(context, .callback(try decode(ScoringCore.CallbackInput.self, body)), rules, created: 201) } catch let b as BadRequest { return b.response } catch { return .error(400, code: "invalid", message: "\(error)") }
        }
        ops["recompute"] = { body in await recompute(context, body, rules) }
        return ops
    }

    /// The period of a request: `period=day|week|month` with `date=YYYY-MM-DD` (default: the day of
    /// the latest event scoring has seen), `from`/`to` (ISO-8601) for a custom range, or `all`.
    static func period(_ q: [String: String], _ db: Database, _ rules: ScoringRules, default kind: Period.Kind) throws -> Period {
        let text = q["period"] ?? (q["from"] != nil ? "range" : kind.rawValue)
        guard let kind = Period.Kind(rawValue: text) else {
            throw BadRequest(response: .error(400, code: "invalid", message: "period: '\(text)' is not one of day, week, month, range, all", field: "period"))
        }
        switch kind {
        case .all: return .everything
        case .range:
            guard let f = q["from"].flatMap(EventTime.date), let t = q["to"].flatMap(EventTime.date), f < t else {
                throw BadRequest(response: .error(400, code: "invalid", message: "a range needs from < to, ISO-8601 (e.g. 2026-11-01T00:00:00Z)", field: "from"))
            }
            return Period(kind: .range, from: f, to: t)
        case .day, .week, .month:
            var anchor = try ScoringQueries.latestEventTime(db) ?? Date(timeIntervalSince1970: 0)
            if let d = q["date"] {
                let f = DateFormatter()
                f.locale = Locale(identifier: "en_US_POSIX")
                f.timeZone = rules.timeZone
                f.dateFormat = "yyyy-MM-dd"
                guard let date = f.date(from: d) else {
                    throw BadRequest(response: .error(400, code: "invalid", message: "date: '\(d)' is not YYYY-MM-DD", field: "date"))
                }
                anchor = date
            }
            return Period.containing(anchor, kind: kind, timeZone: rules.timeZone)
        }
    }

    static func level(_ q: [String: String], _ name: String, _ fallback: Level) throws -> Level {
        let text = q[name] ?? fallback.rawValue
        guard let l = Level(rawValue: text) else {
            throw BadRequest(response: .error(400, code: "invalid", message: "\(name): '\(text)' is not one of \(Level.allCases.map(\.rawValue).joined(separator: ", "))", field: name))
        }
        return l
    }

    static func query(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { out[String(k)] = String(v) }
        return out
    }

    static func body(_ request: Request) async -> [UInt8]? {
        guard let buffer = try? await request.body.collect(upTo: maxBodyBytes) else { return nil }
        return Array(buffer: buffer)
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<ScoringCore>, _ ops: Operations, _ jurisdiction: Jurisdiction, _ rules: RulesBox) {
        /// Reads see every event applied so far.
        @Sendable func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
            _ = try? await context.engine.submit(.flush)
            return try await context.store.pool.read(body)
        }

        router.get("/v1/rankings") { request, _ in
            struct Entry: Codable { var rank: Int; var key: String; var officerId: String?; var name: String?; var stationId: String?; var points: Double; var awards: Int; var incidents: Int }
            struct Body: Codable { var by: Level; var period: Period; var entries: [Entry]; var officers: [Entry]? }
            let q = query(request)
            let table = rules.current
            return await answer {
                let limit = Int(q["limit"] ?? "20") ?? 20
                let by = try level(q, "by", .officer)
                let body = try await read { db -> Body in
                    let p = try period(q, db, table, default: .all)
                    let entries = try ScoringQueries.rankings(db, level: by, period: p, limit: limit).map { e -> Entry in
                        let name: String?
                        switch by {
                        case .officer: name = jurisdiction.officers[e.key]?.name
                        case .station: name = jurisdiction.stations[e.key]?.name
                        case .post: name = jurisdiction.posts[e.key]?.name
                        case .region: name = jurisdiction.regions[e.key]?.name
                        case .unit: name = jurisdiction.units.first { $0.id == e.key }?.callSign
                        case .grid: name = jurisdiction.grid(e.key)?.name
                        case .city: name = jurisdiction.city.name
                        }
                        return Entry(rank: e.rank, key: e.key, officerId: by == .officer ? e.key : nil, name: name,
                                     stationId: by == .officer ? jurisdiction.officers[e.key]?.stationId : nil, points: e.points, awards: e.awards, incidents: e.incidents)
                    }
                    return Body(by: by, period: p, entries: entries, officers: by == .officer ? entries : nil)
                }
                return APIResponse(json: body)
            }
        }
        router.get("/v1/officers/:id/points") { request, ctx in
            struct Body: Codable { var officerId: String; var name: String?; var period: Period; var total: Double; var lines: [ScoringQueries.Line] }
            let id = ctx.parameters.get("id") ?? ""
            let q = query(request)
            let table = rules.current
            return await answer {
                let body = try await read { db -> Body in
                    let p = try period(q, db, table, default: .all)
                    let (total, lines) = try ScoringQueries.officerPoints(db, officerId: id, period: p)
                    return Body(officerId: id, name: jurisdiction.officers[id]?.name, period: p, total: total, lines: lines)
                }
                return APIResponse(json: body)
            }
        }
        router.get("/v1/kpis") { request, _ in
            let q = query(request)
            let table = rules.current
            return await answer {
                let lvl = try level(q, "level", .city)
                let report = try await read { db in
                    try ScoringQueries.kpiReport(db, level: lvl, key: q["key"], period: try period(q, db, table, default: .day), rules: table)
                }
                return APIResponse(json: report)
            }
        }
        router.get("/v1/intervals") { request, _ in
            struct Body: Codable { var period: Period; var by: String; var entries: [ScoringQueries.IntervalEntry] }
            let q = query(request)
            let table = rules.current
            let byUnit = q["by"] == "unit"
            return await answer {
                let body = try await read { db -> Body in
                    let p = try period(q, db, table, default: .day)
                    return Body(period: p, by: byUnit ? "unit" : "category", entries: try ScoringQueries.intervals(db, period: p, byUnit: byUnit))
                }
                return APIResponse(json: body)
            }
        }
        router.get("/v1/awards") { request, _ in
            let q = query(request)
            let table = rules.current
            return await answer {
                APIResponse(json: try await read { db in try ScoringReports.monthlyAwards(db, period: try period(q, db, table, default: .month)) })
            }
        }
        router.get("/v1/reports/hotspots") { request, _ in
            let q = query(request)
            let table = rules.current
            do {
                let report = try await read { db in
                    try ScoringReports.hotspots(db, period: try period(q, db, table, default: .day), timeZone: table.timeZone,
                                                top: Int(q["top"] ?? "10") ?? 10)
                }
                if q["format"] == "csv" {
                    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(string: ScoringReports.csv(report))))
                }
                return HTTPJSON.response(APIResponse(json: report))
            } catch let b as BadRequest {
                return HTTPJSON.response(b.response)
            }
        }
        router.get("/v1/rules") { _, _ in HTTPJSON.response(APIResponse(json: rules.current)) }
        router.post("/v1/complaints") { request, _ in
            guard let b = await body(request) else { return HTTPJSON.response(.error(413, code: "too-large", message: "body too large")) }
            return HTTPJSON.response(await ops["complaint"]!(b))
        }
        router.post("/v1/callbacks") { request, _ in
            guard let b = await body(request) else { return HTTPJSON.response(.error(413, code: "too-large", message: "body too large")) }
            return HTTPJSON.response(await ops["callback"]!(b))
        }
        router.get("/v1/complaints") { request, _ in
            HTTPJSON.response(await perform(context, .complaints(incidentId: request.uri.queryParameters.get("incident")), rules))
        }
        router.post("/admin/recompute") { request, _ in
            guard let b = await body(request) else { return HTTPJSON.response(.error(413, code: "too-large", message: "body too large")) }
            return HTTPJSON.response(await recompute(context, b, rules))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await read { db in
                [
                    "awards": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0,
                    // Distinct incidents with a `dispatched` award.
                    "incidentsCredited": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM ledger WHERE rule = 'dispatched'") ?? 0,
                    // Rows of the assignments table (one per incident and unit).
                    "incidentsAssigned": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assignments") ?? 0,
                    "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0,
                ]
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
    }
}
