import EventStore
import Foundation
import GRDB
@testable import IntakeCore
import Model
import Testing
import TestSupport
import Wire

// An IntakeCore on TestSupport's CoreHarness (a real engine, a temporary SQLite store, a manual
// clock): the same transactions the service runs, without sockets.

let t0 = EventTime.date("2026-11-22T08:00:00.000Z")!

enum Demo {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("cities/demo")
    static let jurisdiction = try! Jurisdiction.load(from: directory)
    static let addresses = try! AddressBook.load(from: directory)
    static let rules = try! IntakeRules.load(from: directory)
    /// A point in the urban grid of demo call 1 (黛溪, post P1).
    static let urban = Coordinate(lat: 36.855746, lon: 117.723495)
    /// A standard address from addresses.json, with its grid.
    static let address: (text: String, gridId: String, lat: Double, lon: Double) = {
        struct File: Decodable {
            struct E: Decodable {
                var address: String
                var lat: Double
                var lon: Double
                var gridId: String
            }
            var addresses: [E]
        }
        let f = try! JSONDecoder().decode(File.self, from: Data(contentsOf: directory.appendingPathComponent("addresses.json")))
        let e = f.addresses[0]
        return (e.address, e.gridId, e.lat, e.lon)
    }()
}

final class Harness {
    let core: CoreHarness<IntakeCore>
    private let dispatch = EventSource("dispatch", epoch: "d1")

    var engine: Engine<IntakeCore> { core.engine }
    var clock: ManualClock { core.clock }
    /// The read API the service answers with.
    var queries: IntakeQueries { IntakeQueries(reader: StateReader(core.store), jurisdiction: Demo.jurisdiction, callerKey: callerKey) }
    /// The deployment's secret for callers' keyed hashes.
    let callerKey = CallerKey.ephemeral()

    init(rules: IntakeRules = Demo.rules, personalData: PersonalDataRetention = PersonalDataRetention()) throws {
        let key = callerKey
        core = try CoreHarness(service: "intake", start: t0) {
            IntakeCore(jurisdiction: Demo.jurisdiction, addresses: Demo.addresses, rules: rules, callerKey: key, personalData: personalData)
        }
    }

    @discardableResult
    func call(_ request: CallRequest) async throws -> IntakeCore.Reply {
        try await engine.submit(.call(request))
    }

    /// The receipt of an accepted call; records an issue otherwise.
    func accepted(_ request: CallRequest, sourceLocation: SourceLocation = #_sourceLocation) async throws -> CallReceipt {
        let reply = try await call(request)
        guard case .accepted(let receipt) = reply else {
            Issue.record("expected the call to be accepted, got \(reply)", sourceLocation: sourceLocation)
            throw TestFailure()
        }
        return receipt
    }

    /// The rejection of a call; records an issue otherwise.
    func rejected(_ request: CallRequest, sourceLocation: SourceLocation = #_sourceLocation) async throws -> (callId: String, FieldError) {
        let reply = try await call(request)
        guard case .rejected(let callId, let problem, _) = reply else {
            Issue.record("expected the call to be rejected, got \(reply)", sourceLocation: sourceLocation)
            throw TestFailure()
        }
        return (callId, problem)
    }

    /// Every event in the outbox.
    func events() throws -> [(topic: String, header: EventHeader, payload: [UInt8])] {
        try core.store.replay(after: 0, limit: 10_000).events.map {
            (String(decoding: $0.topic, as: UTF8.self), try EventHeader.decode($0.header), $0.payload)
        }
    }

    func payloads<P: EventPayload>(_ type: P.Type) throws -> [P] { try core.published(type) }

    func read<T>(_ body: (Database) throws -> T) throws -> T { try core.read(body) }

    func stats() throws -> [String: Int] { try read { try IntakeSQL.stats($0) } }

    /// Delivers a dispatch field report as if it came over the bus, and waits until it is applied.
    func dispatchReports(_ incidentId: String, stage: FieldStage, outcome: Model.Outcome? = nil) async throws {
        let report = FieldReported(
            incidentId: incidentId, unitId: "U001", officerIds: ["O0001"], stage: stage, outcome: outcome, note: nil,
            regionId: "R1", at: clock.now())
        await core.deliver([dispatch.event(report)])
    }
}

struct TestFailure: Error {}

func call(
    _ channel: Channel = .police, phone: String? = "13800000001", at c: Coordinate? = Demo.urban, address: String? = nil,
    hint: Category? = .dispute, description: String? = "邻里纠纷", callTaker: String? = "CT01", casualties: Int? = nil,
    receivedAt: Date? = nil, enterpriseId: String? = nil, clientRef: String? = nil
) -> CallRequest {
    CallRequest(
        channel: channel, caller: phone.map { Caller(name: "测试", phone: $0) },
        location: (c == nil && address == nil) ? nil : CallLocation(lat: c?.lat, lon: c?.lon, address: address),
        categoryHint: hint, description: description, receivedAt: receivedAt, callTaker: callTaker, casualties: casualties,
        enterpriseId: enterpriseId, clientRef: clientRef)
}

/// A point `meters` north of `c`.
func north(of c: Coordinate, _ meters: Double) -> Coordinate {
    Coordinate(lat: c.lat + meters / 111_320, lon: c.lon)
}
