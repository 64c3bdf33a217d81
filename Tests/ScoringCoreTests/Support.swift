import EventStore
import Foundation
import GRDB
import Logging
import Model
@testable import ScoringCore
import Testing
import Wire

// A ScoringCore on a real engine and a temporary SQLite store, with a manual clock: the same
// transactions the service runs, without sockets. Events are built as intake and dispatch
// publish them, with per-source sequence numbers.

let t0 = EventTime.date("2026-11-22T00:00:00.000Z")!  // 08:00 in the city (UTC+8)
let quietLogger = Logger(label: "scoring-tests", factory: { _ in SwiftLogNoOpLogHandler() })

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

final class Harness {
    let dir: URL
    let store: Store
    let clock = ManualClock(t0)
    let engine: Engine<ScoringCore>

    init(rules: ScoringRules = .defaults, jurisdiction: Jurisdiction? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-scoring-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        store = try Store(path: dir.appendingPathComponent("scoring.sqlite").path, service: "scoring", migrations: ScoringCore.migrate)
        engine = try Engine(store: store, clock: clock, logger: quietLogger) { ScoringCore(rules: rules, jurisdiction: jurisdiction) }
    }

    deinit {
        engine.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    /// Hands events over and waits until they are applied and derived.
    func deliver(_ events: [Envelope]) async throws {
        var bySource: [(String, [Envelope])] = []
        for e in events {
            if let last = bySource.last, last.0 == e.header.source { bySource[bySource.count - 1].1.append(e) } else { bySource.append((e.header.source, [e])) }
        }
        for (source, batch) in bySource { engine.deliver(batch, from: source) }
        // The engine takes commands before events: wait until the events are committed, then derive.
        let deadline = ContinuousClock.now + .seconds(20)
        while engine.backlog > 0 {
            guard ContinuousClock.now < deadline else { Issue.record("events not applied within 20 s"); break }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await flush()
    }

    func flush() async throws { _ = try await engine.submit(.flush) }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try store.pool.read(body) }

    func total(_ officer: String) throws -> Double { try read { try ScoringQueries.officerPoints($0, officerId: officer, period: .everything).total } }

    func lines(_ officer: String) throws -> [ScoringQueries.Line] { try read { try ScoringQueries.officerPoints($0, officerId: officer, period: .everything).lines } }

    func ledger() throws -> [ScoringQueries.Line] { try read { try ScoringQueries.ledger($0) } }

    /// The PointsAwarded events scoring published.
    func published() throws -> [PointsAwarded] {
        try store.replay(after: 0, limit: 100_000).events.compactMap { e in
            let h = try EventHeader.decode(e.header)
            guard h.type == PointsAwarded.type else { return nil }
            return try JSONCodec.decoder().decode(PointsAwarded.self, from: Data(e.payload))
        }
    }
}

/// Builds events of one source with gap-free sequence numbers.
final class Source {
    let name: String
    let epoch: String
    var seq: UInt64 = 0
    init(_ name: String, epoch: String = "e1") { self.name = name; self.epoch = epoch }

    func event<P: EventPayload>(_ payload: P) -> Envelope {
        seq += 1
        let header = EventHeader(type: P.type, version: P.version, source: name, epoch: epoch, seq: seq,
                                 time: EventTime.string(payload.eventTime), correlationId: payload.correlationId)
        return Envelope(topic: payload.topic, header: header, payload: Array(try! JSONCodec.encoder().encode(payload)))
    }
}

/// A small vocabulary for writing incidents.
enum Make {
    static func place(grid: String = "G1", station: String = "S1", post: String? = "P1", region: String = "R1") -> IncidentPlace {
        IncidentPlace(coordinate: Coordinate(lat: 36.85, lon: 117.72), address: nil,
                      grid: GridLocation(gridId: grid, stationId: station, postId: post, regionId: region, urban: true))
    }

    static func opened(_ id: String, _ category: Category, at t: Double, callTaker: String = "CT01", grid: String = "G1", station: String = "S1",
                       post: String? = "P1", region: String = "R1") -> IncidentOpened {
        IncidentOpened(incidentId: id, callId: "C-\(id)", channel: .police, category: category, priority: 2,
                       place: place(grid: grid, station: station, post: post, region: region), caller: nil, description: nil,
                       callTaker: callTaker, casualties: 0, partiesConsent: false, enterpriseId: nil, receivedAt: at(t))
    }

    static func assigned(_ id: String, unit: String, officers: [String], at t: Double, kind: UnitKind = .patrolCar, station: String = "S1",
                         region: String = "R1", grid: String = "G1", post: String? = "P1", role: String? = "primary") -> UnitAssigned {
        UnitAssigned(incidentId: id, unitId: unit, callSign: unit, unitKind: kind, officerIds: officers, rule: "grid-nearest", regionId: region,
                     stationId: station, gridId: grid, distanceMeters: 500, etaSeconds: 120, assignedAt: at(t), postId: post, role: role)
    }

    static func field(_ id: String, unit: String, officers: [String], _ stage: FieldStage, at t: Double, outcome: Outcome? = nil,
                      incidentClosed: Bool? = nil, handover: Handover? = nil) -> FieldReported {
        FieldReported(incidentId: id, unitId: unit, officerIds: officers, stage: stage, outcome: outcome, note: nil, regionId: "R1", at: at(t),
                      handover: handover, incidentClosed: incidentClosed)
    }

    static func breached(_ id: String, _ timer: SLATimer, unit: String? = nil, officers: [String] = [], at t: Double) -> SLABreached {
        SLABreached(incidentId: id, unitId: unit, officerIds: officers, timer: timer, regionId: "R1", stationId: "S1",
                    startedAt: at(0), dueAt: at(t), action: "none", at: at(t))
    }

    static func closed(_ id: String, _ outcome: Outcome, openedAt: Double, at t: Double) -> IncidentClosed {
        IncidentClosed(incidentId: id, outcome: outcome, regionId: "R1", stationId: "S1", openedAt: at(openedAt), at: at(t))
    }
}

extension Array where Element == ScoringQueries.Line {
    func rule(_ name: String) -> ScoringQueries.Line? { first { $0.rule == name } }
}
