import ArgumentParser
import Foundation
import IntakeCore
import Model
import ServiceKit

@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-intake",
        abstract: "Takes 110 / 122 / 12345 / enterprise-hotline calls, records and locates them, and opens incidents.")

    @OptionGroup var options: ServiceOptions
    @Option(help: "Repeat-call window in minutes (env PRECINCT_MERGE_WINDOW_MINUTES; default 30).") var mergeWindowMinutes: Double?
    @Option(help: "Same-place merge radius in metres (env PRECINCT_MERGE_RADIUS_METERS; default 150).") var mergeRadiusMeters: Double?
    @Option(help: "Same-caller merge radius in metres (env PRECINCT_CALLER_RADIUS_METERS; default 500).") var callerRadiusMeters: Double?

    func run() async throws {
        let config = try options.resolve(.intake)
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let addresses = try AddressBook.load(from: config.cityDirectory)
        var rules = try IntakeRules.load(from: config.cityDirectory)
        let defaults = rules.merge
        // Flag, then environment, then the default; a value that is not a positive number stops
        // the service naming the variable (it used to be dropped silently).
        rules.merge.window = try Self.positive(mergeWindowMinutes, env: "PRECINCT_MERGE_WINDOW_MINUTES", default: defaults.window / 60) * 60
        rules.merge.placeRadiusMeters = try Self.positive(mergeRadiusMeters, env: "PRECINCT_MERGE_RADIUS_METERS", default: defaults.placeRadiusMeters)
        rules.merge.callerRadiusMeters = try Self.positive(
            callerRadiusMeters, env: "PRECINCT_CALLER_RADIUS_METERS",
            default: defaults.callerRadiusMeters)
        let definition = IntakeService.definition(jurisdiction: jurisdiction, addresses: addresses, rules: rules)
        // Bootstrapped here and only here: a process has one logging and one metrics system.
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let service = try buildService(definition, config: config, logger: Observability.logger(for: config), metrics: metrics)
        try await service.run(config: config)
    }

    static func positive(_ flag: Double?, env: String, default fallback: Double) throws -> Double {
        let value = try resolveSetting(flag, env: env, parse: { Double($0).flatMap { $0.isFinite ? $0 : nil } }, default: fallback)
        guard value > 0 else { throw ValidationError("\(env) (or its flag) must be a number > 0; got \(value)") }
        return value
    }
}
