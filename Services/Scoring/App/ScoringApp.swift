import ArgumentParser
import EventStore
import Foundation
import GRDB
import Hummingbird
import Model
import ScoringCore
import ServiceKit

@main
struct ScoringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-scoring",
        abstract: "Keeps the 110 points ledger, rankings and KPIs.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let config = try options.resolve(.scoring)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let definition = ServiceDefinition<ScoringCore>(
            name: .scoring, follows: [.dispatch],
            makeCore: { ScoringCore() },
            routes: { router, context, _ in ScoringAPI.routes(router, context, jurisdiction) })
        try await ServiceHost.run(definition, config: config)
    }
}

enum ScoringAPI {
    struct RankingEntry: Codable { var rank: Int; var officerId: String; var name: String?; var stationId: String?; var points: Double; var awards: Int }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<ScoringCore>, _ jurisdiction: Jurisdiction) {
        router.get("/v1/rankings") { request, _ in
            let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 20
            let rows = try await context.store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT officer_id, SUM(points) AS points, COUNT(*) AS awards FROM ledger GROUP BY officer_id ORDER BY points DESC, officer_id LIMIT ?", arguments: [limit])
            }
            let ranking = rows.enumerated().map { index, row in
                let officer = jurisdiction.officers[row["officer_id"]]
                return RankingEntry(rank: index + 1, officerId: row["officer_id"], name: officer?.name, stationId: officer?.stationId, points: row["points"], awards: row["awards"])
            }
            return HTTPJSON.response(APIResponse(json: ["officers": ranking]))
        }
        router.get("/v1/officers/:id/points") { _, ctx in
            struct Line: Codable { var awardId: String; var incidentId: String; var rule: String; var points: Double; var earnedBy: String; var at: Date }
            let id = ctx.parameters.get("id") ?? ""
            let lines = try await context.store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM ledger WHERE officer_id = ? ORDER BY at, award_id", arguments: [id]).map {
                    Line(awardId: $0["award_id"], incidentId: $0["incident_id"], rule: $0["rule"], points: $0["points"], earnedBy: $0["earned_by"],
                         at: Date(timeIntervalSince1970: $0["at"]))
                }
            }
            struct Body: Codable { var officerId: String; var total: Double; var lines: [Line] }
            return HTTPJSON.response(APIResponse(json: Body(officerId: id, total: lines.map(\.points).reduce(0, +), lines: lines)))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await context.store.pool.read { db in
                [
                    "awards": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ledger") ?? 0,
                    "incidentsCredited": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM ledger WHERE rule = 'dispatched'") ?? 0,
                    "incidentsAssigned": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM assignments") ?? 0,
                ]
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
    }
}
