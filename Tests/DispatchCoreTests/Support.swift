import DispatchCore
import EventStore
import Foundation
import Model
import Testing
import TestSupport
import Wire

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let demoCity = packageRoot.appendingPathComponent("cities/demo")
let demo: Jurisdiction = try! Jurisdiction.load(from: demoCity)
/// 12:00 in Zouping (UTC+8): every shift of the demo city that runs by day is on.
let noon = EventTime.date("2026-11-22T04:00:00.000Z")!
/// 02:00 in Zouping: day shifts (motorcycles' day half, mediator pairs) are off.
let night = EventTime.date("2026-11-21T18:00:00.000Z")!

/// Records what the core tells the metrics.
final class Recorded: Sendable {
    struct Seen: Sendable {
        var rules: [String] = []
        var breaches: [SLATimer] = []
        var warnings: [SLATimer] = []
        var queueLengths: [Int] = []
        var lastTick: Date?
    }

    private let seen = Locked(Seen())
    var lastTick: Date? { seen.current.lastTick }
    var rules: [String] { seen.current.rules }
    var breaches: [SLATimer] { seen.current.breaches }
    var warnings: [SLATimer] { seen.current.warnings }
    var queueLengths: [Int] { seen.current.queueLengths }

    var observer: DispatchObserver {
        DispatchObserver(
            decided: { rule, _, _ in self.seen.withLock { $0.rules.append(rule) } },
            queueLength: { n in self.seen.withLock { $0.queueLengths.append(n) } },
            warned: { t in self.seen.withLock { $0.warnings.append(t) } },
            breached: { t in self.seen.withLock { $0.breaches.append(t) } },
            ticked: { now in self.seen.withLock { $0.lastTick = now } })
    }
}

/// A dispatch core in a real engine over a temporary store, fed IncidentOpened events as intake
/// would send them, on a manual event clock. Unlike `CoreHarness` it can restart its engine on
/// the same store.
final class Harness: @unchecked Sendable {
    let dir: TempDir
    let store: Store
    let clock: ManualClock
    private(set) var engine: Engine<DispatchCore>
    let recorded = Recorded()
    let rules: DispatchRules
    let scope: RegionScope
    private let intake = EventSource("intake")
    private var nextIncident = 0

    init(rules: DispatchRules = .defaults, regions: Set<String>? = nil, start: Date = noon) throws {
        dir = try TempDir("precinct-dispatch")
        store = try Store(path: dir.path("dispatch.sqlite"), service: "dispatch", migrations: DispatchCore.migrate)
        clock = ManualClock(start)
        self.rules = rules
        scope = RegionScope(regions)
        engine = try Self.makeEngine(store: store, clock: clock, rules: rules, scope: scope, observer: recorded.observer)
    }

    static func makeEngine(
        store: Store, clock: ManualClock, rules: DispatchRules, scope: RegionScope,
        observer: DispatchObserver
    ) throws -> Engine<DispatchCore> {
        var config = EngineConfig()
        config.tickInterval = .milliseconds(2)
        return try Engine(store: store, clock: clock, config: config, logger: quietLogger) {
            DispatchCore(jurisdiction: demo, rules: rules, scope: scope, observer: observer)
        }
    }

    /// Stops the engine and starts a new one on the same store (a restart).
    func restart() throws {
        engine.stop()
        engine = try Self.makeEngine(store: store, clock: clock, rules: rules, scope: scope, observer: recorded.observer)
    }

    deinit { engine.stop() }

    /// The read API over this store.
    var queries: DispatchQueries { DispatchQueries(reader: StateReader(store), jurisdiction: demo) }

    /// Everything handed to the engine before this call is committed when it returns.
    func drain() async throws { _ = try await engine.submit(.units([])) }

    /// A point well inside a grid (its centroid).
    static func point(in gridId: String) -> Coordinate { demo.grid(gridId)!.polygon.centroid }

    /// Delivers `incident.opened` from intake; returns the incident id once applied.
    @discardableResult
    func open(
        _ category: Category, at point: Coordinate, priority: Int? = nil, casualties: Int = 0, consent: Bool = false,
        description: String? = nil, channel: Channel = .police, id: String? = nil
    ) async throws -> String {
        nextIncident += 1
        let incidentId = id ?? String(format: "I%08d", nextIncident)
        let opened = IncidentOpened(
            incidentId: incidentId, callId: "C\(incidentId)", channel: channel, category: category,
            priority: priority ?? Self.priority(category), place: IncidentPlace(coordinate: point, address: nil, grid: demo.locate(point)),
            caller: nil, description: description, callTaker: "CT01", casualties: casualties, partiesConsent: consent, enterpriseId: nil,
            receivedAt: clock.now())
        engine.deliver([intake.event(opened)], from: intake.name)
        try await drain()
        return incidentId
    }

    /// Delivers `incident.upgraded` from intake (a merged call changed the incident).
    func upgrade(
        _ incidentId: String, category: Category? = nil, priority: Int? = nil, major: Bool? = nil, casualties: Int? = nil,
        reason: String = "casualties reported by a repeat call"
    ) async throws {
        let upgraded = IncidentUpgraded(
            incidentId: incidentId, callId: "CU\(incidentId)", category: category, priority: priority, major: major, casualties: casualties,
            reason: reason, regionId: nil, upgradedAt: clock.now())
        engine.deliver([intake.event(upgraded)], from: intake.name)
        try await drain()
    }

    /// Delivers `incident.ended` from intake (the incident's own instance closed it).
    func end(_ incidentId: String, outcome: Outcome = .resolvedOnScene) async throws {
        engine.deliver([intake.event(IncidentEnded(incidentId: incidentId, outcome: outcome, regionId: nil, endedAt: clock.now()))], from: intake.name)
        try await drain()
    }

    static func priority(_ c: Category) -> Int {
        switch c {
        case .criminal, .accidentCasualty: 1
        case .publicOrder, .accidentMinor: 2
        case .dispute, .helpRequest: 3
        case .nonPolice: 4
        }
    }

    @discardableResult
    func field(_ commands: [FieldCommand]) async throws -> (accepted: Int, refused: [FieldCommandError]) {
        let result = FieldResult(try await engine.submit(.field(commands)))
        return (result.accepted, result.refused)
    }

    @discardableResult
    func field(
        _ incidentId: String, _ unitId: String, _ stage: FieldStage, outcome: Outcome? = nil, handover: Handover? = nil,
        support: SupportRequest? = nil
    ) async throws -> (accepted: Int, refused: [FieldCommandError]) {
        try await field([FieldCommand(incidentId: incidentId, unitId: unitId, stage: stage, outcome: outcome, handover: handover, support: support)])
    }

    @discardableResult
    func units(_ reports: [UnitReport]) async throws -> (accepted: Int, refused: [FieldCommandError]) {
        let result = FieldResult(try await engine.submit(.units(reports)))
        return (result.accepted, result.refused)
    }

    /// Signs every listed unit off duty (to make the next rule's units the only free ones).
    func signOut(_ ids: [String]) async throws {
        let (_, refused) = try await units(ids.map { UnitReport(unitId: $0, duty: .offDuty) })
        #expect(refused.isEmpty, "\(refused)")
    }

    /// The published events of one type, decoded, oldest first.
    func events<P: EventPayload>(_ type: P.Type) throws -> [P] {
        let decoder = JSONCodec.decoder()
        return try store.replay(after: 0, limit: 100_000).events.compactMap { e in
            let header = try EventHeader.decode(e.header)
            guard header.type == P.type else { return nil }
            return try decoder.decode(P.self, from: Data(e.payload))
        }
    }

    func topics() throws -> [String] {
        try store.replay(after: 0, limit: 100_000).events.map { String(decoding: $0.topic, as: UTF8.self) }
    }

    func assigned(_ incidentId: String) throws -> [UnitAssigned] { try events(UnitAssigned.self).filter { $0.incidentId == incidentId } }

    /// Moves event time on and waits until a tick has run at the new time and committed.
    func advance(_ seconds: TimeInterval, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        clock.advance(by: seconds)
        let target = clock.now()
        await eventually(timeout: .seconds(10), "a tick at \(target)", sourceLocation: sourceLocation) {
            (recorded.lastTick ?? .distantPast) >= target
        }
        try await drain()  // the tick's batch has committed once a later command is answered
    }
}

/// Rules with short timers for tests that watch them expire.
func shortRules(signOff: Double = 90, feedback: Double = 5 * 3600, close: Double = 22 * 3600, shifts: Bool = true) -> DispatchRules {
    var r = DispatchRules.defaults
    r.timers.signOff = .init(seconds: signOff, warnBefore: signOff / 3)
    r.timers.firstFeedback = .init(seconds: feedback, warnBefore: feedback / 10)
    r.timers.close = .init(seconds: close, warnBefore: close / 20)
    r.shifts.enforce = shifts
    return r
}

/// Units of the demo city matching a filter.
func unitIds(_ filter: (FieldUnit) -> Bool) -> [String] { demo.units.filter(filter).map(\.id) }
