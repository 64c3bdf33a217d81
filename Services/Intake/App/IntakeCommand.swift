import ArgumentParser
import EventStore
import Foundation
import IntakeCore
import Logging
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
    @Option(help: "Days callers' names and phones are kept in clear (env PRECINCT_PERSONAL_DATA_DAYS; default 180; 0 = no limit).")
    var personalDataDays: Double?
    @Option(
        help: """
            Secret for callers' keyed hashes, base64 in a file (env PRECINCT_PERSONAL_DATA_KEY; default <data>/personal-data.key, \
            made on first start; `make keys` writes secrets/personal-data.key).
            """)
    var personalDataKey: String?

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
        let days = try resolveSetting(
            personalDataDays, env: "PRECINCT_PERSONAL_DATA_DAYS", parse: { Double($0).flatMap { $0.isFinite && $0 >= 0 ? $0 : nil } }, default: 180)
        let keyPath = try resolveSetting(personalDataKey, env: "PRECINCT_PERSONAL_DATA_KEY", parse: { $0 }, default: "")
        // Bootstrapped here and only here: a process has one logging and one metrics system.
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let logger = Observability.logger(for: config)
        let secret: TokenKey
        do {
            secret = keyPath.isEmpty
                ? try TokenKey.development(in: config.dataDirectory, fileName: "personal-data.key", what: "personal-data key", logger: logger).key
                : try TokenKey.load(from: keyPath)
        } catch { throw ValidationError("personal-data key: \(error.message)") }
        let retention = PersonalDataRetention(days: days)
        if days > 0, config.retention.maxAge.map({ $0 > retention.period }) ?? true {
            // The outbox holds the call events, callers included, for its own retention.
            logger.warning(
                "the outbox keeps events (callers' names and phones included) longer than the personal-data retention",
                metadata: ["personalDataDays": "\(days)", "retentionHours": "\(config.retention.maxAge.map { "\($0 / 3600)" } ?? "no limit")"])
        }
        let definition = IntakeService.definition(
            jurisdiction: jurisdiction, addresses: addresses, rules: rules, callerKey: CallerKey(bytes: secret.bytes), personalData: retention)
        let service = try buildService(definition, config: config, logger: logger, metrics: metrics)
        try await service.run(config: config)
    }

    static func positive(_ flag: Double?, env: String, default fallback: Double) throws -> Double {
        let value = try resolveSetting(flag, env: env, parse: { Double($0).flatMap { $0.isFinite ? $0 : nil } }, default: fallback)
        guard value > 0 else { throw ValidationError("\(env) (or its flag) must be a number > 0; got \(value)") }
        return value
    }
}
