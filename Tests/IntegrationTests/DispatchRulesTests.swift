import Bus
import Foundation
import Model
import Testing
import Wire

/// Issue 15 (Rules), dispatch's points, through the real processes: missed timers escalate and are
/// charged, a silent crew is unreachable until it reports back in, a saturated region borrows, and
/// the city desk serves another instance's region with the accident division.
@Suite(.serialized, .processLevel)
struct DispatchRulesTests {
    static func units(_ base: String, _ query: String = "") async throws -> [[String: Any]] {
        let (status, body) = try await HTTPClient.get("\(base)/v1/units\(query)")
        guard status == 200, let list = try JSONSerialization.jsonObject(with: body) as? [[String: Any]] else {
            throw ClusterError("GET /v1/units\(query) → \(status)")
        }
        return list
    }

    static func dispatchEvents(_ cluster: Cluster, _ name: String = "dispatch") async throws -> [(type: String, payload: [String: Any])] {
        let context = try ZMQContext()
        let (_, events) = try await replay(context: context, router: cluster.endpoint(name, "router"), source: name)
        // The requests' audit records (docs/security.md) are not dispatch's decisions.
        return try events.filter { $0.header.type != "audit" }.map { e in
            (e.header.type, (try JSONSerialization.jsonObject(with: Data(e.payload)) as? [String: Any]) ?? [:])
        }
    }

    @Test func missedTimersEscalateAndASilentCrewIsUnreachableUntilItReportsBackIn() async throws {
        let rules = try DispatchServiceTests.rulesFile { r in
            r["timers"] = [
                "signOff": ["seconds": 4, "warnBefore": 1], "firstFeedback": ["seconds": 3, "warnBefore": 1],
                "close": ["seconds": 3600, "warnBefore": 60], "arrival": ["warnBefore": 60, "fallbackMinutes": 15],
            ]
            r["shifts"] = ["enforce": false, "timeZone": "Asia/Shanghai"]
            r["overdue"] = ["arrivalAction": "offer", "centreAfterSeconds": 3]
        }
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", rules]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try cluster.start("scoring")
        try await cluster.waitReady(["dispatch", "intake", "scoring"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let scoring = try await cluster.http("scoring")

        let place = try #require(DispatchServiceTests.addresses.first { !DispatchServiceTests.urbanGrids.contains($0.grid) })
        let id =
            try await DispatchServiceTests.post("\(intake)/v1/calls", DispatchServiceTests.call("helpRequest", place.lat, place.lon, ref: "r-1"))[
                "incidentId"] as! String
        var first: String?
        try await eventually("dispatch to assign \(id)", timeout: .seconds(60)) {
            first = try await DispatchServiceTests.incident(dispatch, id)?["unitId"] as? String
            return first != nil
        }
        let silent = try #require(first)

        // Nobody signs off: the crew is released and unreachable, and the board says why.
        try await eventually("\(silent) to be unreachable", timeout: .seconds(60)) {
            let entry = try await Self.units(dispatch).first { $0["id"] as? String == silent }
            return entry?["state"] as? String == "offDuty" && entry?["offReason"] as? String == "missedSignOff"
        }
        // No feedback: the station's duty chief, then the centre, on the incident's read API.
        try await eventually("the feedback escalations of \(id)", timeout: .seconds(60)) {
            let view = try await DispatchServiceTests.incident(dispatch, id)
            let levels = (view?["escalations"] as? [[String: Any]] ?? []).filter { $0["reason"] as? String == "firstFeedbackOverdue" }
            return levels.compactMap { $0["level"] as? Int } == [1, 2]
        }
        // The breaches name whom they charge.
        let events = try await Self.dispatchEvents(cluster)
        let signOff = try #require(events.first { $0.type == "sla.breached" && $0.payload["timer"] as? String == "signOff" }?.payload)
        #expect(signOff["unitIds"] as? [String] == [silent] && !(signOff["officerIds"] as? [String] ?? []).isEmpty)
        let feedback = try #require(events.first { $0.type == "sla.breached" && $0.payload["timer"] as? String == "firstFeedback" }?.payload)
        #expect(feedback["action"] as? String == "escalated" && !(feedback["unitIds"] as? [String] ?? []).isEmpty, "\(feedback)")
        #expect(events.contains { $0.type == "dispatch.notified" && $0.payload["reason"] as? String == "firstFeedbackOverdue" })

        // Points never reward failure: the released crew's officers lose points and earn no base points.
        let officer = try #require((signOff["officerIds"] as? [String])?.first)
        var lines: [[String: Any]] = []
        try await eventually("scoring to charge \(officer) for the missed sign-off", timeout: .seconds(60)) {
            let points = try await HTTPClient.getObject("\(scoring)/v1/officers/\(officer)/points?period=all")
            lines = (points["lines"] as? [[String: Any]] ?? []).filter { $0["incidentId"] as? String == id }
            return lines.contains { $0["rule"] as? String == "signOff.breached" }
        }
        #expect(!lines.contains { $0["rule"] as? String == "dispatched" }, "\(lines)")

        // The crew reports back in: reachable again.
        let back = try await DispatchServiceTests.post("\(dispatch)/v1/units", ["units": [["unitId": silent, "duty": "onDuty"]]])
        #expect(back["accepted"] as? Int == 1, "\(back)")
        let entry = try #require(try await Self.units(dispatch).first { $0["id"] as? String == silent })
        #expect(entry["offReason"] as? String != "missedSignOff" && entry["state"] as? String != "offDuty", "\(entry)")
        // A crew already on duty reporting in is accepted as it is.
        let free = try #require(try await Self.units(dispatch, "?state=available").first?["id"] as? String)
        let again = try await DispatchServiceTests.post("\(dispatch)/v1/units", ["units": [["unitId": free, "duty": "onDuty"]]])
        #expect(again["accepted"] as? Int == 1 && (again["refused"] as? [Any] ?? []).isEmpty, "\(again)")
    }

    /// The one arrival promise end to end: the grid's fastest response point (1 minute in the
    /// demo city's G033), dispatch's breach naming the unit, the duty chief told, the nearest free
    /// unit offered, and scoring charging the named unit's officers.
    @Test func aMissedArrivalPromiseIsChargedAndAnswered() async throws {
        let rules = try DispatchServiceTests.rulesFile { r in r["shifts"] = ["enforce": false, "timeZone": "Asia/Shanghai"] }
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", rules]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try cluster.start("scoring")
        try await cluster.waitReady(["dispatch", "intake", "scoring"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")
        let scoring = try await cluster.http("scoring")

        let city = try Jurisdiction.load(from: Cluster.packageRoot.appendingPathComponent("cities/demo"))
        let place = try #require(DispatchServiceTests.addresses.first { city.responseMinutes(grid: $0.grid) == 1 })
        let id =
            try await DispatchServiceTests.post("\(intake)/v1/calls", DispatchServiceTests.call("publicOrder", place.lat, place.lon, ref: "a-1"))[
                "incidentId"] as! String
        var unit: String?
        try await eventually("dispatch to assign \(id)", timeout: .seconds(60)) {
            unit = try await DispatchServiceTests.incident(dispatch, id)?["unitId"] as? String
            return unit != nil
        }
        let sent = try #require(unit)
        let signed = try await DispatchServiceTests.post(
            "\(dispatch)/v1/field", ["commands": [["incidentId": id, "unitId": sent, "stage": "signedOff"]]])
        #expect(signed["accepted"] as? Int == 1, "\(signed)")

        var breach: [String: Any]?
        try await eventually("the arrival promise (60 s) to be missed", timeout: .seconds(120)) {
            breach = try await Self.dispatchEvents(cluster).first { $0.type == "sla.breached" && $0.payload["timer"] as? String == "arrival" }?
                .payload
            return breach != nil
        }
        let missed = try #require(breach)
        #expect(missed["unitIds"] as? [String] == [sent] && missed["action"] as? String == "offered", "\(missed)")
        let events = try await Self.dispatchEvents(cluster)
        #expect(events.contains { $0.type == "dispatch.notified" && $0.payload["reason"] as? String == "arrivalOverdue" })
        #expect(events.contains { $0.type == "dispatch.reinforced" && $0.payload["action"] as? String == "offered" })
        let view = try #require(try await DispatchServiceTests.incident(dispatch, id))
        #expect((view["escalations"] as? [[String: Any]] ?? []).contains { $0["reason"] as? String == "arrivalOverdue" })
        // scoring charges the officers the breach names.
        let officer = try #require((missed["officerIds"] as? [String])?.first)
        try await eventually("scoring to charge \(officer) for the missed arrival", timeout: .seconds(60)) {
            let points = try await HTTPClient.getObject("\(scoring)/v1/officers/\(officer)/points?period=all")
            return (points["lines"] as? [[String: Any]] ?? []).contains {
                $0["incidentId"] as? String == id && $0["rule"] as? String == "arrival.breached"
            }
        }
    }

    @Test func aSaturatedRegionBorrowsFromItsNeighbour() async throws {
        let rules = try DispatchServiceTests.rulesFile { r in
            r["queue"] = ["escalateAfterSeconds": 2]
            r["shifts"] = ["enforce": false, "timeZone": "Asia/Shanghai"]
            r["borrowing"] = ["enabled": true, "maxDistanceMeters": 200_000]
        }
        defer { try? FileManager.default.removeItem(atPath: rules) }
        let cluster = try Cluster(extraArguments: ["dispatch": ["--rules", rules]])
        defer { cluster.stopAll() }
        try cluster.start("intake")
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch", "intake"])
        let intake = try await cluster.http("intake")
        let dispatch = try await cluster.http("dispatch")

        // Every unit of R5 goes off duty (PTU teams are the city's, not R5's).
        let r5 = try await Self.units(dispatch, "?region=R5").filter { $0["kind"] as? String != "ptu" }.map { $0["id"] as! String }
        #expect(!r5.isEmpty)
        let out = try await DispatchServiceTests.post("\(dispatch)/v1/units", ["units": r5.map { ["unitId": $0, "duty": "offDuty"] }])
        #expect(out["accepted"] as? Int == r5.count, "\(out)")

        let id =
            try await DispatchServiceTests.post("\(intake)/v1/calls", DispatchServiceTests.call("criminal", 36.8791, 117.788218, ref: "b-1"))[
                "incidentId"] as! String
        var lent: [String: Any]?
        try await eventually("a neighbouring region to lend a unit to \(id)", timeout: .seconds(60)) {
            let view = try await DispatchServiceTests.incident(dispatch, id)
            lent = DispatchServiceTests.units(view ?? [:]).first { $0["rule"] as? String == "borrowed-neighbour" }
            return lent != nil
        }
        let unit = try #require(lent?["unitId"] as? String)
        #expect(!r5.contains(unit))
        let board = try #require(try await Self.units(dispatch).first { $0["id"] as? String == unit })
        #expect(board["onLoanToRegionId"] as? String == "R5", "\(board)")
        let events = try await Self.dispatchEvents(cluster)
        #expect(events.contains { $0.type == "dispatch.escalated" && $0.payload["level"] as? Int == 2 && $0.payload["incidentId"] as? String == id })
        #expect(
            events.contains {
                $0.type == "dispatch.reinforced" && $0.payload["reason"] as? String == "borrowed" && $0.payload["unitId"] as? String == unit
            })
    }

    /// intake's side (publishing `incident.upgraded` on a merged call) is another branch: a fake
    /// intake plays it here, so dispatch's side runs as a real process on real sockets.
    @Test func anUpgradedIncidentGetsTheAccidentDivisionAtOnce() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let context = try ZMQContext()
        let fake = try SocketThread(name: "fake-intake") {
            try FakeSourceLoop(context: context, name: "intake", pub: cluster.endpoint("intake", "pub"), router: cluster.endpoint("intake", "router"))
        }
        defer { fake.stop() }
        try cluster.start("dispatch")
        try await cluster.waitReady(["dispatch"])
        let dispatch = try await cluster.http("dispatch")

        let city = try Jurisdiction.load(from: Cluster.packageRoot.appendingPathComponent("cities/demo"))
        let point = Coordinate(lat: 36.954935, lon: 117.764576)
        let grid = try #require(city.locate(point))
        let encoder = JSONCodec.encoder()
        func json<P: Encodable>(_ payload: P) throws -> String { String(decoding: try encoder.encode(payload), as: UTF8.self) }
        let opened = try json(
            IncidentOpened(
                incidentId: "I-UP", callId: "C-UP-1", channel: .police, category: .accidentMinor, priority: 2,
                place: IncidentPlace(coordinate: point, address: nil, grid: grid), caller: nil, description: "两车刮擦", callTaker: "CT01",
                casualties: 0, partiesConsent: false, enterpriseId: nil, receivedAt: Date()))
        // Published until dispatch has it (its SUB may still be joining; replay fills any gap).
        try await eventually("dispatch to assign the minor accident", timeout: .seconds(60)) {
            if try await DispatchServiceTests.incident(dispatch, "I-UP") == nil {
                fake.execute {
                    $0.publish(topic: "incident.opened.\(grid.regionId)", type: "incident.opened", version: 1, payload: opened, correlationId: "I-UP")
                }
            }
            return !DispatchServiceTests.units(try await DispatchServiceTests.incident(dispatch, "I-UP") ?? [:]).isEmpty
        }
        #expect(DispatchServiceTests.units(try await DispatchServiceTests.incident(dispatch, "I-UP")!).map { $0["role"] as? String } == ["primary"])

        let upgraded = try json(
            IncidentUpgraded(
                incidentId: "I-UP", callId: "C-UP-2", category: nil, priority: 1, major: nil, casualties: 2,
                reason: "casualties reported by a repeat call", regionId: grid.regionId, upgradedAt: Date()))
        fake.execute {
            $0.publish(topic: "incident.upgraded.\(grid.regionId)", type: "incident.upgraded", version: 1, payload: upgraded, correlationId: "I-UP")
        }
        var view: [String: Any] = [:]
        try await eventually("dispatch to send the accident division", timeout: .seconds(60)) {
            view = try await DispatchServiceTests.incident(dispatch, "I-UP") ?? [:]
            return DispatchServiceTests.units(view).contains { $0["role"] as? String == "accidentDivision" }
        }
        #expect(view["priority"] as? Int == 1)
        #expect(DispatchServiceTests.units(view).first { $0["role"] as? String == "accidentDivision" }?["kind"] as? String == "accidentDivision")
        let events = try await Self.dispatchEvents(cluster)
        let applied = try #require(events.first { $0.type == "dispatch.upgraded" }?.payload)
        #expect(applied["needsAdded"] as? [String] == ["accidentDivision"] && applied["casualties"] as? Int == 2, "\(applied)")
    }

    @Test func theCityDeskSendsTheAccidentDivisionToAnotherInstancesRegion() async throws {
        let cluster = try Cluster()
        defer { cluster.stopAll() }
        let city = Cluster.packageRoot.appendingPathComponent("cities/demo").path
        func common(_ name: String) -> [String] {
            [
                "--data-dir", cluster.dataDir.path, "--http-port", "0", "--city", city, "--heartbeat-ms", "100",
                "--bind-pub", cluster.endpoint(name, "pub"), "--bind-router", cluster.endpoint(name, "router"),
            ]
        }
        let intakeEndpoints = ["--intake-pub", cluster.endpoint("intake", "pub"), "--intake-router", cluster.endpoint("intake", "router")]
        try cluster.start(
            "dispatch", as: "dispatch-north",
            arguments: common("dispatch-north") + intakeEndpoints + ["--instance", "dispatch-north", "--regions", "R1,R2,R3"])
        try cluster.start(
            "dispatch", as: "dispatch-south",
            arguments: common("dispatch-south") + intakeEndpoints + ["--instance", "dispatch-south", "--regions", "R4,R5,city,unlocated"])
        try cluster.start(
            "intake", as: "intake",
            arguments: common("intake") + [
                "--dispatch-pub",
                "dispatch-north=\(cluster.endpoint("dispatch-north", "pub")),dispatch-south=\(cluster.endpoint("dispatch-south", "pub"))",
                "--dispatch-router",
                "dispatch-north=\(cluster.endpoint("dispatch-north", "router")),dispatch-south=\(cluster.endpoint("dispatch-south", "router"))",
            ])
        try await cluster.waitReady(["intake", "dispatch-north", "dispatch-south"])
        let intake = try await cluster.http("intake")
        let north = try await cluster.http("dispatch-north")
        let south = try await cluster.http("dispatch-south")

        // A casualty accident in R1 (north's region).
        let id =
            try await DispatchServiceTests.post(
                "\(intake)/v1/calls",
                DispatchServiceTests.call("accidentCasualty", 36.954935, 117.764576, ref: "c-1", casualties: 1, channel: "122"))["incidentId"]
            as! String
        var northView: [String: Any]?
        var deskView: [String: Any]?
        try await eventually("north to send its station unit and the city desk the accident division", timeout: .seconds(60)) {
            northView = try await DispatchServiceTests.incident(north, id)
            deskView = try await DispatchServiceTests.incident(south, id)
            return !DispatchServiceTests.units(northView ?? [:]).isEmpty && !DispatchServiceTests.units(deskView ?? [:]).isEmpty
        }
        let northUnits = DispatchServiceTests.units(northView!)
        let deskUnits = DispatchServiceTests.units(deskView!)
        #expect(northUnits.map { $0["rule"] as? String } == ["dual-station"], "\(northUnits)")
        #expect(deskUnits.map { $0["rule"] as? String } == ["dual-accident-division"], "\(deskUnits)")
        #expect(deskUnits.first?["kind"] as? String == "accidentDivision")
        // North queues nothing for it, and cannot command the division.
        let (_, queue) = try await HTTPClient.get("\(north)/v1/queue")
        #expect((try JSONSerialization.jsonObject(with: queue) as? [Any])?.isEmpty == true)
        let division = deskUnits.first!["unitId"] as! String
        let (status, _) = try await HTTPClient.request("POST", "\(north)/v1/units", json: ["units": [["unitId": division, "duty": "offDuty"]]])
        #expect(status != 200)
        // The desk counts no incident of another region as its own.
        let stats = try await HTTPClient.getObject("\(south)/v1/stats")
        #expect(stats["incidents"] as? Int == 0 && stats["assignments"] as? Int == 1, "\(stats)")

        // The desk hears the end from intake: with every other division unit off duty, a second
        // R1 accident (grid G006, far enough not to merge) has its division need wait on the desk; north closes the incident; the need goes.
        let others = ["U099", "U100", "U101"].filter { $0 != division }
        let (offStatus, _) = try await HTTPClient.request(
            "POST", "\(south)/v1/units", json: ["units": others.map { ["unitId": $0, "duty": "offDuty"] }])
        #expect(offStatus == 200)
        let second =
            try await DispatchServiceTests.post(
                "\(intake)/v1/calls",
                DispatchServiceTests.call("accidentCasualty", 36.976157, 117.765367, ref: "c-2", casualties: 1, channel: "122"))["incidentId"]
            as! String
        func deskQueue() async throws -> [[String: Any]] {
            let (_, body) = try await HTTPClient.get("\(south)/v1/queue")
            return try JSONSerialization.jsonObject(with: body) as? [[String: Any]] ?? []
        }
        var stationUnit: String?
        try await eventually("north to send its station unit and the desk to queue the division need", timeout: .seconds(60)) {
            stationUnit = DispatchServiceTests.units(try await DispatchServiceTests.incident(north, second) ?? [:]).first?["unitId"] as? String
            let queued = try await deskQueue()
            return stationUnit != nil && queued.contains { $0["incidentId"] as? String == second }
        }
        for stage in ["signedOff", "arrived", "closed"] {
            var command: [String: Any] = ["incidentId": second, "unitId": stationUnit!, "stage": stage]
            if stage == "closed" { command["outcome"] = "resolvedOnScene" }
            let (fieldStatus, fieldBody) = try await HTTPClient.request("POST", "\(north)/v1/field", json: ["commands": [command]])
            #expect(fieldStatus == 200, "\(stage): \(String(decoding: fieldBody, as: UTF8.self))")
        }
        try await eventually("the desk to drop the ended incident's waiting need", timeout: .seconds(60)) {
            let queued = try await deskQueue()
            return !queued.contains { $0["incidentId"] as? String == second }
        }
    }
}
