import DispatchCore
import EventStore
import Foundation
import GRDB
import Logging
import Model
import Testing
import Wire

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let demoCity = packageRoot.appendingPathComponent("cities/demo")
let demo: Jurisdiction = try! Jurisdiction.load(from: demoCity)
let quiet = Logger(label: "dispatch-tests", factory: { _ in SwiftLogNoOpLogHandler() })
/// 12:00 in Zouping (UTC+8): every shift of the demo city that runs by day is on.
let noon = EventTime.date("2026-11-22T04:00:00.000Z")!
/// 02:00 in Zouping: day shifts (motorcycles' day half, mediator pairs) are off.
let night = EventTime.date("2026-11-21T18:00:00.000Z")!

/// Records what the core tells the metrics.
final class Recorded: @unchecked Sendable {
    private let lock = NSLock()
    private var _rules: [String] = []
    private var _breaches: [SLATimer] = []
    private var _warnings: [SLATimer] = []
    private var _queue: [Int] = []
    private var _tick: Date?
    var lastTick: Date? { lock.withLock { _tick } }
    var rules: [String] { lock.withLock { _rules } }
    var breaches: [SLATimer] { lock.withLock { _breaches } }
    var warnings: [SLATimer] { lock.withLock { _warnings } }
    var queueLengths: [Int] { lock.withLock { _queue } }
    var observer: DispatchObserver {
        DispatchObserver(decided: { rule, _, _ in self.lock.withLock { self._rules.append(rule) } },
                         queueLength: { n in self.lock.withLock { self._queue.append(n) } },
                         warned: { t in self.lock.withLock { self._warnings.append(t) } },
                         breached: { t in self.lock.withLock { self._breaches.append(t) } },
                         ticked: { now in self.lock.withLock { self._tick = now } })
    }
}

/// A dispatch core in a real engine over a temporary store, fed IncidentOpened events as intake
/// would send them, on a manual event clock.
final class Harness: @unchecked Sendable {
    let dir: URL
    let store: Store
    let clock: ManualClock
    private(set) var engine: Engine<DispatchCore>
    let recorded = Recorded()
    let rules: DispatchRules
    let regions: Set<String>?
    private var seq: UInt64 = 0
    private var nextIncident = 0

    init(rules: DispatchRules = .defaults, regions: Set<String>? = nil, start: Date = noon) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-dispatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try Store(path: dir.appendingPathComponent("dispatch.sqlite").path, service: "dispatch", migrations: DispatchCore.migrate)
        clock = ManualClock(start)
        self.rules = rules
        self.regions = regions
        engine = try Self.makeEngine(store: store, clock: clock, rules: rules, regions: regions, observer: recorded.observer)
    }

    static func makeEngine(store: Store, clock: ManualClock, rules: DispatchRules, regions: Set<String>?, observer: DispatchObserver) throws -> Engine<DispatchCore> {
        var config = EngineConfig()
        config.tickInterval = .milliseconds(2)
        return try Engine(store: store, clock: clock, config: config, logger: quiet) {
            DispatchCore(jurisdiction: demo, rules: rules, regions: regions, observer: observer)
        }
    }

    /// Stops the engine and starts a new one on the same store (a restart).
    func restart() throws {
        engine.stop()
        engine = try Self.makeEngine(store: store, clock: clock, rules: rules, regions: regions, observer: recorded.observer)
    }

    deinit {
        engine.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Everything handed to the engine before this call is committed when it returns.
    func drain() async throws { _ = try await engine.submit(.units([])) }

    /// A point well inside a grid (its centroid).
    static func point(in gridId: String) -> Coordinate { demo.grid(gridId)!.polygon.centroid }

    /// Delivers `incident.opened` from intake; returns the incident id once applied.
    @discardableResult
    func open(_ category: Category, at point: Coordinate, priority: Int? = nil, casualties: Int = 0, consent: Bool = false,
              description: String? = nil, channel: Channel = .police, id: String? = nil) async throws -> String {
        nextIncident += 1
        seq += 1
        let incidentId = id ?? String(format: "I%08d", nextIncident)
        let opened = IncidentOpened(
            incidentId: incidentId, callId: "C\(incidentId)", channel: channel, category: category,
            priority: priority ?? Self.priority(category), place: IncidentPlace(coordinate: point, address: nil, grid: demo.locate(point)),
            caller: nil, description: description, callTaker: "CT01", casualties: casualties, partiesConsent: consent, enterpriseId: nil,
            receivedAt: clock.now())
        let header = EventHeader(type: IncidentOpened.type, version: IncidentOpened.version, source: "intake", epoch: "e1", seq: seq,
                                 time: EventTime.string(clock.now()), correlationId: incidentId)
        let payload = try JSONCodec.encoder().encode(opened)
        engine.deliver([Envelope(topic: opened.topic, header: header, payload: Array(payload))], from: "intake")
        try await drain()
        return incidentId
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
        guard case .field(let a, let r) = try await engine.submit(.field(commands)) else { fatalError() }
        return (a, r)
    }

    @discardableResult
    func field(_ incidentId: String, _ unitId: String, _ stage: FieldStage, outcome: Outcome? = nil, handover: Handover? = nil,
               support: SupportRequest? = nil) async throws -> (accepted: Int, refused: [FieldCommandError]) {
        try await field([FieldCommand(incidentId: incidentId, unitId: unitId, stage: stage, outcome: outcome, handover: handover, support: support)])
    }

    @discardableResult
    func units(_ reports: [UnitReport]) async throws -> (accepted: Int, refused: [FieldCommandError]) {
        guard case .units(let a, let r) = try await engine.submit(.units(reports)) else { fatalError() }
        return (a, r)
    }

    /// Signs every listed unit off duty (to make the next rule's units the only free ones).
    func signOut(_ ids: [String]) async throws {
        let (_, refused) = try await units(ids.map { UnitReport(unitId: $0, duty: .offDuty) })
        #expect(refused.isEmpty, "\(refused)")
    }

    /// The published events of one type, decoded, oldest first.
    func events<P: EventPayload>(_ type: P.Type) throws -> [P] {
        try store.replay(after: 0, limit: 100_000).events.compactMap { e in
            let header = try EventHeader.decode(e.header)
            guard header.type == P.type else { return nil }
            return try JSONCodec.decoder().decode(P.self, from: Data(e.payload))
        }
    }

    func topics() throws -> [String] {
        try store.replay(after: 0, limit: 100_000).events.map { String(decoding: $0.topic, as: UTF8.self) }
    }

    func assigned(_ incidentId: String) throws -> [UnitAssigned] { try events(UnitAssigned.self).filter { $0.incidentId == incidentId } }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try store.pool.read(body) }

    /// Moves event time on and waits until a tick has run at the new time and committed.
    func advance(_ seconds: TimeInterval) async throws {
        clock.advance(by: seconds)
        let target = clock.now()
        let deadline = ContinuousClock.now + .seconds(10)
        while (recorded.lastTick ?? .distantPast) < target {
            if ContinuousClock.now > deadline { Issue.record("no tick ran at \(target)"); return }
            try await Task.sleep(for: .milliseconds(1))  // polling, not synchronisation: the condition decides
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
