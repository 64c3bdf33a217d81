import ArgumentParser
import EventStore
import Foundation
import GRDB
import Hummingbird
import LiaisonCore
import Model
import ServiceKit

@main
struct LiaisonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-liaison",
        abstract: "Runs the enterprise registry (一企一警) and publishes enterprise alerts.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let config = try options.resolve(.liaison)
        let enterprises = try Enterprise.load(from: config.cityDirectory)
        let definition = ServiceDefinition<LiaisonCore>(
            name: .liaison, follows: [.intake, .dispatch],
            makeCore: { LiaisonCore(enterprises: enterprises) },
            routes: LiaisonAPI.routes)
        try await ServiceHost.run(definition, config: config)
    }
}

enum LiaisonAPI {
    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<LiaisonCore>, _ ops: Operations) {
        router.get("/v1/alerts") { request, _ in
            struct Entry: Codable { var alertId: String; var enterpriseId: String; var incidentId: String; var transition: String; var matchedBy: String; var severity: String }
            let enterprise = request.uri.queryParameters.get("enterprise")
            let rows = try await context.store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM alerts WHERE (? IS NULL OR enterprise_id = ?) ORDER BY at DESC LIMIT 500", arguments: [enterprise, enterprise]).map {
                    Entry(alertId: $0["alert_id"], enterpriseId: $0["enterprise_id"], incidentId: $0["incident_id"], transition: $0["transition"],
                          matchedBy: $0["matched_by"], severity: $0["severity"])
                }
            }
            return HTTPJSON.response(APIResponse(json: ["alerts": rows]))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await context.store.pool.read { db in
                [
                    "alerts": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") ?? 0,
                    "incidentsAlerted": try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT incident_id) FROM alerts WHERE transition = 'opened'") ?? 0,
                ]
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
    }
}
