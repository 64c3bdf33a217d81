import EventStore
import Foundation
import GRDB
import LiaisonCore
import Model
import Testing
import TestSupport
import Wire

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let demoCity = packageRoot.appendingPathComponent("cities/demo")
let demoEnterprises = try! Enterprise.load(from: demoCity)
let demoJurisdiction = try! Jurisdiction.load(from: demoCity)
let t0 = EventTime.date("2026-11-02T08:00:00.000Z")!

func demo(_ id: String) -> Enterprise { demoEnterprises.first { $0.id == id }! }

/// A liaison core on a real store and engine in a temporary directory, on a manual clock; unlike
/// TestSupport's CoreHarness it can restart on the same store.
final class Harness {
    let dir: TempDir
    let clock = ManualClock(t0)
    private(set) var store: Store
    private(set) var engine: Engine<LiaisonCore>
    let settings: LiaisonSettings
    let seed: [Enterprise]
    private var sources: [String: EventSource] = [:]

    init(seed: [Enterprise] = demoEnterprises, settings: LiaisonSettings = LiaisonSettings()) throws {
        dir = try TempDir("precinct-liaison")
        self.seed = seed
        self.settings = settings
        (store, engine) = try Self.open(dir, clock: clock, seed: seed, settings: settings)
    }

    static func open(_ dir: TempDir, clock: ManualClock, seed: [Enterprise], settings: LiaisonSettings) throws -> (Store, Engine<LiaisonCore>) {
        let store = try Store(path: dir.path("liaison.sqlite"), service: "liaison", migrations: LiaisonCore.migrate)
        let engine = try Engine(store: store, clock: clock, logger: quietLogger) {
            LiaisonCore(seed: seed, jurisdiction: demoJurisdiction, settings: settings)
        }
        return (store, engine)
    }

    /// Stops the engine and opens the same store again (a restart).
    func restart() throws {
        engine.stop()
        (store, engine) = try Self.open(dir, clock: clock, seed: seed, settings: settings)
    }

    deinit { engine.stop() }

    @discardableResult
    func run(_ command: LiaisonCore.Command) async throws -> LiaisonCore.Reply { try await engine.submit(command) }

    /// Delivers an event as `source` would publish it (next sequence), and waits until it is applied.
    func deliver<P: EventPayload>(_ payload: P, from source: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let events = sources[source] ?? EventSource(source)
        sources[source] = events
        engine.deliver([events.event(payload)], from: source)
        await eventually(timeout: .seconds(20), "\(P.type) applied", sourceLocation: sourceLocation) { engine.backlog == 0 }
    }

    /// Delivers an event as `source` would publish it, changed by `alter` first (a bad event), and
    /// waits until the engine has taken it (applied or dead-lettered).
    func deliver<P: EventPayload>(
        _ payload: P, from source: String, altered alter: (inout Envelope) throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let events = sources[source] ?? EventSource(source)
        sources[source] = events
        var envelope = events.event(payload)
        try alter(&envelope)
        engine.deliver([envelope], from: source)
        await eventually(timeout: .seconds(20), "\(P.type) taken", sourceLocation: sourceLocation) { engine.backlog == 0 }
    }

    /// Everything liaison published, in order.
    func published(after: UInt64 = 0) throws -> [(topic: String, header: EventHeader, payload: [UInt8])] {
        try store.replay(after: after, limit: 100_000).events.map {
            (String(decoding: $0.topic, as: UTF8.self), try EventHeader.decode($0.header), $0.payload)
        }
    }

    func published<P: EventPayload>(_ type: P.Type) throws -> [P] {
        try published().filter { $0.header.type == P.type }.map { try JSONCodec.decoder().decode(P.self, from: Data($0.payload)) }
    }

    func latestSeq() throws -> UInt64 { try store.latestSeq() }
}

func opened(
    _ id: String, at c: Coordinate?, address: String? = nil, named: String? = nil, category: Model.Category = .criminal,
    time: Date = t0, description: String = "仓库被盗，嫌疑人张三逃跑"
) -> IncidentOpened {
    let grid = c.flatMap { demoJurisdiction.locate($0) }
    return IncidentOpened(
        incidentId: id, callId: "C-\(id)", channel: .police, category: category, priority: 2,
        place: IncidentPlace(coordinate: c, address: address, grid: grid),
        caller: Caller(name: "李四", phone: "13912345678"), description: description, callTaker: "CT01", casualties: 0,
        partiesConsent: false, enterpriseId: named, receivedAt: time)
}

func field(_ id: String, _ stage: FieldStage, unit: String = "U001", outcome: Outcome? = nil, at: Date) -> FieldReported {
    FieldReported(incidentId: id, unitId: unit, officerIds: ["O0001"], stage: stage, outcome: outcome, note: nil, regionId: "R1", at: at)
}

func assigned(_ id: String, unit: String = "U001", at: Date) -> UnitAssigned {
    UnitAssigned(
        incidentId: id, unitId: unit, callSign: "台子巡1", unitKind: .patrolCar, officerIds: ["O0001"], rule: "grid-nearest",
        regionId: "R1", stationId: "S01", gridId: "G001", distanceMeters: 800, etaSeconds: 120, assignedAt: at)
}

/// A point outside every enterprise geofence.
let nowhere = Coordinate(lat: 36.95, lon: 117.65)

/// Expects the command to be refused with this status; returns the problems.
func refused(_ status: Int, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> [FieldError] {
    do {
        try await body()
        Issue.record("expected a refusal with status \(status)", sourceLocation: sourceLocation)
        return []
    } catch let error as LiaisonError {
        #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
        return error.problems
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return []
    }
}

extension LiaisonCore.Reply {
    var enterpriseWrite: EnterpriseWrite? { if case .enterprise(let w) = self { w } else { nil } }
    var caseWrite: CaseWrite? { if case .enterpriseCase(let w) = self { w } else { nil } }
    var workWrite: WorkWrite? { if case .work(let w) = self { w } else { nil } }
    var profileValue: EnterpriseProfile? { if case .profile(let p) = self { p } else { nil } }
    var portfolioValue: OfficerPortfolio? { if case .portfolio(let p) = self { p } else { nil } }
    var incidentsValue: [LiaisonIncident]? { if case .incident(let l) = self { l } else { nil } }
    var totalsValue: CaseTotalsReport? { if case .caseTotals(let r) = self { r } else { nil } }
    var overdueValue: OverdueReport? { if case .overdue(let r) = self { r } else { nil } }
    var enterprisesValue: [EnterpriseSummary]? { if case .enterprises(let l) = self { l } else { nil } }
}
