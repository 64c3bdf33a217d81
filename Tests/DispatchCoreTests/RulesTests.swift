import DispatchCore
import Foundation
import Model
import Testing
import Wire

// The pure rules of Rules/, without an engine or a database: values in, decisions out.

@Suite("rules: queue order and escalation")
struct WaitingQueueTests {
    func entry(_ id: Int64, priority: Int, at: Date = noon, incident: String? = nil) -> QueueEntry {
        QueueEntry(id: id, incidentId: incident ?? "I\(id)", need: Need(kind: .primary), priority: priority, queuedAt: at)
    }

    @Test("most urgent first, then oldest; loading sorts the same way")
    func order() {
        var queue = WaitingQueue()
        queue.insert(entry(1, priority: 3))
        queue.insert(entry(2, priority: 1))
        queue.insert(entry(3, priority: 3))
        queue.insert(entry(4, priority: 2))
        #expect(queue.entries.map(\.id) == [2, 4, 1, 3])
        let loaded = WaitingQueue([entry(3, priority: 3), entry(1, priority: 3), entry(4, priority: 2), entry(2, priority: 1)])
        #expect(loaded.entries.map(\.id) == queue.entries.map(\.id))
    }

    @Test("a closed incident leaves the queue; escalation after the delay, once")
    func dropAndEscalate() {
        var queue = WaitingQueue([
            entry(1, priority: 1, incident: "A"), entry(2, priority: 2, incident: "A"),
            entry(3, priority: 2, at: noon.addingTimeInterval(200), incident: "B"),
        ])
        let early = queue.escalateDue(at: noon.addingTimeInterval(299), after: 300)
        #expect(early.isEmpty)
        let raised = queue.escalateDue(at: noon.addingTimeInterval(300), after: 300)
        #expect(raised.map(\.id) == [1, 2] && raised.allSatisfy { $0.level == 2 })
        #expect(queue.entries.map(\.level) == [2, 2, 1])
        let later = queue.escalateDue(at: noon.addingTimeInterval(10_000), after: 300)
        #expect(later.map(\.id) == [3], "level 2 does not escalate again")
        let dropped = queue.removeAll(incidentId: "A")
        let droppedAgain = queue.removeAll(incidentId: "A")
        #expect(dropped && !droppedAgain)
        #expect(queue.entries.map(\.incidentId) == ["B"])
    }

    @Test("a need served before it falls due is not escalated")
    func servedBeforeDue() {
        var queue = WaitingQueue([entry(1, priority: 2), entry(2, priority: 2)])
        let removed = queue.remove(entry(1, priority: 2))
        let removedAgain = queue.remove(entry(1, priority: 2))
        #expect(removed && !removedAgain, "once: then it is gone")
        let due = queue.escalateDue(at: noon.addingTimeInterval(300), after: 300)
        #expect(due.map(\.id) == [2])
    }

    @Test("the walk goes on from the need in hand, whatever leaves the queue meanwhile")
    func walkByKey() {
        var queue = WaitingQueue((1...6).map { entry(Int64($0), priority: $0 % 2 + 1) })
        // Serving order: 1 3 5 (priority 2) after 2 4 6 (priority 1).
        var seen: [Int64] = []
        var next = queue.first
        while let e = next {
            seen.append(e.id)
            if e.id == 4 {
                queue.remove(e)
                queue.remove(entry(6, priority: 1))
            }
            next = queue.entry(after: e)
        }
        #expect(seen == [2, 4, 1, 3, 5])
        #expect(queue.entries.map(\.id) == [2, 1, 3, 5])
    }
}

@Suite("rules: service-level timers")
struct TimerRuleTests {
    @Test("due and warning times; no warning when warnBefore is 0")
    func deadline() {
        let d = SLADeadline(from: noon, seconds: 90, warnBefore: 30)
        #expect(d.dueAt == noon.addingTimeInterval(90) && d.warnAt == noon.addingTimeInterval(60))
        #expect(SLADeadline(from: noon, seconds: 90, warnBefore: 0).warnAt == nil)
        #expect(SLADeadline.warns(dueSeconds: 100, nowSeconds: 99.5))
        #expect(!SLADeadline.warns(dueSeconds: 100, nowSeconds: 100), "a timer found due breaches without a warning")
    }

    @Test("arrival: the response point's promise, else the fallback; warning at most half the promise ahead")
    func arrival() {
        let rules = DispatchRules.Arrival(warnBefore: 60, fallbackMinutes: 15)
        let promised = SLADeadline.arrival(from: noon, promiseMinutes: 1, rules: rules)
        #expect(promised.dueAt == noon.addingTimeInterval(60) && promised.warnAt == noon.addingTimeInterval(30))
        let fallback = SLADeadline.arrival(from: noon, promiseMinutes: nil, rules: rules)
        #expect(fallback.dueAt == noon.addingTimeInterval(900) && fallback.warnAt == noon.addingTimeInterval(840))
    }

    @Test("only an unsigned sign-off of a merely dispatched unit re-dispatches")
    func breachAction() {
        let fresh = ActiveAssignment(need: Need(kind: .primary))
        let signed = ActiveAssignment(need: Need(kind: .primary), signedOff: true)
        #expect(BreachAction.redispatches(.signOff, assignment: fresh, unitState: .dispatched))
        #expect(!BreachAction.redispatches(.signOff, assignment: signed, unitState: .dispatched))
        #expect(!BreachAction.redispatches(.signOff, assignment: fresh, unitState: .enRoute))
        #expect(!BreachAction.redispatches(.signOff, assignment: nil, unitState: .dispatched))
        #expect(!BreachAction.redispatches(.arrival, assignment: fresh, unitState: .dispatched))
    }

    @Test("later PTU echelons: an immediate first echelon is an initial need, not a plan")
    func echelons() {
        let plans = EchelonPlan.later([.init(afterSeconds: 0, units: 1), .init(afterSeconds: 600, units: 2)], openedAt: noon)
        #expect(plans == [EchelonPlan(echelon: 2, units: 2, dueAt: noon.addingTimeInterval(600))])
        let delayed = EchelonPlan.later([.init(afterSeconds: 60, units: 1)], openedAt: noon)
        #expect(delayed.map(\.echelon) == [1])
    }

    @Test("progress implies a sign-off; arrival and feedback meet their timers")
    func stages() {
        #expect(FieldStage.allCases.filter(\.impliesSignOff) == [.signedOff, .enRoute, .arrived, .feedback])
        #expect(!FieldStage.closed.impliesSignOff && !FieldStage.handover.impliesSignOff && !FieldStage.requestSupport.impliesSignOff)
        #expect(FieldStage.arrived.meetsTimer == .arrival && FieldStage.feedback.meetsTimer == .firstFeedback)
        #expect(FieldStage.signedOff.meetsTimer == nil)
    }
}

@Suite("rules: regions, shifts, choosing a unit")
struct FleetRuleTests {
    static let rural = "G001"

    @Test("scope: incidents by region key, units by region (no region: city)")
    func scope() {
        let scope = RegionScope(["R5", RoutingKey.city])
        #expect(scope.serves(regionKey: "R5") && !scope.serves(regionKey: "R1") && !scope.serves(regionKey: RoutingKey.unlocated))
        #expect(scope.commands(unitRegion: nil) && scope.commands(unitRegion: "R5") && !scope.commands(unitRegion: "R1"))
        #expect(!RegionScope(["R5"]).commands(unitRegion: nil))
        #expect(RegionScope.all.serves(regionKey: "anything") && RegionScope.all.commands(unitRegion: nil))
        #expect(RegionScope.regionKey(of: nil) == RoutingKey.unlocated)
    }

    @Test("shifts: local minute of day, shift ends and starts, a freed unit past its shift goes off duty")
    func shifts() throws {
        let clock = ShiftClock(DispatchRules.defaults.shifts)
        #expect(clock.minuteOfDay(noon) == 12 * 60 && clock.minuteOfDay(night) == 2 * 60)
        let mediator = try #require(demo.units.first { $0.kind == .mediatorPair && $0.shift != nil })
        #expect(clock.onShift(mediator, at: noon) && !clock.onShift(mediator, at: night))
        var off = ShiftClock(DispatchRules.Shifts(enforce: false, timeZone: "Asia/Shanghai"))
        #expect(off.onShift(mediator, at: night))
        off = clock
        let free = TrackedUnit(unit: mediator, regionId: "R1")
        #expect(off.shiftChange(free, minute: 2 * 60) == .offDuty)
        #expect(off.shiftChange(free, minute: 12 * 60) == nil)
        let sent = TrackedUnit(unit: mediator, state: .offDuty, offReason: "shift", regionId: "R1")
        #expect(off.shiftChange(sent, minute: 12 * 60) == .available)
        let signedOut = TrackedUnit(unit: mediator, state: .offDuty, offReason: "signedOut", regionId: "R1")
        #expect(off.shiftChange(signedOut, minute: 12 * 60) == nil, "a unit that signed out stays out")
        let busy = TrackedUnit(unit: mediator, state: .onScene, incidentId: "I1", regionId: "R1")
        #expect(off.shiftChange(busy, minute: 2 * 60) == nil, "a busy unit finishes its incident")
        #expect(off.stateAfterRelease(.available, mediator, at: night) == .offDuty)
        #expect(off.stateAfterRelease(.available, mediator, at: noon) == .available)
    }

    func fleet(_ change: (inout [TrackedUnit]) -> Void = { _ in }) -> Fleet {
        var units = demo.units.map { TrackedUnit(unit: $0, regionId: demo.regionId(of: $0)) }
        change(&units)
        return Fleet(units)
    }

    @Test("nearest free unit of the first tier that has one; ties to the lowest id; tried and out-of-scope units skipped")
    func nearest() throws {
        let patrols = Array(unitIds { $0.kind == .patrolCar && demo.regionId(of: $0) == "R1" }.sorted().prefix(3))
        let other = try #require(unitIds { $0.kind == .patrolCar && demo.regionId(of: $0) == "R2" }.first)
        try #require(patrols.count == 3)
        let target = Harness.point(in: Self.rural)
        let shifts = ShiftClock(DispatchRules.Shifts(enforce: false, timeZone: "Asia/Shanghai"))
        let tiers = [Tier(rule: "empty", units: []), Tier(rule: "first", units: patrols.reversed()), Tier(rule: "next", units: [other])]
        // Everyone at the incident: a tie, the lowest id wins.
        let tied = fleet { units in for i in units.indices { units[i].position = target } }
        #expect(
            tied.nearest(in: tiers, to: target, excluding: [], scope: .all, shifts: shifts, minute: 0)
                == UnitChoice(unitId: patrols[0], rule: "first", distance: 0))
        #expect(tied.nearest(in: tiers, to: target, excluding: [patrols[0]], scope: .all, shifts: shifts, minute: 0)?.unitId == patrols[1])
        // Nearest wins over the lowest id.
        let spread = fleet { units in for i in units.indices where units[i].id == patrols[2] { units[i].position = target } }
        #expect(spread.nearest(in: tiers, to: target, excluding: [], scope: .all, shifts: shifts, minute: 0)?.unitId == patrols[2])
        // A busy tier falls through to the next; a unit outside the scope is never chosen.
        let busy = fleet { units in for i in units.indices where patrols.contains(units[i].id) { units[i].state = .dispatched } }
        #expect(busy.nearest(in: tiers, to: target, excluding: [], scope: .all, shifts: shifts, minute: 0)?.rule == "next")
        #expect(busy.nearest(in: tiers, to: target, excluding: [], scope: RegionScope(["R1"]), shifts: shifts, minute: 0) == nil)
        #expect(spread.nearest(in: tiers, to: target, excluding: [], scope: RegionScope(["R2"]), shifts: shifts, minute: 0)?.unitId == other)
        #expect(fleet().nearest(in: [Tier(rule: "none", units: [])], to: target, excluding: [], scope: .all, shifts: shifts, minute: 0) == nil)
    }

    @Test("handover to a station: its nearest free unit; a unit already sent is refused")
    func handover() throws {
        let station = demo.grid(Self.rural)!.stationId
        let incident = ActiveIncident(
            id: "I1",
            facts: DispatchFacts(
                category: .criminal, casualties: 0, partiesConsent: false,
                grid: demo.locate(Harness.point(in: Self.rural)), major: false),
            priority: 1, channel: .police, coordinate: Harness.point(in: Self.rural), openedAt: noon,
            commandStationId: station)
        let giver = TrackedUnit(unit: demo.units[0], state: .onScene, incidentId: "I1", regionId: "R1")
        let rule = HandoverRule(jurisdiction: demo, scope: .all)
        let chosen = try rule.receiver(Handover(kind: .postToStation, toStationId: station), incident: incident, giver: giver, fleet: fleet())
        #expect(chosen.rule == "handover-postToStation")
        #expect(demo.units.first { $0.id == chosen.unitId }?.stationId == station)
        var tried = incident
        tried.tried.insert(chosen.unitId)
        let again = try rule.receiver(Handover(kind: .onScene, toStationId: station), incident: tried, giver: giver, fleet: fleet())
        #expect(again.unitId != chosen.unitId)
        #expect(throws: FieldCommandError.self) {
            try rule.receiver(Handover(kind: .onScene, toUnitId: chosen.unitId), incident: tried, giver: giver, fleet: fleet())
        }
        #expect(throws: FieldCommandError.self) { try rule.receiver(nil, incident: incident, giver: giver, fleet: fleet()) }
    }
}

@Suite("rules: field reports and opening")
struct FieldAndOpeningRuleTests {
    @Test("a report is checked in order: unit, incident, stage, outcome, position")
    func check() throws {
        let unit = demo.units[0]
        let facts = DispatchFacts(category: .criminal, casualties: 0, partiesConsent: false, grid: nil, major: false)
        let incident = ActiveIncident(
            id: "I1", facts: facts,
            priority: 1, channel: .police, coordinate: nil, openedAt: noon, commandStationId: nil)
        let onIt = TrackedUnit(unit: unit, state: .dispatched, incidentId: "I1", regionId: nil)
        func field(_ command: FieldCommand, _ record: TrackedUnit? = nil, _ active: ActiveIncident? = nil) -> String? {
            do {
                _ = try FieldReportRules.check(command, unit: record, incident: active)
                return nil
            } catch let e as FieldCommandError { return e.field } catch { return "\(error)" }
        }
        #expect(field(FieldCommand(incidentId: "I1", unitId: unit.id, stage: .arrived)) == "unitId")
        #expect(field(FieldCommand(incidentId: "I2", unitId: unit.id, stage: .arrived), onIt, incident) == "incidentId")
        var onScene = onIt
        onScene.state = .onScene
        #expect(field(FieldCommand(incidentId: "I1", unitId: unit.id, stage: .enRoute), onScene, incident) == "stage")
        #expect(field(FieldCommand(incidentId: "I1", unitId: unit.id, stage: .closed), onIt, incident) == "outcome")
        let bad = Coordinate(lat: 123, lon: 0)
        #expect(field(FieldCommand(incidentId: "I1", unitId: unit.id, stage: .arrived, position: bad), onIt, incident) == "position")
        let arrived = FieldCommand(incidentId: "I1", unitId: unit.id, stage: .arrived)
        #expect(try FieldReportRules.check(arrived, unit: onIt, incident: incident) == .onScene)
        #expect(FieldReportRules.supportUnits(SupportRequest(units: 9)) == 5 && FieldReportRules.supportUnits(SupportRequest(units: 0)) == 1)
        #expect(FieldReportRules.supportUnits(SupportRequest()) == 1)
    }

    @Test("headline: a primary unit becomes it, another unit only while there is none; the first time stays")
    func headline() {
        var incident = ActiveIncident(
            id: "I1",
            facts: DispatchFacts(
                category: .criminal, casualties: 0, partiesConsent: false, grid: nil,
                major: false),
            priority: 1, channel: .police, coordinate: nil, openedAt: noon, commandStationId: nil)
        let later = noon.addingTimeInterval(60)
        let ptu = incident.headline(after: UnitChoice(unitId: "P1", rule: "ptu-echelon-1", distance: 0), need: Need(kind: .ptu), at: noon)
        #expect(ptu == IncidentHeadline(unitId: "P1", rule: "ptu-echelon-1", assignedAt: noon))
        incident.headline = ptu
        let support = incident.headline(after: UnitChoice(unitId: "S1", rule: "support", distance: 0), need: Need(kind: .support), at: later)
        #expect(support == ptu)
        let primary = incident.headline(after: UnitChoice(unitId: "U1", rule: "grid-nearest", distance: 0), need: Need(kind: .primary), at: later)
        #expect(primary == IncidentHeadline(unitId: "U1", rule: "grid-nearest", assignedAt: noon))
    }

    @Test("a major incident is commanded by the region's centre station, any other by its grid's station")
    func opening() throws {
        let grid = try #require(demo.grids.first { $0.stationId == "S02" })
        func opened(_ description: String?) -> IncidentOpened {
            IncidentOpened(
                incidentId: "I1", callId: "C1", channel: .police, category: .criminal, priority: 1,
                place: IncidentPlace(coordinate: grid.polygon.centroid, address: nil, grid: demo.locate(grid.polygon.centroid)),
                caller: nil, description: description, callTaker: "CT01", casualties: 0, partiesConsent: false, enterpriseId: nil,
                receivedAt: noon)
        }
        let major = IncidentOpening.activeIncident(opened("有人持刀伤人"), rules: .defaults, jurisdiction: demo)
        #expect(major.facts.major && major.commandStationId == "S01")
        let minor = IncidentOpening.activeIncident(opened("吵架"), rules: .defaults, jurisdiction: demo)
        #expect(!minor.facts.major && minor.commandStationId == "S02")
        // Chiefs: the duty chiefs of the commanding station only on a major incident.
        let chiefs = ChiefSelection(jurisdiction: demo)
        #expect(chiefs.notices(for: major).map(\.role).contains(.dutyChief))
        #expect(!chiefs.notices(for: minor).map(\.role).contains(.dutyChief))
        #expect(chiefs.notices(for: minor).first?.role == .gridChief)
    }

    @Test("the chiefs told of an incident, from the indexes, are those the jurisdiction's own lookups give, at every grid and school")
    func chiefsFromIndexes() throws {
        let chiefs = ChiefSelection(jurisdiction: demo)
        // The rule written with the jurisdiction's scans, as it was before the indexes.
        func line(_ role: ChiefRole, _ reason: String, _ officers: [Officer], school: String? = nil) -> String {
            "\(role) \(reason) \(school ?? "-"): \(officers.map(\.id).joined(separator: ","))"
        }
        func expected(_ incident: ActiveIncident) -> [String] {
            guard let grid = incident.grid else { return [] }
            var out = [line(.gridChief, "grid", demo.officers(role: .gridChief, station: grid.stationId, grid: grid.gridId))]
            if let point = incident.coordinate, let school = demo.school(containing: point) {
                let station = demo.grid(school.gridId)?.stationId ?? grid.stationId
                var found = demo.officers(role: .schoolChief, station: station, grid: school.gridId)
                if found.isEmpty { found = demo.officers(role: .schoolChief, station: station) }
                out.append(line(.schoolChief, "school", found, school: school.id))
            }
            var road = demo.officers(role: .roadChief, station: grid.stationId, grid: grid.gridId)
            if road.isEmpty { road = demo.officers(role: .roadChief, station: grid.stationId) }
            out.append(line(.roadChief, "road", road))
            if let centre = incident.commandStationId {
                out.append(line(.dutyChief, "major", demo.officers(role: .dutyChief, station: centre)))
            }
            return out
        }
        let points = demo.grids.map(\.polygon.centroid) + demo.schools.map(\.geofence.centroid)
        var schoolsSeen = 0
        for point in points {
            let opened = IncidentOpened(
                incidentId: "I1", callId: "C1", channel: .traffic, category: .accidentMinor, priority: 2,
                place: IncidentPlace(coordinate: point, address: nil, grid: demo.locate(point)),
                caller: nil, description: "有人持刀伤人", callTaker: "CT01", casualties: 0, partiesConsent: false, enterpriseId: nil,
                receivedAt: noon)
            let incident = IncidentOpening.activeIncident(opened, rules: .defaults, jurisdiction: demo)
            let notices = chiefs.notices(for: incident)
            #expect(notices.map { line($0.role, $0.reason, $0.officers, school: $0.schoolId) } == expected(incident), "at \(point)")
            if notices.contains(where: { $0.role == .schoolChief }) { schoolsSeen += 1 }
        }
        #expect(schoolsSeen >= demo.schools.count, "every school's own centroid is inside it")
    }

    @Test("a polygon's bounding box, in one pass, is the box of its outer ring's positions")
    func boundingBoxes() {
        for polygon in demo.grids.map(\.polygon) + demo.schools.map(\.geofence) {
            let ring = polygon.outerRing
            let box = polygon.boundingBox
            #expect(box.minLat == ring.map(\.lat).min() && box.maxLat == ring.map(\.lat).max())
            #expect(box.minLon == ring.map(\.lon).min() && box.maxLon == ring.map(\.lon).max())
        }
        #expect(GeoPolygon(rings: []).boundingBox == BoundingBox(minLat: 0, minLon: 0, maxLat: 0, maxLon: 0))
    }
}
