import DispatchCore
import Foundation
import Model
import Testing

/// Every dispatch rule of DOMAIN.md §3.6, through the core in a real engine (issue #5, point 3).
@Suite("dispatch rules")
struct DispatchRuleTests {
    /// A rural grid of the demo city, its station and its patrol units.
    static let rural = "G001"
    static var ruralStation: String { demo.grid(rural)!.stationId }
    static var ruralPatrols: [String] { unitIds { ($0.kind == .patrolCar || $0.kind == .motorcycle) && $0.homeGridId == rural } }
    static var neighbours: [String] {
        let region = demo.stations[ruralStation]!.regionId
        return demo.grid(rural)!.neighbourIds.filter { demo.stations[demo.grid($0)!.stationId]!.regionId == region }
    }

    @Test("grid first: the nearest free patrol of the incident's grid")
    func gridNearest() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.rural))
        let a = try #require(try h.assigned(id).first)
        #expect(a.rule == "grid-nearest")
        #expect(Self.ruralPatrols.contains(a.unitId))
        #expect(a.gridId == Self.rural && a.stationId == Self.ruralStation && a.regionId == "R1")
        #expect(a.etaSeconds == h.rules.travelSeconds(a.distanceMeters, a.unitKind))
        #expect(h.recorded.rules == ["grid-nearest"])
    }

    @Test("then the neighbouring grids, then the station (派出所兜底)")
    func neighbourThenStation() async throws {
        let h = try Harness()
        try await h.signOut(Self.ruralPatrols)
        let first = try await h.open(.publicOrder, at: Harness.point(in: Self.rural))
        let a = try #require(try h.assigned(first).first)
        #expect(a.rule == "neighbour-grid")
        #expect(Self.neighbours.contains(demo.units.first { $0.id == a.unitId }!.homeGridId!))

        let neighbourPatrols = unitIds { ($0.kind == .patrolCar || $0.kind == .motorcycle) && Self.neighbours.contains($0.homeGridId ?? "") }
        try await h.signOut(neighbourPatrols.filter { $0 != a.unitId })
        let second = try await h.open(.publicOrder, at: Harness.point(in: Self.rural))
        let b = try #require(try h.assigned(second).first)
        #expect(b.rule == "station-fallback")
        #expect(demo.units.first { $0.id == b.unitId }!.stationId == Self.ruralStation)
    }

    @Test("urban incidents go to the street post covering them, rural ones to the station")
    func urbanToPost() async throws {
        let h = try Harness()
        let urbanGrid = try #require(demo.grids.first { $0.urban && $0.postId != nil })
        let id = try await h.open(.publicOrder, at: urbanGrid.polygon.centroid)
        let a = try #require(try h.assigned(id).first)
        #expect(a.rule == "street-post")
        #expect(a.postId == urbanGrid.postId)
        let home = try #require(demo.units.first { $0.id == a.unitId }!.homeGridId)
        #expect(demo.grid(home)!.postId == urbanGrid.postId)
        // A rural one stays with its station's grid.
        let rural = try await h.open(.publicOrder, at: Harness.point(in: Self.rural))
        #expect(try h.assigned(rural).first?.postId == nil)
    }

    @Test("minor accident → a station unit holding the accident qualification")
    func minorAccident() async throws {
        let h = try Harness()
        let unqualifiedHere = unitIds { $0.homeGridId == "G002" && !$0.qualifications.contains(.accidentPrimary) }
        #expect(!unqualifiedHere.isEmpty, "the test needs a grid whose patrol lacks the qualification")
        let id = try await h.open(.accidentMinor, at: Harness.point(in: "G002"))
        let assigned = try h.assigned(id)
        #expect(assigned.count == 1)
        let a = try #require(assigned.first)
        #expect(a.rule == "accident-station")
        let unit = demo.units.first { $0.id == a.unitId }!
        #expect(unit.qualifications.contains(.accidentPrimary))
        #expect(unit.stationId == demo.grid("G002")!.stationId)
    }

    @Test("casualty accident → a station unit AND the accident division at once (一警双派)")
    func dualDispatch() async throws {
        let h = try Harness()
        let id = try await h.open(.accidentCasualty, at: Harness.point(in: Self.rural), casualties: 1)
        let rules = try h.assigned(id).map(\.rule).sorted()
        #expect(rules == ["dual-accident-division", "dual-station"])
        let division = try #require(try h.assigned(id).first { $0.rule == "dual-accident-division" })
        #expect(division.unitKind == .accidentDivision && division.role == "accidentDivision")
        // A "minor" accident with someone hurt is complex too.
        let hurt = try await h.open(.accidentMinor, at: Harness.point(in: Self.rural), casualties: 1)
        #expect(try h.assigned(hurt).map(\.rule).sorted() == ["dual-accident-division", "dual-station"])
        #expect(try await h.queries.stats()["assignments"] == 4)
    }

    @Test("dispute → certified mediator pair with the parties' consent, otherwise a patrol")
    func disputes() async throws {
        let h = try Harness()
        let consent = try await h.open(.dispute, at: Harness.point(in: Self.rural), consent: true)
        let m = try #require(try h.assigned(consent).first)
        #expect(m.rule == "mediator-pair" && m.unitKind == .mediatorPair)
        let refused = try await h.open(.dispute, at: Harness.point(in: Self.rural), consent: false)
        let p = try #require(try h.assigned(refused).first)
        #expect(p.rule == "grid-nearest" && p.unitKind != .mediatorPair)
    }

    @Test("mediator pairs work by day: at night a consenting dispute gets a patrol")
    func mediatorsOffAtNight() async throws {
        let h = try Harness(start: night)
        let id = try await h.open(.dispute, at: Harness.point(in: Self.rural), consent: true)
        let a = try #require(try h.assigned(id).first)
        #expect(a.unitKind != .mediatorPair)
    }

    @Test("major incident → centre station commands, region units drawn, PTU in echelons")
    func majorIncident() async throws {
        let h = try Harness()
        // S02's grid: the region's centre station is S01.
        let grid = try #require(demo.grids.first { $0.stationId == "S02" })
        let id = try await h.open(.criminal, at: grid.polygon.centroid, description: "有人持刀伤人")
        let assigned = try h.assigned(id)
        #expect(assigned.count == 1 + h.rules.major.extraUnits + h.rules.ptuEchelons[0].units)
        #expect(assigned.allSatisfy { $0.commandStationId == "S01" })
        #expect(assigned.contains { $0.role == "major" && ($0.rule == "major-region" || $0.rule == "major-squadron") })
        #expect(assigned.filter { $0.rule == "ptu-echelon-1" }.allSatisfy { $0.unitKind == .ptu })
        let escalated = try h.events(IncidentEscalated.self).filter { $0.incidentId == id }
        #expect(escalated.map(\.reason) == ["major"] && escalated.first?.commandStationId == "S01")
        let dutyChiefs = demo.officers(role: .dutyChief, station: "S01").map(\.id)
        #expect(try h.events(ChiefNotified.self).contains { $0.incidentId == id && $0.role == .dutyChief && dutyChiefs.contains($0.officerId) })

        // The second echelon follows after its delay, on event time.
        try await h.advance(h.rules.ptuEchelons[1].afterSeconds - 1)
        #expect(try h.assigned(id).filter { $0.rule == "ptu-echelon-2" }.isEmpty)
        try await h.advance(2)
        #expect(try h.assigned(id).filter { $0.rule == "ptu-echelon-2" }.count == h.rules.ptuEchelons[1].units)
    }

    @Test("major is configurable: casualties at the threshold make an accident major")
    func majorByCasualties() async throws {
        var rules = DispatchRules.defaults
        rules.major.minCasualties = 2
        rules.ptuEchelons = [.init(afterSeconds: 0, units: 2)]
        let h = try Harness(rules: rules)
        let one = try await h.open(.accidentCasualty, at: Harness.point(in: Self.rural), casualties: 1)
        #expect(try h.assigned(one).allSatisfy { $0.role != "ptu" })
        let two = try await h.open(.accidentCasualty, at: Harness.point(in: Self.rural), casualties: 2)
        #expect(try h.assigned(two).filter { $0.role == "ptu" }.count == 2)
    }

    @Test("no unit free → queued by priority, escalated, served when a unit frees up")
    func queueAndRetry() async throws {
        let h = try Harness()
        // Only R1's stations matter for an R1 incident: sign every R1 unit out but one.
        let r1 = unitIds { demo.regionId(of: $0) == "R1" && $0.kind != .ptu }
        try await h.signOut(r1)
        let low = try await h.open(.helpRequest, at: Harness.point(in: Self.rural))
        let high = try await h.open(.criminal, at: Harness.point(in: Self.rural))
        #expect(try h.assigned(low).isEmpty && h.assigned(high).isEmpty)
        let queued = try h.events(IncidentQueued.self)
        #expect(Set(queued.map(\.incidentId)) == [low, high])
        #expect(try h.events(IncidentEscalated.self).filter { $0.reason == "queued" }.count == 2)
        #expect(try await h.queries.queue().map(\.incidentId) == [high, low], "priority 1 first")
        #expect(h.recorded.queueLengths.last == 2)

        // One unit comes back on duty: the priority-1 incident gets it.
        try await h.units([UnitReport(unitId: Self.ruralPatrols[0], duty: .onDuty)])
        #expect(try h.assigned(high).map(\.unitId) == [Self.ruralPatrols[0]])
        #expect(try h.assigned(low).isEmpty)
        // When it closes, the next one in the queue is served.
        try await h.field(high, Self.ruralPatrols[0], .arrived)
        try await h.field(high, Self.ruralPatrols[0], .closed, outcome: .resolvedOnScene)
        #expect(try h.assigned(low).map(\.unitId) == [Self.ruralPatrols[0]])
        #expect(try await h.queries.queue().isEmpty)

        // Still queued after the escalation delay → level 2.
        let third = try await h.open(.helpRequest, at: Harness.point(in: Self.rural))
        try await h.advance(h.rules.queue.escalateAfterSeconds + 1)
        #expect(try h.events(IncidentEscalated.self).contains { $0.incidentId == third && $0.level == 2 && $0.reason == "stillQueued" })
    }

    @Test("a unit that comes free serves the first waiting need it can serve, past the 256 a pass from the head looks at")
    func freedUnitServesFromAnywhereInTheQueue() async throws {
        let h = try Harness()
        try await h.signOut(demo.units.map(\.id))
        // 300 needs another region's units must serve, ahead of the rural one in serving order
        // (same priority, older): more than the 256 a full walk of the queue looks at.
        let elsewhere = try #require(demo.grids.first { demo.stations[$0.stationId]?.regionId == "R2" })
        for _ in 0..<300 { _ = try await h.open(.helpRequest, at: elsewhere.polygon.centroid) }
        let rural = try await h.open(.helpRequest, at: Harness.point(in: Self.rural))
        let later = try await h.open(.helpRequest, at: Harness.point(in: Self.rural))
        #expect(try await h.queries.queue().count == 302)

        let patrol = Self.ruralPatrols[0]
        try await h.units([UnitReport(unitId: patrol, duty: .onDuty)])
        #expect(try h.assigned(rural).map(\.unitId) == [patrol])
        #expect(try h.assigned(later).isEmpty)
        // Its close frees it for the next rural need, still behind the 300.
        try await h.field(rural, patrol, .arrived)
        try await h.field(rural, patrol, .closed, outcome: .resolvedOnScene)
        #expect(try h.assigned(later).map(\.unitId) == [patrol])
        #expect(try await h.queries.queue().count == 300)
        #expect(try h.events(UnitAssigned.self).count == 2)
    }

    @Test(
        "a waiting need's tier follows its incident's facts: made major (by a merged call or a supervisor), a unit only the region's tier holds serves it",
        arguments: [false, true])
    func candidatesFollowTheFacts(byOverride: Bool) async throws {
        var rules = DispatchRules.defaults
        rules.major.extraUnits = 0  // only the primary need's tiers change
        rules.ptuEchelons = []
        let h = try Harness(rules: rules)
        try await h.signOut(demo.units.map(\.id))
        let incident = try await h.open(.helpRequest, at: Harness.point(in: Self.rural))
        #expect(try await h.queries.queue().count == 1)

        let policy = DispatchPolicy(jurisdiction: demo)
        let grid = demo.locate(Harness.point(in: Self.rural))
        var facts = DispatchFacts(category: .helpRequest, casualties: 0, partiesConsent: false, grid: grid, major: false)
        let before = Set(policy.tiers(for: Need(kind: .primary), facts).flatMap(\.units))
        facts.major = true
        let regional = try #require(policy.tiers(for: Need(kind: .primary), facts).flatMap(\.units).first { !before.contains($0) })
        let region = try #require(grid?.regionId)
        let unrelated = try #require(demo.units.first { demo.regionId(of: $0) != region && ($0.kind == .patrolCar || $0.kind == .motorcycle) }).id

        // A unit of another region comes on: it is not among the need's candidates.
        try await h.units([UnitReport(unitId: unrelated, duty: .onDuty)])
        #expect(try h.assigned(incident).isEmpty)
        // The incident is made major; then the regional unit comes on and must be sent.
        if byOverride {
            guard case .success = try await h.override(incident, .major(true), reason: "crowd gathering") else {
                Issue.record("major refused")
                return
            }
        } else {
            try await h.upgrade(incident, major: true)
        }
        #expect(try h.assigned(incident).isEmpty)
        try await h.units([UnitReport(unitId: regional, duty: .onDuty)])
        #expect(try h.assigned(incident).map(\.unitId) == [regional])
    }

    @Test("chiefs: grid chief always, school chief in a school geofence, road chief for road incidents")
    func chiefs() async throws {
        let h = try Harness()
        let school = try #require(demo.schools.first)
        let inSchool = school.geofence.centroid
        let a = try await h.open(.publicOrder, at: inSchool)
        let notes = try h.events(ChiefNotified.self).filter { $0.incidentId == a }
        let gridChiefs = demo.officers(role: .gridChief, station: nil, grid: school.gridId).map(\.id)
        #expect(notes.contains { $0.role == .gridChief && gridChiefs.contains($0.officerId) })
        #expect(notes.contains { $0.role == .schoolChief && $0.schoolId == school.id })
        #expect(!notes.contains { $0.role == .roadChief })

        let road = try await h.open(.accidentMinor, at: Harness.point(in: Self.rural), channel: .traffic)
        let roadNotes = try h.events(ChiefNotified.self).filter { $0.incidentId == road }
        let roadChiefs = demo.officers(role: .roadChief, station: Self.ruralStation).map(\.id)
        #expect(roadNotes.contains { $0.role == .roadChief && roadChiefs.contains($0.officerId) })
        #expect(try h.topics().contains { $0.hasPrefix("dispatch.notified.roadChief.") })
    }

    @Test("a case opened is handed to the station's case-handling team")
    func caseReferred() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.rural))
        let unit = try #require(try h.assigned(id).first).unitId
        try await h.field(id, unit, .arrived)
        try await h.field(id, unit, .closed, outcome: .caseOpened)
        let referral = try #require(try h.events(CaseReferred.self).first)
        #expect(referral.stationId == Self.ruralStation && referral.team == .caseHandling)
        #expect(Set(referral.officerIds) == Set(demo.officers(team: .caseHandling, station: Self.ruralStation).map(\.id)))
        #expect(!referral.officerIds.isEmpty)
        #expect(try h.topics().contains("dispatch.case.\(Self.ruralStation)"))
    }

    @Test("policy tiers are pure: the rule order for an urban and a rural grid")
    func tiers() {
        let policy = DispatchPolicy(jurisdiction: demo)
        let ruralGrid = demo.locate(Harness.point(in: Self.rural))
        let rural = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: ruralGrid, major: false)
        #expect(policy.tiers(for: Need(kind: .primary), rural).map(\.rule) == ["grid-nearest", "neighbour-grid", "station-fallback"])
        let urbanGrid = demo.grids.first { $0.urban }!
        let urbanLocation = demo.locate(urbanGrid.polygon.centroid)
        let urban = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: urbanLocation, major: false)
        #expect(policy.tiers(for: Need(kind: .primary), urban).map(\.rule) == ["street-post", "street-post", "street-post", "station-fallback"])
        let major = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: rural.grid, major: true)
        #expect(policy.tiers(for: Need(kind: .primary), major).map(\.rule).suffix(2) == ["major-region", "major-squadron"])
        #expect(policy.initialNeeds(major, rules: .defaults).map(\.kind) == [.primary, .major, .ptu])
        let consent = DispatchFacts(category: .dispute, casualties: 0, partiesConsent: true, grid: rural.grid, major: false)
        #expect(policy.tiers(for: Need(kind: .primary), consent).first?.rule == "mediator-pair")
    }
}
