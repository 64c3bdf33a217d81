import EventStore
import Foundation
import GRDB
import Model
import Wire

/// One enterprise, one officer (一企一警): the enterprise registry, enterprise alerts,
/// zero-disturbance coordination, enterprise cases and the liaison work log (docs/liaison.md).
///
/// This type only routes: decisions are in `Rules/`, SQL in `Store/`, each command and event in
/// its file in `Handlers/`. Everything runs on the engine's thread inside its transactions; every
/// time is event time (`tx.now`, or the time an inbound event carries), never the wall clock.
public final class LiaisonCore: ServiceCore {
    public enum Command: Sendable {
        /// Registers or replaces an enterprise; `createOnly` refuses an id already registered.
        case putEnterprise(Enterprise, createOnly: Bool)
        case retireEnterprise(id: String)
        case putCase(CaseInput)
        case logWork(WorkInput)
        case enterprises
        case profile(enterpriseId: String)
        case portfolio(officerId: String)
        case incident(id: String)
        case caseTotals(CaseTotalsQuery)
        case cases(enterpriseId: String?, officerId: String?)
        case overdue(periodDays: Double?)
        case acknowledgeCoordination(CoordinationAck)
        case coordinations(officerId: String?, status: String?)
        /// The 12345 platform's answer to a diversion (issue 19).
        case answerHandoff(HandoffAnswer)
        case handoff(callId: String)
        case raiseSupport(SupportInput)
        case replySupport(SupportReply)
        case support(requestId: String)
        case supports(incidentId: String?, departmentId: String?)
    }

    public enum Reply: Sendable {
        case enterprise(EnterpriseWrite)
        case enterpriseCase(CaseWrite)
        case work(WorkWrite)
        case enterprises([EnterpriseSummary])
        case profile(EnterpriseProfile)
        case portfolio(OfficerPortfolio)
        case incident([LiaisonIncident])
        case caseTotals(CaseTotalsReport)
        case cases([EnterpriseCase])
        case overdue(OverdueReport)
        case coordination(CoordinationView)
        case coordinations([CoordinationView])
        case handoff(HandoffView)
        case support(DepartmentRequest)
        case supports([DepartmentRequest])
    }

    /// The registry in memory (records and the match index), rebuilt from the store by `load`.
    public private(set) var registry = Registry()
    private var seeded = false
    /// A command or event failed after changing the registry: reload it from the store first.
    private var stale = false
    private var lastPrune: Date?
    /// Incidents seen lately at no enterprise (a cache of the store's answer, emptied by `load` and
    /// when the store forgets old incidents).
    private var atNoEnterprise = RecentIncidents()
    /// The incidents with dispatch events parked (as the store holds them; read by `load`), so
    /// that an opening asks the store for its parked events only when it has some.
    private var parked: Set<String> = []

    private let seed: SeedRegistry
    private let putEnterprise: PutEnterprise
    private let putCase: PutCase
    private let logWork: LogWork
    private let readProfile: ReadProfile
    private let readPortfolio: ReadPortfolio
    private let readOverdue: ReadOverdue
    private let matchIncident: MatchIncident
    private let followDispatch = FollowDispatch()
    private let coordination = Coordination()
    private let handoffs: Handoffs
    private let supportRequests: SupportRequests
    private var nextSupport = 1

    public init(
        seed: [Enterprise], jurisdiction: Jurisdiction? = nil, settings: LiaisonSettings = LiaisonSettings(), departments: Departments = Departments()
    ) {
        handoffs = Handoffs(settings: departments.handoff)
        supportRequests = SupportRequests(departments: departments)
        self.seed = SeedRegistry(seed: seed)
        putEnterprise = PutEnterprise(validator: EnterpriseValidator(jurisdiction: jurisdiction))
        putCase = PutCase(jurisdiction: jurisdiction)
        logWork = LogWork(jurisdiction: jurisdiction)
        readProfile = ReadProfile(settings: settings)
        readPortfolio = ReadPortfolio(settings: settings, jurisdiction: jurisdiction)
        readOverdue = ReadOverdue(settings: settings)
        matchIncident = MatchIncident(dispatch: followDispatch)
    }

    public static func migrate(_ migrator: inout DatabaseMigrator) {
        LiaisonSchema.migrate(&migrator)
        CoordinationStore.migrate(&migrator)
        HandoffSchema.migrate(&migrator)
    }

    public func load(_ db: Database) throws {
        registry = Registry(try EnterpriseStore.records(db))
        seeded = try EnterpriseStore.isSeeded(db)
        nextSupport = try HandoffStore.lastSupportNumber(db) + 1
        atNoEnterprise = RecentIncidents()
        parked = try IncidentStore.parkedIncidents(db)
        stale = false
    }

    public func handle(_ command: Command, in tx: Transaction) throws -> Reply {
        try guarded(tx) {
            switch command {
            case .putEnterprise(let enterprise, let createOnly):
                .enterprise(try putEnterprise.handle(enterprise, createOnly: createOnly, registry: &registry, tx))
            case .retireEnterprise(let id): .enterprise(try RetireEnterprise().handle(id, registry: &registry, tx))
            case .putCase(let input): .enterpriseCase(try putCase.handle(input, registry: registry, tx))
            case .logWork(let input): .work(try logWork.handle(input, registry: registry, tx))
            case .enterprises: .enterprises(registry.sorted.map(\.summary))
            case .profile(let id): .profile(try readProfile.handle(id, registry: registry, tx))
            case .portfolio(let officerId): .portfolio(try readPortfolio.handle(officerId, registry: registry, tx))
            case .incident(let id): .incident(try ReadIncident().handle(id, tx))
            case .caseTotals(let query): .caseTotals(try ReadCaseTotals().handle(query, tx))
            case .cases(let enterpriseId, let officerId): .cases(try CaseStore.cases(tx.db, enterpriseId: enterpriseId, officerId: officerId))
            case .overdue(let periodDays): .overdue(try readOverdue.handle(periodDays: periodDays, registry: registry, tx))
            case .acknowledgeCoordination(let input): .coordination(try coordination.acknowledge(input, registry: registry, tx))
            case .coordinations(let officerId, let status): .coordinations(try CoordinationStore.list(tx.db, officerId: officerId, status: status))
            case .answerHandoff(let answer): .handoff(try handoffs.answer(answer, tx))
            case .handoff(let callId): .handoff(try handoffs.read(callId, tx))
            case .raiseSupport(let input): .support(try supportRequests.raise(input, next: &nextSupport, tx))
            case .replySupport(let reply): .support(try supportRequests.reply(reply, tx))
            case .support(let requestId): .support(try supportRequests.read(requestId, tx))
            case .supports(let incidentId, let departmentId):
                .supports(try HandoffStore.supports(incidentId: incidentId, departmentId: departmentId, tx.db))
            }
        }
    }

    /// The types ``apply(_:in:)`` uses (a new case must be added here); the engine drops the rest.
    public static let appliedTypes: Set<String>? = [
        IncidentOpened.type, UnitAssigned.type, FieldReported.type, CoordinationHold.type, IncidentDiverted.type,
        IncidentUpgraded.type,
    ]

    public func apply(_ event: Envelope, in tx: Transaction) throws {
        switch event.header.type {
        case IncidentOpened.type:
            let opened = try tx.decode(IncidentOpened.Fields.self, from: event)
            try guarded(tx) { try matchIncident.apply(opened, registry: registry, atNoEnterprise: &atNoEnterprise, parked: &parked, tx) }
        case IncidentUpgraded.type:
            let upgraded = try tx.decode(IncidentUpgraded.self, from: event)
            try guarded(tx) { try FollowUpgrade().apply(upgraded, tx) }
        case UnitAssigned.type:
            guard try !followDispatch.ignores(event, atNoEnterprise: atNoEnterprise, tx) else { return }
            let assigned = try tx.decode(UnitAssigned.Fields.self, from: event)
            try guarded(tx) { try followDispatch.assigned(assigned, payload: event.payload, registry: registry, parked: &parked, tx) }
        case FieldReported.type:
            guard try !followDispatch.ignores(event, atNoEnterprise: atNoEnterprise, tx) else { return }
            let report = try tx.decode(FieldReported.Fields.self, from: event)
            try guarded(tx) { try followDispatch.field(report, payload: event.payload, registry: registry, parked: &parked, tx) }
        case CoordinationHold.type:
            let hold = try tx.decode(CoordinationHold.self, from: event)
            try guarded(tx) { try coordination.hold(hold, registry: registry, tx) }
        case IncidentDiverted.type:
            let diverted = try tx.decode(IncidentDiverted.self, from: event)
            try handoffs.diverted(diverted, tx)
        default:
            return
        }
    }

    public func tick(in tx: Transaction) throws {
        try guarded(tx) {
            guard try PruneSeen().tick(lastPrune: &lastPrune, tx) else { return }
            // What the store forgot, the memory of it forgets too.
            parked = try IncidentStore.parkedIncidents(tx.db)
            atNoEnterprise = RecentIncidents()
        }
        try handoffs.tick(tx)
        try supportRequests.tick(tx)
    }

    /// Runs `body` with a fresh registry, seeded on a new store; marks the registry stale if
    /// `body` throws (its savepoint is rolled back, the memory is not).
    private func guarded<R>(_ tx: Transaction, _ body: () throws -> R) throws -> R {
        if stale { try load(tx.db) }
        do {
            if !seeded {
                try seed.handle(registry: &registry, tx)
                seeded = true
            }
            return try body()
        } catch {
            stale = true
            throw error
        }
    }
}
