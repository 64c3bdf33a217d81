import ArgumentParser
import Foundation
import Model
import ScoringCore
import ServiceKit

/// `precinct-scoring`: the points ledger, rankings, KPIs and reports (docs/scoring.md).
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
        // Empty: no file named, so the city folder's table (or the defaults) applies.
        let path = try resolveSetting(rules, env: "PRECINCT_SCORING_RULES", parse: { $0 }, default: "")
        let table =
            try path.isEmpty
            ? ScoringRules.load(from: config.cityDirectory)
            : ScoringRules.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path)
        // Bootstrapped here and only here: a process has one logging and one metrics system.
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let service = try buildService(
            ScoringService.definition(rules: table, jurisdiction: jurisdiction), config: config, logger: Observability.logger(for: config),
            metrics: metrics)
        try await service.run(config: config)
    }
}
