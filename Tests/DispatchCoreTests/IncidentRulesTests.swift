import DispatchCore
import EventStore
import Foundation
import Model
import Testing

/// Issue 15 (Rules), dispatch's points: upgrades, missed timers, unreachable crews, the one
/// arrival promise, city-wide units across instances, borrowing, reporting back in.
@Suite("incident rules (issue 15)")
struct IncidentRulesTests {
    static let grid = "G001"

    func board(_ h: Harness, _ unitId: String) async throws -> UnitBoardEntry {
        try #require(try await h.queries.unitBoard(UnitBoardQuery()).first { $0.id == unitId })
    }

    // MARK: 1. A repeat call changes its incident

    @Test("pure: an upgrade adds only the needs the old facts did not have")
    func upgradeRule() throws {
        let policy = DispatchPolicy(jurisdiction: demo)
        let grid = try #require(demo.locate(Harness.point(in: Self.grid)))
        let old = ActiveIncident(
            id: "I1", facts: DispatchFacts(category: .accidentMinor, casualties: 0, partiesConsent: false, grid: grid, major: false),
            priority: 2, channel: .police, coordinate: nil, openedAt: noon, commandStationId: grid.stationId)
        func upgraded(casualties: Int?, major: Bool? = nil, priority: Int? = nil) -> IncidentUpgraded {
            IncidentUpgraded(
                incidentId: "I1", callId: "C2", category: nil, priority: priority, major: major, casualties: casualties, reason: "r",
                regionId: grid.regionId, upgradedAt: noon)
        }
        let hurt = IncidentUpgrade.apply(upgraded(casualties: 2, priority: 1), to: old, rules: .defaults, policy: policy, jurisdiction: demo)
        #expect(hurt.addedNeeds.map(\.kind) == [.accidentDivision])
        #expect(hurt.incident.priority == 1 && hurt.incident.facts.casualties == 2 && !hurt.becameMajor)
        // The same news twice adds nothing more.
        let again = IncidentUpgrade.apply(upgraded(casualties: 2), to: hurt.incident, rules: .defaults, policy: policy, jurisdiction: demo)
        #expect(again.addedNeeds.isEmpty)
        // Becoming major: the region's centre station commands, extra units and the first PTU echelon go.
        let major = IncidentUpgrade.apply(
            upgraded(casualties: nil, major: true), to: hurt.incident, rules: .defaults, policy: policy, jurisdiction: demo)
        #expect(major.becameMajor && major.addedNeeds.map(\.kind) == [.major, .ptu])
        #expect(major.incident.commandStationId == demo.regions[grid.regionId]?.centreStationId)
    }

    @Test("a minor accident that now has casualties gets the accident division at once (一警双派)")
    func upgradeSendsAccidentDivision() async throws {
        let h = try Harness()
        let id = try await h.open(.accidentMinor, at: Harness.point(in: Self.grid))
        #expect(try h.assigned(id).map(\.role) == ["primary"])
        try await h.upgrade(id, priority: 1, casualties: 2)
        let roles = try h.assigned(id).map(\.role)
        #expect(roles == ["primary", "accidentDivision"])
        #expect(try h.assigned(id).last?.unitKind == .accidentDivision)
        let event = try #require(try h.events(DispatchUpgraded.self).first)
        #expect(event.incidentId == id && event.needsAdded == ["accidentDivision"] && event.casualties == 2 && event.priority == 1)
        #expect(try h.topics().contains("dispatch.upgraded.R1"))
        let view = try #require(try await h.queries.incident(id: id))
        #expect(view.priority == 1 && view.timeline?.contains { $0.kind == "upgraded" } == true)
        // An upgrade of an incident dispatch does not hold changes nothing.
        try await h.upgrade("I99999999", casualties: 5)
        #expect(try h.events(DispatchUpgraded.self).count == 1)
    }

    // MARK: 2. Every missed timer has a consequence

    @Test("pure: escalation levels, whom they reach, whom a breach charges")
    func overdueRule() throws {
        let grid = try #require(demo.locate(Harness.point(in: Self.grid)))
        let one = OverdueRule.escalation(.firstFeedback, level: 1, grid: grid, jurisdiction: demo, rules: .defaults, now: noon)
        #expect(one.level == 1 && one.reason == "firstFeedbackOverdue" && one.stationId == grid.stationId)
        #expect(one.officerIds == demo.officers(role: .dutyChief, station: grid.stationId).map(\.id))
        #expect(one.nextAt == noon.addingTimeInterval(OverdueRules.defaults.centreAfterSeconds))
        let two = OverdueRule.escalation(.firstFeedback, level: 2, grid: grid, jurisdiction: demo, rules: .defaults, now: noon)
        #expect(two.stationId == demo.regions[grid.regionId]?.centreStationId && two.nextAt == nil)
        #expect(OverdueRule.escalation(.arrival, level: 1, grid: grid, jurisdiction: demo, rules: .defaults, now: noon).nextAt == nil)
        let active = [
            "U1": ActiveAssignment(need: Need(kind: .primary, handoverFrom: "U0")), "U2": ActiveAssignment(need: Need(kind: .support)),
        ]
        #expect(OverdueRule.charged(.arrival, active: active, arrived: ["U2"]) == ["U1"])
        #expect(OverdueRule.charged(.close, active: active, arrived: []) == ["U1"])
        #expect(OverdueRule.charged(.firstFeedback, active: ["U2": active["U2"]!], arrived: []) == ["U2"])
        var bad = OverdueRules.defaults
        bad.arrivalAction = "wait"
        #expect(throws: ConfigurationError.self) { try bad.validate(file: "dispatch-rules.json") }
    }

    @Test("arrival overdue: the duty chief is told and the nearest free unit offered (or sent, by the rules)")
    func arrivalOverdue() async throws {
        for action in ["offer", "send"] {
            var rules = DispatchRules.defaults
            rules.overdue = OverdueRules(arrivalAction: action, centreAfterSeconds: 3600)
            let h = try Harness(rules: rules)
            let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
            let first = try #require(try h.assigned(id).first)
            try await h.field(id, first.unitId, .signedOff)
            let promise = ArrivalPromise.seconds(grid: Self.grid, in: demo, fallbackMinutes: rules.timers.arrival.fallbackMinutes)
            try await h.advance(promise + 1)
            let breach = try #require(try h.events(SLABreached.self).first { $0.timer == .arrival })
            #expect(breach.dueAt.timeIntervalSince(breach.startedAt) == promise)
            #expect(breach.unitIds == [first.unitId] && breach.officerIds == first.officerIds)
            #expect(breach.action == (action == "offer" ? "offered" : "sent"))
            let grid = try #require(demo.locate(Harness.point(in: Self.grid)))
            let chiefs = demo.officers(role: .dutyChief, station: grid.stationId).map(\.id)
            #expect(Set(try h.events(ChiefNotified.self).filter { $0.reason == "arrivalOverdue" }.map(\.officerId)) == Set(chiefs))
            let escalated = try #require(try h.events(IncidentEscalated.self).first { $0.reason == "arrivalOverdue" })
            #expect(escalated.level == 1 && escalated.commandStationId == grid.stationId)
            let offer = try #require(try h.events(Reinforcement.self).first)
            #expect(offer.reason == "arrivalOverdue" && offer.action == (action == "offer" ? "offered" : "sent") && offer.unitId != first.unitId)
            let units = try h.assigned(id).map(\.unitId)
            #expect(units == (action == "offer" ? [first.unitId] : [first.unitId, offer.unitId]))
            #expect(try await h.queries.incident(id: id)?.escalations?.map(\.reason) == ["arrivalOverdue"])
        }
    }

    @Test("feedback and close overdue: the station's duty chief, then the centre, on the read API; the holder is charged")
    func feedbackAndCloseOverdue() async throws {
        let h = try Harness(rules: shortRules(feedback: 600, close: 7200))
        let id = try await h.open(.helpRequest, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first)
        try await h.field(id, unit.unitId, .arrived)
        try await h.advance(601)
        let feedback = try #require(try h.events(SLABreached.self).first { $0.timer == .firstFeedback })
        #expect(feedback.unitIds == [unit.unitId] && feedback.officerIds == unit.officerIds && feedback.action == "escalated")
        var view = try #require(try await h.queries.incident(id: id))
        #expect((view.escalations ?? []).map(\.level) == [1] && view.escalations?.first?.reason == "firstFeedbackOverdue")
        // Still no feedback an hour later: the region's centre station.
        try await h.advance(3600)
        view = try #require(try await h.queries.incident(id: id))
        let grid = try #require(demo.locate(Harness.point(in: Self.grid)))
        #expect((view.escalations ?? []).map(\.level) == [1, 2])
        #expect(view.escalations?.last?.commandStationId == demo.regions[grid.regionId]?.centreStationId)
        #expect(try h.events(IncidentEscalated.self).filter { $0.reason == "firstFeedbackOverdue" }.map(\.level) == [1, 2])
        // Close overdue escalates too; a late feedback before it does not stop the close escalation.
        try await h.field(id, unit.unitId, .feedback)
        try await h.advance(7200)
        #expect(try h.events(IncidentEscalated.self).contains { $0.reason == "closeOverdue" && $0.level == 1 })
        let close = try #require(try h.events(SLABreached.self).first { $0.timer == .close })
        #expect(close.unitIds == [unit.unitId])
    }

    @Test("a feedback given before the centre's turn stops the second level")
    func lateFeedbackStopsLevelTwo() async throws {
        let h = try Harness(rules: shortRules(feedback: 600))
        let id = try await h.open(.helpRequest, at: Harness.point(in: Self.grid))
        let unit = try #require(try h.assigned(id).first).unitId
        try await h.field(id, unit, .arrived)
        try await h.advance(601)
        try await h.field(id, unit, .feedback)
        try await h.advance(3600)
        #expect(try await h.queries.incident(id: id)?.escalations?.map(\.level) == [1])
    }

    // MARK: 3. A crew that misses its sign-off is unreachable; 13. it can report back in

    @Test("a crew that misses its sign-off is unreachable until it reports, and the board says why")
    func unreachable() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let silent = try #require(try h.assigned(id).first).unitId
        try await h.advance(91)
        let entry = try await board(h, silent)
        #expect(entry.state == "offDuty" && entry.offReason == Reachability.missedSignOff)
        // Not dispatched again while unreachable, even to an incident in its own grid.
        let next = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        #expect(try h.assigned(next).first?.unitId != silent)
        // It reports back in (a duty report): available again.
        let (accepted, refused) = try await h.units([UnitReport(unitId: silent, duty: .onDuty)])
        #expect(accepted == 1 && refused.isEmpty)
        #expect(try await board(h, silent).state == "available")
        #expect(try h.events(UnitStatusChanged.self).last { $0.unitId == silent }?.reason == "reportedBack")
    }

    @Test("a field report from an unreachable crew makes it reachable again")
    func unreachableFieldReport() async throws {
        let h = try Harness()
        let id = try await h.open(.criminal, at: Harness.point(in: Self.grid))
        let silent = try #require(try h.assigned(id).first).unitId
        try await h.advance(91)
        let (_, refused) = try await h.field(id, silent, .signedOff)
        #expect(refused.count == 1, "the incident went to another unit")
        #expect(try await board(h, silent).state == "available")
    }

    @Test("POST /v1/units onDuty: accepted for a crew already on duty, as it is")
    func onDutyWhenOnDuty() async throws {
        let h = try Harness()
        let unit = try #require(unitIds { $0.homeGridId == Self.grid && ($0.kind == .patrolCar || $0.kind == .motorcycle) }.first)
        let (accepted, refused) = try await h.units([UnitReport(unitId: unit, duty: .onDuty)])
        #expect(accepted == 1 && refused.isEmpty)
        #expect(try await board(h, unit).state == "available")
        #expect(try h.events(UnitStatusChanged.self).filter { $0.unitId == unit }.isEmpty)
        // Signed out, then back in.
        try await h.signOut([unit])
        let back = try await h.units([UnitReport(unitId: unit, duty: .onDuty)])
        #expect(back.accepted == 1)
        #expect(try await board(h, unit).state == "available")
    }

    // MARK: 4. One arrival promise

    @Test("pure: the promise of a grid is its fastest response point, else the fallback, from the first dispatch")
    func arrivalPromise() throws {
        let minutes = try #require(demo.responseMinutes(grid: Self.grid))
        #expect(ArrivalPromise.seconds(grid: Self.grid, in: demo) == Double(minutes) * 60)
        #expect(ArrivalPromise.seconds(grid: nil, in: demo) == 900)
        #expect(ArrivalPromise.seconds(grid: "G-none", in: demo, fallbackMinutes: 10) == 600)
        let d = SLADeadline.arrival(from: noon, grid: Self.grid, jurisdiction: demo, rules: DispatchRules.defaults.timers.arrival)
        #expect(d.dueAt == ArrivalPromise.deadline(firstDispatch: noon, seconds: Double(minutes) * 60))
        #expect(ArrivalPromise.kept(arrivedAt: noon.addingTimeInterval(60), firstDispatch: noon, seconds: 60))
        #expect(!ArrivalPromise.kept(arrivedAt: noon.addingTimeInterval(61), firstDispatch: noon, seconds: 60))
    }

    // MARK: 8. City-wide units across instances

    @Test("pure: the city desk serves every region's city-wide needs, a regional instance the rest")
    func cityDeskRule() {
        let needs = [Need(kind: .primary), Need(kind: .accidentDivision), Need(kind: .major), Need(kind: .ptu, echelon: 1)]
        let regional = RegionScope(["R5"])
        let desk = RegionScope(["R1", "city"])
        #expect(CityDesk.needs(needs, servesRegion: true, scope: regional).map(\.kind) == [.primary, .major])
        #expect(CityDesk.needs(needs, servesRegion: false, scope: desk).map(\.kind) == [.accidentDivision, .ptu])
        #expect(CityDesk.needs(needs, servesRegion: false, scope: regional).isEmpty)
        #expect(CityDesk.needs(needs, servesRegion: true, scope: .all) == needs)
        let ptu = demo.units.first { $0.kind == .ptu }!
        #expect(CityDesk.commandRegion(of: ptu, in: demo) == nil)
    }

    @Test("two instances: the accident division and PTU serve another instance's region, no unit assigned twice")
    func cityWideAcrossInstances() async throws {
        let south = try Harness(regions: ["R5"])
        let desk = try Harness(regions: ["R1", "R2", "R3", "R4", "city", "unlocated"])
        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        // The same incident.opened reaches both instances, as intake publishes it to all.
        let accident = "I00000001"
        try await south.open(.accidentCasualty, at: r5grid.polygon.centroid, casualties: 1, id: accident)
        try await desk.open(.accidentCasualty, at: r5grid.polygon.centroid, casualties: 1, id: accident)
        #expect(try south.assigned(accident).map(\.rule) == ["dual-station"])
        #expect(try south.events(IncidentQueued.self).isEmpty, "the region's instance no longer queues the accident division")
        let division = try #require(try desk.assigned(accident).first)
        #expect(division.unitKind == .accidentDivision && division.rule == "dual-accident-division")
        #expect(try desk.assigned(accident).count == 1)
        // The desk runs no incident timers and publishes no close for another region's incident.
        try await desk.field(accident, division.unitId, .arrived)
        try await desk.field(accident, division.unitId, .closed, outcome: .resolvedOnScene)
        #expect(try desk.events(IncidentClosed.self).isEmpty)
        #expect(try await desk.queries.stats()["incidents"] == 0)

        // A major incident in R5: its PTU echelon comes from the desk.
        let major = "I00000002"
        try await south.open(.criminal, at: r5grid.polygon.centroid, description: "持刀", id: major)
        try await desk.open(.criminal, at: r5grid.polygon.centroid, description: "持刀", id: major)
        #expect(try desk.assigned(major).map(\.unitKind) == [.ptu])
        #expect(try !south.assigned(major).contains { $0.unitKind == .ptu || $0.unitKind == .accidentDivision })
        let southUnits = Set(try south.events(UnitAssigned.self).map(\.unitId))
        let deskUnits = Set(try desk.events(UnitAssigned.self).map(\.unitId))
        #expect(southUnits.isDisjoint(with: deskUnits))

        // An upgrade of another region's incident brings the accident division from the desk.
        let minor = "I00000003"
        try await south.open(.accidentMinor, at: r5grid.polygon.centroid, id: minor)
        try await desk.open(.accidentMinor, at: r5grid.polygon.centroid, id: minor)
        #expect(try desk.assigned(minor).isEmpty)
        #expect(try await desk.queries.incident(id: minor) == nil, "the desk holds nothing of it yet")
        try await south.upgrade(minor, casualties: 1)
        try await desk.upgrade(minor, casualties: 1)
        #expect(try desk.assigned(minor).map(\.unitKind) == [.accidentDivision])
        #expect(try south.events(DispatchUpgraded.self).count == 1 && (try desk.events(DispatchUpgraded.self).isEmpty))
    }

    @Test("the city desk stops serving a city-wide need once the incident's own instance has closed it")
    func cityDeskHearsTheEnd() async throws {
        let desk = try Harness(regions: ["R1", "R2", "R3", "R4", "city", "unlocated"])
        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let divisions = demo.units.filter { $0.kind == .accidentDivision }.count
        // Every accident-division unit busy on R5 accidents, then one more: its need waits.
        var ids: [String] = []
        for n in 0...divisions {
            ids.append(try await desk.open(.accidentCasualty, at: r5grid.polygon.centroid, casualties: 1, id: String(format: "I%08d", 100 + n)))
        }
        let waiting = try #require(ids.last)
        #expect(try desk.assigned(waiting).isEmpty)
        #expect(try await desk.queries.queue().contains { $0.incidentId == waiting })

        // R5's instance closed it (intake says so): the waiting need is dropped, the incident let go.
        try await desk.end(waiting)
        #expect(try await desk.queries.queue().contains { $0.incidentId == waiting } == false)
        // A freed division unit now goes nowhere near the ended incident.
        let busy = try #require(try desk.assigned(ids[0]).first)
        try await desk.field(ids[0], busy.unitId, .arrived)
        try await desk.field(ids[0], busy.unitId, .closed, outcome: .resolvedOnScene)
        #expect(try desk.assigned(waiting).isEmpty)
        // An incident the desk is still helping on keeps its unit until the unit reports.
        let helped = try #require(try desk.assigned(ids[1]).first)
        try await desk.end(ids[1])
        try await desk.field(ids[1], helped.unitId, .arrived)
        #expect(try desk.events(FieldReported.self).contains { $0.incidentId == ids[1] && $0.stage == .arrived })
    }

    // MARK: 12. A saturated region borrows

    @Test("pure: the lendable units are a neighbouring region's of the same kinds and qualifications")
    func borrowRule() throws {
        let rule = BorrowRule(jurisdiction: demo)
        let r5grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" && !$0.urban })
        let loc = try #require(demo.locate(r5grid.polygon.centroid))
        let neighbours = try #require(rule.neighbours["R5"])
        #expect(!neighbours.isEmpty && !neighbours.contains("R5"))
        let policy = DispatchPolicy(jurisdiction: demo)
        let facts = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: loc, major: false)
        let tier = try #require(rule.tier(for: policy.tiers(for: Need(kind: .primary), facts), regionId: "R5"))
        for id in tier.units {
            let unit = demo.units.first { $0.id == id }!
            #expect(neighbours.contains(demo.regionId(of: unit) ?? "-"))
            #expect([.patrolCar, .motorcycle, .stationDuty].contains(unit.kind))
        }
        #expect(rule.tier(for: [], regionId: "R5") == nil)
    }

    @Test("a need still queued after its level-2 escalation is lent the nearest free unit of a neighbouring region")
    func borrowing() async throws {
        var rules = DispatchRules.defaults
        rules.borrowing = BorrowRules(enabled: true, maxDistanceMeters: 200_000)
        let h = try Harness(rules: rules)
        try await h.signOut(unitIds { demo.regionId(of: $0) == "R5" && $0.kind != .ptu })
        let grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" })
        let id = try await h.open(.criminal, at: grid.polygon.centroid)
        #expect(try h.assigned(id).isEmpty)
        try await h.advance(rules.queue.escalateAfterSeconds + 1)
        #expect(try h.events(IncidentEscalated.self).contains { $0.incidentId == id && $0.level == 2 })
        let lent = try #require(try h.assigned(id).first)
        #expect(lent.rule == "borrowed-neighbour")
        let event = try #require(try h.events(Reinforcement.self).first)
        #expect(event.reason == "borrowed" && event.action == "sent" && event.unitId == lent.unitId && event.unitRegionId != "R5")
        #expect(try await h.queries.queue().isEmpty)
        #expect(try await board(h, lent.unitId).onLoanToRegionId == "R5")
    }

    @Test("borrowing off: the need waits for its own region")
    func borrowingOff() async throws {
        var rules = DispatchRules.defaults
        rules.borrowing = BorrowRules(enabled: false, maxDistanceMeters: 200_000)
        let h = try Harness(rules: rules)
        try await h.signOut(unitIds { demo.regionId(of: $0) == "R5" && $0.kind != .ptu })
        let grid = try #require(demo.grids.first { demo.stations[$0.stationId]!.regionId == "R5" })
        let id = try await h.open(.criminal, at: grid.polygon.centroid)
        try await h.advance(rules.queue.escalateAfterSeconds + 1)
        #expect(try h.assigned(id).isEmpty)
        #expect(try await h.queries.queue().map(\.incidentId) == [id])
    }
}
