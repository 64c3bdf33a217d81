import ArgumentParser
import Foundation
import LiaisonCore
import Model
import ServiceKit

@main
struct LiaisonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "precinct-liaison",
        abstract: "Runs the enterprise registry (一企一警), enterprise alerts, zero-disturbance coordination, enterprise cases "
            + "and the liaison work log.")

    @OptionGroup var options: ServiceOptions

    @Option(help: "Days without a visit or joint meeting after which an enterprise is overdue (env PRECINCT_LIAISON_WORK_PERIOD_DAYS; default 30).")
    var workPeriodDays: Double?

    @Option(
        help: "Seconds of event time the 12345 platform has to accept or return a diversion before the duty call-taker is alerted (env PRECINCT_LIAISON_HANDOFF_RECEIPT_SECONDS; default: departments.json's handoff.receiptSeconds, else 900).")
    var handoffReceiptSeconds: Double?

    func run() async throws {
        let config = try options.resolve(.liaison)
        let period = try resolveSetting(
            workPeriodDays, env: "PRECINCT_LIAISON_WORK_PERIOD_DAYS",
            parse: { Double($0).flatMap { $0.isFinite ? $0 : nil } }, default: 30)
        guard period > 0 else {
            throw ValidationError("PRECINCT_LIAISON_WORK_PERIOD_DAYS (or --work-period-days) must be a number of days > 0; got \(period)")
        }
        let jurisdiction = try Jurisdiction.load(from: config.cityDirectory)
        let enterprises = try Enterprise.load(from: config.cityDirectory)
        // The city file seeds the registry on the first start; it must pass the API's rules.
        let validator = EnterpriseValidator(jurisdiction: jurisdiction)
        for e in enterprises {
            let problems = validator.problems(e)
            if !problems.isEmpty {
                let problem = problems.map(\.description).joined(separator: "; ")
                throw ConfigurationError(file: "enterprises.json", record: "enterprise \(e.id)", problem: problem)
            }
        }
        var departments = try Departments.load(from: config.cityDirectory)
        departments.handoff.receiptSeconds = try resolveSetting(
            handoffReceiptSeconds, env: "PRECINCT_LIAISON_HANDOFF_RECEIPT_SECONDS",
            parse: { Double($0).flatMap { $0.isFinite && $0 > 0 ? $0 : nil } }, default: departments.handoff.receiptSeconds)
        guard departments.handoff.receiptSeconds > 0 else {
            throw ValidationError("PRECINCT_LIAISON_HANDOFF_RECEIPT_SECONDS (or --handoff-receipt-seconds) must be seconds > 0")
        }
        let definition = LiaisonService.definition(
            enterprises: enterprises, jurisdiction: jurisdiction,
            settings: LiaisonSettings(workPeriodDays: period), departments: departments)
        // Bootstrapped here and only here: a process has one logging and one metrics system.
        let metrics = Observability.bootstrap(logLevel: config.logLevel)
        let service = try buildService(definition, config: config, logger: Observability.logger(for: config), metrics: metrics)
        try await service.run(config: config)
    }
}
