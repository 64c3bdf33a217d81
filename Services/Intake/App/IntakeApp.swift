import ArgumentParser
import EventStore
import Foundation
import GRDB
import Hummingbird
import IntakeCore
import Model
import ServiceKit

@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-intake",
        abstract: "Takes 110 / 122 / 12345 / enterprise-hotline calls, records and locates them, and opens incidents.")

    @OptionGroup var options: ServiceOptions

    func run() async throws {
        let config = try options.resolve(.intake)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let addresses = try AddressBook.load(from: config.cityDirectory)
        let definition = ServiceDefinition<IntakeCore>(
            name: .intake, follows: [.dispatch],
            makeCore: { IntakeCore(jurisdiction: jurisdiction, addresses: addresses) },
            operations: IntakeAPI.operations, routes: IntakeAPI.routes)
        try await ServiceHost.run(definition, config: config)
    }
}

enum IntakeAPI {
    static let maxCallBytes = 64 * 1024

    static func operations(_ context: ServiceContext<IntakeCore>) -> Operations {
        var ops = Operations()
        let decoder = JSONCodec.decoder()
        ops["call"] = { body in
            guard body.count <= maxCallBytes else {
                return .error(413, code: "too-large", message: "a call is at most \(maxCallBytes) bytes; this one is \(body.count)")
            }
            let request: CallRequest
            do { request = try decoder.decode(CallRequest.self, from: Data(body)) } catch {
                let (field, reason) = describe(error)
                return .error(400, code: "invalid", message: "\(field.isEmpty ? "" : field + " ")\(reason)", field: field)
            }
            do {
                switch try await context.engine.submit(.call(request, raw: body)) {
                case .accepted(let receipt): return APIResponse(status: 201, json: receipt)
                case .duplicate(let receipt): return APIResponse(status: 200, json: receipt)
                case .rejected(let callId, let problem):
                    return .error(422, code: "rejected", message: "call \(callId) recorded and rejected: \(problem)", field: problem.field)
                }
            } catch {
                return .error(503, code: "unavailable", message: "the call was not recorded: \(error)")
            }
        }
        return ops
    }

    static func routes(_ router: Router<BasicRequestContext>, _ context: ServiceContext<IntakeCore>, _ ops: Operations) {
        router.post("/v1/calls") { request, _ in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxCallBytes) } catch {
                return HTTPJSON.response(.error(413, code: "too-large", message: "a call is at most \(maxCallBytes) bytes"))
            }
            return HTTPJSON.response(await ops["call"]!(Array(buffer: body)))
        }
        router.get("/v1/stats") { _, _ in
            let stats = try await context.store.pool.read { db in
                var out: [String: Int] = ["calls": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls") ?? 0,
                                          "incidents": try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0]
                for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) AS n FROM calls GROUP BY outcome") {
                    out["calls_\(row["outcome"] as String)"] = row["n"]
                }
                return out
            }
            return HTTPJSON.response(APIResponse(json: stats))
        }
        router.get("/v1/calls/count") { request, _ in
            let prefix = request.uri.queryParameters.get("clientRefPrefix") ?? ""
            let count = try await context.store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM calls WHERE client_ref >= ? AND client_ref < ?", arguments: [prefix, prefix + "\u{10FFFF}"]) ?? 0
            }
            return HTTPJSON.response(APIResponse(json: ["clientRefPrefix": prefix, "count": "\(count)"]))
        }
    }
}
