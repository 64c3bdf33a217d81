import EventStore
import Foundation
import GRDB
import Model
@testable import ScoringCore
import Testing
import TestSupport
import Wire

// A ScoringCore on a real engine and a temporary SQLite store, with a manual clock (TestSupport's
// CoreHarness): the same transactions the service runs, without sockets, on event time only.
// Events are built as intake and dispatch publish them (EventSource: gap-free sequences).

let t0 = EventTime.date("2026-11-22T00:00:00.000Z")!  // 08:00 in the city (UTC+8)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// scoring's vocabulary over the shared harness: deliver-and-derive, and the ledger's reads.
final class Harness {
    let core: CoreHarness<ScoringCore>
    var engine: Engine<ScoringCore> { core.engine }
    var clock: ManualClock { core.clock }
    var store: Store { core.store }

    init(rules: ScoringRules = .defaults, jurisdiction: Jurisdiction? = nil) throws {
        core = try CoreHarness(service: "scoring", start: t0) { ScoringCore(rules: rules, jurisdiction: jurisdiction) }
    }

    /// Hands events over, waits until they are applied, and derives the dirty incidents (the
    /// engine takes commands before events, so the flush follows the wait).
    func deliver(_ events: [Envelope], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        await core.deliver(events, sourceLocation: sourceLocation)
        try await flush()
    }

    func flush() async throws { _ = try await engine.submit(.flush) }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try core.read(body) }

    /// The read API over this store.
    var queries: ScoringQueries { ScoringQueries(reader: StateReader(store)) }

    func total(_ officer: String) throws -> Double { try read { try LedgerReads.officerPoints($0, officerId: officer, period: .everything).total } }

    func lines(_ officer: String) throws -> [LedgerLine] {
        try read { try LedgerReads.officerPoints($0, officerId: officer, period: .everything).lines }
    }

    func ledger() throws -> [LedgerLine] { try read { try LedgerReads.ledger($0) } }

    /// The `score.awarded` events scoring published (one per incident change).
    func events() throws -> [PointsAwarded] { try core.published(PointsAwarded.self) }

    /// The ledger lines those events carried, in publishing order.
    func published() throws -> [PointsLine] { try events().flatMap(\.lines) }
}

/// A small vocabulary for writing incidents.
enum Make {
    static func place(grid: String = "G1", station: String = "S1", post: String? = "P1", region: String = "R1") -> IncidentPlace {
        IncidentPlace(
            coordinate: Coordinate(lat: 36.85, lon: 117.72), address: nil,
            grid: GridLocation(gridId: grid, stationId: station, postId: post, regionId: region, urban: true))
    }

    static func opened(
        _ id: String, _ category: Category, at t: Double, callTaker: String = "CT01", grid: String = "G1", station: String = "S1",
        post: String? = "P1", region: String = "R1"
    ) -> IncidentOpened {
        IncidentOpened(
            incidentId: id, callId: "C-\(id)", channel: .police, category: category, priority: 2,
            place: place(grid: grid, station: station, post: post, region: region), caller: nil, description: nil,
            callTaker: callTaker, casualties: 0, partiesConsent: false, enterpriseId: nil, receivedAt: at(t))
    }

    static func assigned(
        _ id: String, unit: String, officers: [String], at t: Double, kind: UnitKind = .patrolCar, station: String = "S1",
        region: String = "R1", grid: String = "G1", post: String? = "P1", role: String? = "primary"
    ) -> UnitAssigned {
        UnitAssigned(
            incidentId: id, unitId: unit, callSign: unit, unitKind: kind, officerIds: officers, rule: "grid-nearest", regionId: region,
            stationId: station, gridId: grid, distanceMeters: 500, etaSeconds: 120, assignedAt: at(t), postId: post, role: role)
    }

    static func field(
        _ id: String, unit: String, officers: [String], _ stage: FieldStage, at t: Double, outcome: Outcome? = nil,
        incidentClosed: Bool? = nil, handover: Handover? = nil
    ) -> FieldReported {
        FieldReported(
            incidentId: id, unitId: unit, officerIds: officers, stage: stage, outcome: outcome, note: nil, regionId: "R1", at: at(t),
            handover: handover, incidentClosed: incidentClosed)
    }

    static func breached(_ id: String, _ timer: SLATimer, unit: String? = nil, officers: [String] = [], at t: Double) -> SLABreached {
        SLABreached(
            incidentId: id, unitId: unit, officerIds: officers, timer: timer, regionId: "R1", stationId: "S1",
            startedAt: at(0), dueAt: at(t), action: "none", at: at(t))
    }

    static func closed(_ id: String, _ outcome: Outcome, openedAt: Double, at t: Double) -> IncidentClosed {
        IncidentClosed(incidentId: id, outcome: outcome, regionId: "R1", stationId: "S1", openedAt: at(openedAt), at: at(t))
    }
}

extension Array where Element == LedgerLine {
    func rule(_ name: String) -> LedgerLine? { first { $0.rule == name } }
}
