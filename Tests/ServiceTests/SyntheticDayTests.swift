import Bus
import BusTesting
import DispatchCore
import EventStore
import Foundation
import IntakeCore
import Model
import ServiceKit
import ServiceLifecycle
import TestSupport
import Testing
import Wire
@testable import precinct_dispatch
@testable import precinct_intake

/// One synthetic day of the demo city through intake and dispatch, built in this process on the
/// in-memory transport, on event time: a manual clock moves 7.2 minutes before each of the 200
/// calls, and the test plays the field units in between. Nothing is paced on the wall clock, so
/// a loaded machine changes how long it takes, never what it finds.
@Suite("a synthetic day, in process on event time")
struct SyntheticDayTests {
    static let city = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("cities/demo")

    enum Kind: CaseIterable { case ruralPatrol, urbanPatrol, minor, casualty, consentDispute, dispute }

    @Test func oneSyntheticDay() async throws {
        let jurisdiction = try Jurisdiction.load(from: Self.city)
        let addresses = try AddressBook.load(from: Self.city)
        var rules = try DispatchRules.load(cityDirectory: Self.city, file: nil)
        // The field player answers at once; a long sign-off keeps re-dispatches out of the picture.
        rules.timers.signOff.seconds = 1800
        let clock = ManualClock(EventTime.date("2026-11-21T16:00:00Z")!)  // 00:00 in Zouping
        let hub = MemoryHub()
        let dir = try TempDir("precinct-day")
        func config(_ name: ServiceName) throws -> ServiceConfig {
            var config = try ServiceConfig.defaults(name, environment: [:])
            config.httpPort = 0
            config.dataDirectory = dir.url
            config.cityDirectory = Self.city
            return config
        }
        let memory: TransportFactory = { setup in
            MemoryTransport(
                hub: hub, service: setup.config.instance, log: setup.log,
                follows: setup.follows.map { ($0.source, $0.lastApplied, $0.epoch) }, delegate: setup.delegate)
        }
        let intake = try buildService(
            IntakeService.definition(jurisdiction: jurisdiction, addresses: addresses, rules: try IntakeRules.load(from: Self.city)),
            config: try config(.intake), logger: quietLogger,
            makeLog: { try MemoryEventLog(service: "intake", migrations: IntakeCore.migrate) }, makeTransport: memory, clock: clock, signals: [])
        let dispatch = try buildService(
            DispatchService.definition(jurisdiction: jurisdiction, rules: rules, scope: try RegionScope.parse("", jurisdiction: jurisdiction)),
            config: try config(.dispatch), logger: quietLogger,
            makeLog: { try MemoryEventLog(service: "dispatch", migrations: DispatchCore.migrate) }, makeTransport: memory, clock: clock,
            signals: [])

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await intake.group.run() }
            group.addTask { try await dispatch.group.run() }
            defer { group.cancelAll() }
            try await play(hub: hub, clock: clock, dispatchLog: dispatch.log)
            await intake.group.triggerGracefulShutdown()
            await dispatch.group.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    func play(hub: MemoryHub, clock: ManualClock, dispatchLog: any EventLog) async throws {
        let places = try Self.places()
        let rural = places.filter { !$0.urban }
        let urban = places.filter(\.urban)
        var sent: [(id: String, kind: Kind)] = []
        for i in 0..<200 {
            let kind: Kind =
                switch i % 10 {
                case 0, 1, 2, 3: .ruralPatrol
                case 4, 5: .urbanPatrol
                case 6: .minor
                case 7: .casualty
                case 8: .consentDispute
                default: .dispute
                }
            clock.advance(by: 432)  // 200 calls over 24 hours
            // Shifts change on dispatch's tick (every 250 ms of real time) while this clock runs
            // 432 s a call, so how much of the morning passes before the tick depends on how fast
            // the machine is: wait for the tick that brings the mediators' day shift in.
            let local = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Shanghai")!, from: clock.now())
            if (8..<20).contains(local.hour ?? 0) {
                try await Self.until("the mediators' day shift to start") {
                    try await Self.askList(hub, "dispatch", "unit-board", ["state": "offDuty"]).allSatisfy {
                        !($0["kind"] as? String == "mediatorPair" && $0["offReason"] as? String == "shift")
                    }
                }
            }
            let place = kind == .urbanPatrol ? urban[(i * 7) % urban.count] : rural[(i * 13) % rural.count]
            let call: [String: Any] =
                switch kind {
                case .ruralPatrol, .urbanPatrol: Self.call(["criminal", "publicOrder", "helpRequest"][i % 3], place, ref: "day-\(i)")
                case .minor: Self.call("accidentMinor", place, ref: "day-\(i)", channel: "122")
                case .casualty: Self.call("accidentCasualty", place, ref: "day-\(i)", casualties: 1, channel: "122")
                case .consentDispute: Self.call("dispute", place, ref: "day-\(i)", consent: true)
                case .dispute: Self.call("dispute", place, ref: "day-\(i)")
                }
            let receipt = try await Self.ask(hub, "intake", "call", call)
            guard receipt["outcome"] as? String == "opened", let id = receipt["incidentId"] as? String else { continue }
            sent.append((id, kind))
            // Dispatch assigns; the field units then sign off, arrive, report and close at once.
            try await Self.until("dispatch to assign \(id)") {
                try await Self.answer(hub, "dispatch", "incident", ["id": id])?["assignedAt"] != nil
            }
            let board = try await Self.askList(hub, "dispatch", "unit-board", ["state": "dispatched"])
            let commands = board.flatMap { unit -> [[String: Any]] in
                guard let incident = unit["incidentId"] as? String, let unitId = unit["id"] as? String else { return [] }
                return ["signedOff", "arrived", "feedback", "closed"].map {
                    ["incidentId": incident, "unitId": unitId, "stage": $0, "outcome": "resolvedOnScene"]
                }
            }
            if !commands.isEmpty { _ = try await Self.ask(hub, "dispatch", "field", ["commands": commands]) }
        }
        #expect(sent.count >= 150, "intake must open most of the calls (got \(sent.count))")
        try await Self.until("every incident closed") {
            let stats = try await Self.ask(hub, "dispatch", "stats", [:])
            return stats["incidents"] as? Int == sent.count && stats["incidents_closed"] as? Int == sent.count
        }

        var byKind: [Kind: [[String: Any]]] = [:]
        for (id, kind) in sent { byKind[kind, default: []].append(try await Self.ask(hub, "dispatch", "incident", ["id": id])) }
        func share(_ kind: Kind, _ test: ([String: Any]) -> Bool) -> Double {
            let list = byKind[kind] ?? []
            return list.isEmpty ? 0 : Double(list.filter(test).count) / Double(list.count)
        }
        func primaryRule(_ v: [String: Any]) -> String { v["rule"] as? String ?? "-" }
        func units(_ v: [String: Any]) -> [[String: Any]] { v["units"] as? [[String: Any]] ?? [] }
        let stats = try await Self.ask(hub, "dispatch", "stats", [:])

        // Rural patrol incidents: grid first (most), then neighbours or the station; never a post.
        #expect(share(.ruralPatrol) { ["grid-nearest", "neighbour-grid", "station-fallback"].contains(primaryRule($0)) } == 1)
        #expect(share(.ruralPatrol) { primaryRule($0) == "grid-nearest" } >= 0.6)
        // Urban incidents: the street post.
        #expect(share(.urbanPatrol) { primaryRule($0) == "street-post" } >= 0.9)
        // Minor accidents: a qualified station unit (or the squadron).
        #expect(share(.minor) { ["accident-station", "accident-squadron"].contains(primaryRule($0)) } == 1)
        // Casualty accidents: a station unit and the accident division, together.
        #expect(
            share(.casualty) { v in
                let rules = Set(units(v).compactMap { $0["rule"] as? String })
                return rules.contains("dual-accident-division") && (rules.contains("dual-station") || rules.contains("accident-squadron"))
            } >= 0.9)
        // Disputes: mediators only with consent, and only by day (their shift is 08:00–20:00).
        #expect(share(.dispute) { primaryRule($0) == "mediator-pair" } == 0)
        let local = TimeZone(identifier: "Asia/Shanghai")!
        func hour(_ v: [String: Any]) -> Double {
            let assigned = (units(v).first?["assignedAt"] as? String).flatMap(EventTime.date) ?? .distantPast
            let c = Calendar(identifier: .gregorian).dateComponents(in: local, from: assigned)
            return Double(c.hour ?? 0) + Double(c.minute ?? 0) / 60
        }
        let consent = byKind[.consentDispute] ?? []
        let day = consent.filter { (8.5..<19.5).contains(hour($0)) }
        let night = consent.filter { hour($0) < 7.5 || hour($0) >= 20.5 }
        #expect(!day.isEmpty && !night.isEmpty)
        #expect(Double(day.filter { primaryRule($0) == "mediator-pair" }.count) >= 0.8 * Double(day.count))
        #expect(night.allSatisfy { primaryRule($0) != "mediator-pair" })
        // Every assignment is a row and an event; totals agree with the per-rule counts.
        let distribution = stats.filter { $0.key.hasPrefix("assignments_") }
        #expect(distribution.values.compactMap { $0 as? Int }.reduce(0, +) == stats["assignments"] as? Int)
        #expect(stats["incidentsAssigned"] as? Int == sent.count)
        #expect(try dispatchLog.inbox()["intake"] != nil)
    }

    // MARK: The city and the requests

    struct Place { var lat: Double, lon: Double, urban: Bool }

    /// The demo city's standard addresses; urban are those whose grid is urban (has a post).
    static func places() throws -> [Place] {
        let addresses = try JSONSerialization.jsonObject(with: Data(contentsOf: city.appendingPathComponent("addresses.json"))) as! [String: Any]
        let grids = try JSONSerialization.jsonObject(with: Data(contentsOf: city.appendingPathComponent("grids.geojson"))) as! [String: Any]
        let urban = Set(
            (grids["features"] as! [[String: Any]]).compactMap { feature -> String? in
                let p = feature["properties"] as! [String: Any]
                return (p["urban"] as? Bool) == true ? p["id"] as? String : nil
            })
        return (addresses["addresses"] as! [[String: Any]]).map {
            Place(lat: $0["lat"] as! Double, lon: $0["lon"] as! Double, urban: urban.contains($0["gridId"] as! String))
        }
    }

    static func call(
        _ category: String, _ place: Place, ref: String, consent: Bool = false, casualties: Int = 0, channel: String = "110"
    )
        -> [String: Any]
    {
        [
            "channel": channel, "caller": ["name": "测试", "phone": "1380000\(String(format: "%04d", abs(ref.hashValue) % 10_000))"],
            "location": ["lat": place.lat, "lon": place.lon], "categoryHint": category, "description": "day \(ref)",
            "callTaker": "CT01", "clientRef": ref, "partiesConsent": consent, "casualties": casualties,
        ]
    }

    /// An operation over the hub, as the ROUTER carries it; a non-2xx answer fails the test.
    static func reply(_ hub: MemoryHub, _ service: String, _ op: String, _ body: [String: Any]) async throws -> Data {
        let frames = try await hub.request(
            service, header: RequestHeader(op: op, id: .string(op)),
            body: Array(try JSONSerialization.data(withJSONObject: body)))
        let header = try ReplyHeader(decoding: frames[0])
        try #require(header.ok, "\(service) \(op) → \(header.status) \(String(decoding: frames.last ?? [], as: UTF8.self))")
        return Data(frames[1])
    }

    /// The answer when it is a 2xx, else `nil` (not there yet).
    static func answer(_ hub: MemoryHub, _ service: String, _ op: String, _ body: [String: Any]) async throws -> [String: Any]? {
        let frames = try await hub.request(
            service, header: RequestHeader(op: op, id: .string(op)),
            body: Array(try JSONSerialization.data(withJSONObject: body)))
        guard try ReplyHeader(decoding: frames[0]).ok else { return nil }
        return try JSONSerialization.jsonObject(with: Data(frames[1])) as? [String: Any]
    }

    static func ask(_ hub: MemoryHub, _ service: String, _ op: String, _ body: [String: Any]) async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try await reply(hub, service, op, body)) as? [String: Any] ?? [:]
    }

    static func askList(_ hub: MemoryHub, _ service: String, _ op: String, _ body: [String: Any]) async throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: try await reply(hub, service, op, body)) as? [[String: Any]] ?? []
    }

    static func until(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
