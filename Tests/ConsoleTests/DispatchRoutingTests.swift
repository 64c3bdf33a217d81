import Foundation
import Model
import Testing

@testable import precinct_console

/// Which dispatch instance the console sends an action to (docs/dispatch.md, "Several instances"):
/// the set-up of DispatchInstancesTests, north R1–R3, south R4, R5, the city desk and unlocated.
@Suite struct DispatchRoutingTests {
    let routing = try! DispatchRouting.parse(
        names: ["dispatch-north", "dispatch-south"], regions: ["dispatch-north=R1,R2,R3", "dispatch-south=R4,R5,city,unlocated"])

    @Test func anActionGoesToTheInstanceServingTheIncidentsRegion() throws {
        #expect(try routing.instance(incidentRegion: "R2") == "dispatch-north")
        #expect(try routing.instance(incidentRegion: "R5") == "dispatch-south")
        #expect(try routing.instance(incidentRegion: "unlocated") == "dispatch-south")
    }

    @Test func sendingACityWideUnitGoesThroughTheCityDesk() throws {
        #expect(try routing.instance(incidentRegion: "R1", sendsCityWideUnit: true) == "dispatch-south")
        #expect(try routing.instance(incidentRegion: "R1", sendsCityWideUnit: false) == "dispatch-north")
    }

    @Test func aRegionNobodyServesIsRefusedByName() {
        #expect(throws: DispatchRouting.Refusal(field: "id", message: "no dispatch instance serves region R9")) {
            try routing.instance(incidentRegion: "R9")
        }
    }

    @Test func anInstanceWithoutRegionsServesTheRest() throws {
        let partial = try DispatchRouting.parse(names: ["dispatch-a", "dispatch-b"], regions: ["dispatch-a=R1"])
        #expect(try partial.instance(incidentRegion: "R1") == "dispatch-a")
        #expect(try partial.instance(incidentRegion: "R4") == "dispatch-b")
        #expect(try DispatchRouting.single.instance(incidentRegion: "R3") == "dispatch")
    }

    @Test func anEscalationGoesBackToTheInstanceThatRaisedIt() throws {
        #expect(try routing.instance(escalationId: "dispatch-north-1043") == "dispatch-north")
        #expect(try routing.instance(escalationId: "dispatch-south-7") == "dispatch-south")
        let nested = try DispatchRouting.parse(names: ["dispatch", "dispatch-2"], regions: [])
        #expect(try nested.instance(escalationId: "dispatch-2-15") == "dispatch-2")
        #expect(try nested.instance(escalationId: "dispatch-15") == "dispatch")
        #expect(throws: DispatchRouting.Refusal.self) { try routing.instance(escalationId: "intake-4") }
    }

    @Test func regionsOfAnInstanceTheEndpointsDoNotNameAreAnError() {
        #expect(throws: DispatchRouting.Refusal.self) {
            try DispatchRouting.parse(names: ["dispatch"], regions: ["dispatch-west=R1"])
        }
        #expect(throws: DispatchRouting.Refusal.self) { try DispatchRouting.parse(names: ["dispatch"], regions: ["R1,R2"]) }
        // Several instances in one value (the environment variable's form).
        let both = try? DispatchRouting.parse(names: ["n", "s"], regions: ["n=R1; s=R2"])
        #expect(both?.instances.map(\.regions) == [["R1"], ["R2"]])
    }

    @Test func theEndpointsNameEachInstanceLikeTheServicesFlags() {
        let peers = Peers(
            endpointsDir: nil,
            given: [
                "dispatch": ["dispatch-north=ipc:///n.pub,dispatch-south=ipc:///s.pub", "dispatch-north=ipc:///n.r,dispatch-south=ipc:///s.r", nil]
            ],
            environment: ["PRECINCT_DISPATCH_URL": "dispatch-north=http://n:8201,dispatch-south=http://s:8201"])
        #expect(peers.instances("dispatch") == ["dispatch-north", "dispatch-south"])
        #expect(peers.endpoint("dispatch", instance: "dispatch-south", "router") == "ipc:///s.r")
        #expect(peers.endpoint("dispatch", instance: "dispatch-north", "http") == "http://n:8201")
        // One instance, given bare, is the service's own.
        let single = Peers(endpointsDir: nil, given: ["intake": ["tcp://intake:7101", nil, nil]], environment: [:])
        #expect(single.instances("intake") == ["intake"])
        #expect(single.endpoint("intake", "pub") == "tcp://intake:7101")
        #expect(single.endpoint("intake", "http") == "http://127.0.0.1:8101")
    }
}

/// The console's event clock: the services' settings give the services' clock.
@Suite struct ConsoleClockTests {
    @Test func anAcceleratedClockReadsLikeTheServicesFromTheSameAnchor() throws {
        let anchor = Date(timeIntervalSince1970: 1_800_000_000)
        let origin = Date(timeIntervalSince1970: 1_700_000_000)
        let clock = try ConsoleClock.resolve(factor: 60, origin: origin, anchor: anchor, dataDirectory: nil)
        let expected = AcceleratedClock(origin: origin, factor: 60, anchor: anchor).now()
        #expect(abs(clock.now().timeIntervalSince(expected)) < 60)  // within a wall second at 60×
        #expect(clock.factor == 60)
    }

    @Test func theSharedAnchorFileIsReadWhenNoAnchorIsGiven() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("console-clock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("2026-01-01T00:00:00Z\n".utf8).write(to: dir.appendingPathComponent("clock-anchor"))
        let origin = Date(timeIntervalSince1970: 0)
        let clock = try ConsoleClock.resolve(factor: 2, origin: origin, anchor: nil, dataDirectory: dir.path)
        let anchor = try #require(ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z"))
        let expected = AcceleratedClock(origin: origin, factor: 2, anchor: anchor).now()
        #expect(abs(clock.now().timeIntervalSince(expected)) < 2)
    }

    @Test func wallClockUnlessAcceleratedAndAnAcceleratedClockNeedsAnAnchor() throws {
        let plain = try ConsoleClock.resolve(factor: 1, origin: nil, anchor: nil, dataDirectory: nil)
        #expect(abs(plain.now().timeIntervalSinceNow) < 1)
        #expect(throws: (any Error).self) { try ConsoleClock.resolve(factor: 60, origin: nil, anchor: nil, dataDirectory: nil) }
        #expect(throws: (any Error).self) { try ConsoleClock.resolve(factor: 0, origin: nil, anchor: nil, dataDirectory: nil) }
    }
}
