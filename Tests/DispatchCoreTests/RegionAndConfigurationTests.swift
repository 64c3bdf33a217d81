import DispatchCore
import EventStore
import Foundation
import Model
import Testing

@Suite("regions (--regions)")
struct RegionTests {
    @Test("an instance applies only its regions' incidents and uses only its regions' units")
    func regionFilter() async throws {
        let h = try Harness(regions: ["R5"])
        let outside = try await h.open(.criminal, at: Harness.point(in: "G001"))  // R1
        #expect(try await h.queries.incident(id: outside) == nil)
        #expect(try h.assigned(outside).isEmpty)
        // The inbox still advanced past it.
        #expect(try h.store.inbox()["intake"]?.seq == 1)

        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let inside = try await h.open(.criminal, at: r5grid.polygon.centroid)
        let a = try #require(try h.assigned(inside).first)
        #expect(demo.regionId(of: demo.units.first { $0.id == a.unitId }!) == "R5")

        // The accident division has no region: the instance listing `city` sends it (the city desk,
        // IncidentRulesTests.cityWideAcrossInstances); this one no longer queues it forever.
        let accident = try await h.open(.accidentCasualty, at: r5grid.polygon.centroid, casualties: 1)
        #expect(try h.assigned(accident).map(\.rule) == ["dual-station"])
        #expect(try !h.events(IncidentQueued.self).contains { $0.incidentId == accident && $0.need == "accidentDivision" })
        // Units of other regions cannot be commanded here.
        let (_, refused) = try await h.units([UnitReport(unitId: "U001", duty: .offDuty)])
        #expect(refused.first?.field == "unitId")
    }

    @Test("R5 with all its units busy queues rather than borrowing another region's")
    func noBorrowing() async throws {
        let h = try Harness(regions: ["R5", "city"])
        try await h.signOut(unitIds { demo.regionId(of: $0) == "R5" })
        let grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" })
        let id = try await h.open(.criminal, at: grid.polygon.centroid)
        #expect(try h.assigned(id).isEmpty)
        #expect(try await h.queries.queue().map(\.incidentId) == [id])
    }

    @Test("--regions is parsed and checked against the city")
    func parse() throws {
        #expect(try RegionScope.parse("R1, R2", jurisdiction: demo) == RegionScope(["R1", "R2"]))
        #expect(try RegionScope.parse(nil, jurisdiction: demo) == .all)
        #expect(try RegionScope.parse("", jurisdiction: demo) == .all)
        #expect(try RegionScope.parse("R1,unlocated,city", jurisdiction: demo).regions == ["R1", "unlocated", "city"])
        #expect(throws: ConfigurationError.self) { try RegionScope.parse("R1,R9", jurisdiction: demo) }
    }
}

@Suite("configuration files")
struct ConfigurationTests {
    func copyCity() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("precinct-city-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: demoCity, to: dir)
        return dir
    }

    @Test("the demo city and its dispatch rules load; the shipped rules are the documented defaults")
    func demoLoads() throws {
        let rules = try DispatchRules.load(cityDirectory: demoCity)
        #expect(rules == .defaults)
        #expect(demo.units.count == 105)
        #expect(demo.officers.values.contains { $0.roles.contains(.schoolChief) && $0.team == .communityPolicing })
        #expect(Set(demo.units.map(\.kind)) == Set(UnitKind.allCases))
    }

    @Test("an invalid jurisdiction fails naming the file, the record and the problem")
    func invalidJurisdiction() throws {
        let dir = try copyCity()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("jurisdiction.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: #""shift": {"start": "08:00", "end": "20:00"}"#, with: #""shift": {"start": "8h", "end": "20:00"}"#)
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try Jurisdiction.load(from: dir)
            Issue.record("a malformed shift must be refused")
        } catch let e as ConfigurationError {
            #expect(e.file == "jurisdiction.json")
            #expect(e.record?.hasPrefix("unit U") == true)
            #expect(e.problem.contains("shift"))
        }
    }

    @Test("an invalid dispatch-rules.json fails naming the file, the record and the problem")
    func invalidRules() throws {
        let dir = try copyCity()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("dispatch-rules.json")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(
            of: #""signOff": {"seconds": 90, "warnBefore": 30}"#,
            with: #""signOff": {"seconds": 90, "warnBefore": 120}"#)
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try DispatchRules.load(cityDirectory: dir)
            Issue.record("warnBefore ≥ seconds must be refused")
        } catch let e as ConfigurationError {
            #expect(e.file == "dispatch-rules.json" && e.record == "timers.signOff" && e.problem.contains("warnBefore"))
        }
        try "{\"timers\": 1}".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try DispatchRules.load(cityDirectory: dir) }
        // No file: the defaults.
        try FileManager.default.removeItem(at: url)
        #expect(try DispatchRules.load(cityDirectory: dir) == .defaults)
    }
}

@Suite("read API and metrics")
struct ReadAPITests {
    @Test("open incidents by region and station, unit board, queue, timeline, metrics")
    func reads() async throws {
        let h = try Harness()
        let a = try await h.open(.criminal, at: Harness.point(in: "G001"))
        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let b = try await h.open(.helpRequest, at: r5grid.polygon.centroid)
        let open = try await h.queries.incidents(IncidentListQuery()).incidents
        #expect(Set(open.map(\.id)) == [a, b])
        #expect(try await h.queries.incidents(IncidentListQuery(region: "R1")).incidents.map(\.id) == [a])
        #expect(try await h.queries.incidents(IncidentListQuery(station: r5grid.stationId)).incidents.map(\.id) == [b])
        let unit = try #require(try h.assigned(a).first).unitId
        let board = try await h.queries.unitBoard(UnitBoardQuery(state: "dispatched"))
        #expect(Set(board.map(\.id)) == Set(try h.assigned(a).map(\.unitId) + h.assigned(b).map(\.unitId)))
        #expect(board.first { $0.id == unit }?.incidentId == a)
        #expect(try await h.queries.unitBoard(UnitBoardQuery(region: "R1")).allSatisfy { $0.regionId == "R1" })
        try await h.field(a, unit, .arrived)
        let timeline = try #require(try await h.queries.timeline(id: a)).timeline.map(\.kind)
        #expect(timeline.starts(with: ["opened"]))
        #expect(timeline.contains("assigned") && timeline.contains("notified") && timeline.last == "arrived")
        let view = try #require(try await h.queries.incident(id: a))
        #expect(view.unitId == unit && view.rule == "grid-nearest" && view.units.first?.callSign != nil)
        #expect(Set(view.timers.map(\.timer)) == ["signOff", "arrival", "firstFeedback", "close"])
        #expect(h.recorded.rules.count == 2)
        let stats = try await h.queries.stats()
        #expect(stats["incidents"] == 2 && stats["incidentsAssigned"] == 2 && stats["assignments"] == 2 && stats["queue"] == 0)
        #expect(stats["assignments_grid-nearest"] == 2, "both incidents are rural: grid first")
    }
}
