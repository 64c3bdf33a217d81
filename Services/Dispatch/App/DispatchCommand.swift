import ArgumentParser
import DispatchCore
import Foundation
import Model
import ServiceKit

@main
struct DispatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-dispatch",
        abstract: "Sends units to incidents by the rules of station-centred dispatch and tracks them to close.")

    @OptionGroup var options: ServiceOptions

    @Option(
        help: """
            Serve only these regions, e.g. R1,R2 (also 'unlocated' for incidents with no grid, 'city' for units of no region) \
            (env PRECINCT_REGIONS; default all).
            """)
    var regions: String?

    @Option(
        help: """
            Dispatch rules file (env PRECINCT_DISPATCH_RULES; default <city>/dispatch-rules.json, or the built-in defaults when the city \
            has none).
            """)
    var rules: String?

    func run() async throws {
        let config = try options.resolve(.dispatch)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        // Empty means "not given": the city's file, and every region.
        let rulesPath = try resolveSetting(rules, env: "PRECINCT_DISPATCH_RULES", parse: { $0 }, default: "")
        let dispatchRules = try DispatchRules.load(
            cityDirectory: config.cityDirectory,
            file: rulesPath.isEmpty ? nil : URL(fileURLWithPath: rulesPath))
        let regionList = try resolveSetting(regions, env: "PRECINCT_REGIONS", parse: { $0 }, default: "")
        let scope = try RegionScope.parse(regionList, jurisdiction: jurisdiction)
        let definition = DispatchService.definition(jurisdiction: jurisdiction, rules: dispatchRules, scope: scope)
        // Bootstrapped here and only here: a process has one logging and one metrics system.
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let service = try buildService(definition, config: config, logger: Observability.logger(for: config), metrics: metrics)
        try await service.run(config: config)
    }
}
