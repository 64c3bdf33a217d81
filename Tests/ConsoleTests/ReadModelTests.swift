import Foundation
import Model
import TestSupport
import Testing
import Wire

@testable import precinct_console

/// The console's read model, event by event (the catalogue's examples: one incident, unit U118).
@Suite struct ReadModelTests {
    let dispatch = EventSource("dispatch")
    let intake = EventSource("intake")
    let scoring = EventSource("scoring")

    func apply(_ model: inout ReadModel, _ events: Envelope...) -> ModelChanges {
        var changes = ModelChanges()
        for event in events { model.apply(event, changes: &changes) }
        return changes
    }

    func opened(_ model: inout ReadModel) {
        _ = apply(&model, intake.event(IncidentOpened.example), dispatch.event(UnitAssigned.example))
    }

    @Test func anAssignmentStartsTheUnitsSignOffTimerAndItsReportMeetsIt() {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        opened(&model)
        let incident = model.incidents[IncidentOpened.example.incidentId]!
        #expect(incident.state == "assigned")
        #expect(incident.units.map(\.unitId) == ["U118"])
        let signOff = incident.timers.first { $0.timer == "signOff" }!
        #expect(signOff.dueAt.timeIntervalSince(signOff.startedAt) == 90)
        #expect(signOff.state == "running")

        var report = FieldReported.example
        report.stage = .signedOff
        report.outcome = nil
        let changes = apply(&model, dispatch.event(report))
        #expect(changes.incidents == [incident.id])
        #expect(model.incidents[incident.id]!.timers.first { $0.timer == "signOff" }!.state == "met")
        #expect(model.incidents[incident.id]!.units[0].stage == "signedOff")
    }

    @Test func anEventAlreadyAppliedIsIgnored() {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        let event = intake.event(IncidentOpened.example)
        _ = apply(&model, event)
        let changes = apply(&model, event)
        #expect(changes.isEmpty)
        #expect(model.applied == 1)
    }

    @Test func aBreachTurnsTheTimerAndReleasingTheUnitEndsItsPart() {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        opened(&model)
        _ = apply(&model, dispatch.event(SLABreached.example))
        let id = IncidentOpened.example.incidentId
        #expect(model.incidents[id]!.timers.first { $0.timer == "signOff" }!.state == "breached")
        var status = UnitStatusChanged.example
        status.from = "dispatched"
        status.to = "available"
        let changes = apply(&model, dispatch.event(status))
        #expect(changes.units == ["U118"])
        #expect(model.units["U118"]!.state == "available")
        #expect(model.units["U118"]!.incidentId == nil)
        #expect(model.incidents[id]!.units[0].stage == "released")
    }

    @Test func pointsAddUpAndARevisionReplacesThem() throws {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        opened(&model)
        let example = PointsAwarded.example
        var first = try #require(example.lines.first)
        first.revision = 1
        first.previousPoints = nil
        let officer = first.officerId
        _ = apply(
            &model, scoring.event(PointsAwarded(incidentId: example.incidentId, stationId: example.stationId, rulesVersion: "r", lines: [first])))
        #expect(model.officers[officer]!.points == first.points)
        var revised = first
        revised.points = 4
        revised.previousPoints = first.points
        revised.revision = 2
        var other = first
        other.awardId += ".2"
        other.rule = "dispatched"
        other.points = 1
        let changes = apply(
            &model,
            scoring.event(PointsAwarded(incidentId: example.incidentId, stationId: example.stationId, rulesVersion: "r", lines: [revised, other])))
        #expect(changes.officers == [officer])
        #expect(model.officers[officer]!.points == 5)
        #expect(model.officers[officer]!.lines.count == 2)
        #expect(model.incidents[example.incidentId]!.points == 5)
        var withdrawn = other
        withdrawn.points = 0
        withdrawn.previousPoints = 1
        withdrawn.withdrawn = true
        _ = apply(
            &model, scoring.event(PointsAwarded(incidentId: example.incidentId, stationId: example.stationId, rulesVersion: "r", lines: [withdrawn])))
        #expect(model.officers[officer]!.points == 4)
        #expect(model.officers[officer]!.lines.map(\.awardId) == [first.awardId])
    }

    @Test func aRetiredVersionOneEventIsStillCredited() throws {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        opened(&model)
        let incident = IncidentOpened.example.incidentId
        // Version 1, as scoring published it before version 2: one ledger line per event.
        let v1 =
            #"{"awardId":"\#(incident):O0124:dispatched","officerId":"O0124","unitId":"U1","incidentId":"\#(incident)","rule":"dispatched","points":2,"earnedBy":["e:1"],"stationId":"S13","at":"2026-11-22T08:45:10.000Z","revision":1}"#
        let header = EventHeader(
            type: PointsAwarded.type, version: 1, source: "scoring", epoch: "e1", seq: 1, time: "2026-11-22T08:45:10.000Z", correlationId: incident)
        let changes = apply(&model, Envelope(topic: "score.awarded.S13", header: header, payload: Array(v1.utf8)))
        #expect(changes.officers == ["O0124"])
        #expect(model.officers["O0124"]!.points == 2)
        #expect(model.incidents[incident]!.points == 2)
        // A version this console does not know changes nothing.
        var unknown = header
        unknown.version = 3
        unknown.seq = 2
        _ = apply(&model, Envelope(topic: "score.awarded.S13", header: unknown, payload: Array(v1.utf8)))
        #expect(model.officers["O0124"]!.points == 2)
    }

    @Test func closingMeetsTheCloseTimerAndCancelsTheRest() {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        opened(&model)
        _ = apply(&model, dispatch.event(IncidentClosed.example))
        let incident = model.incidents[IncidentOpened.example.incidentId]!
        #expect(incident.state == "closed")
        #expect(incident.outcome == IncidentClosed.example.outcome.rawValue)
        #expect(incident.timers.first { $0.timer == "close" }!.state == "met")
        #expect(incident.timers.allSatisfy { $0.state != "running" })
    }
}

/// A dispatcher's override (`dispatch.override`) as dispatch publishes it: the fields the console reads.
@Suite struct OverrideTests {
    @Test func acknowledgingAnEscalationClearsItAndReclassifyingChangesTheCategory() throws {
        var model = ReadModel(jurisdiction: nil, rules: TimerRules())
        let dispatch = EventSource("dispatch")
        var changes = ModelChanges()
        model.apply(EventSource("intake").event(IncidentOpened.example), changes: &changes)
        let escalated = dispatch.event(IncidentEscalated.example)
        model.apply(escalated, changes: &changes)
        let id = IncidentOpened.example.incidentId
        #expect(model.incidents[id]!.escalations.map(\.id) == ["dispatch-\(escalated.header.seq)"])
        let acknowledge = [
            #""incidentId":"\#(id)","action":"acknowledgeEscalation","dispatcher":"D01","reason":"seen","#,
            #""escalationId":"dispatch-1","at":"2026-12-01T08:00:00Z""#,
        ]
        let reclassify = [
            #""incidentId":"\#(id)","action":"reclassify","dispatcher":"D01","reason":"a fight","#,
            #""category":"publicOrder","at":"2026-12-01T08:00:01Z""#,
        ]
        for (seq, parts) in [(10, acknowledge), (11, reclassify)] {
            let body = "{" + parts.joined() + "}"
            let header = EventHeader(
                type: "dispatch.override", version: 1, source: "dispatch", epoch: "e1", seq: UInt64(seq), time: "2026-12-01T08:00:00Z",
                correlationId: id)
            model.apply(Envelope(topic: "dispatch.override.R3", header: header, payload: Array(body.utf8)), changes: &changes)
        }
        #expect(model.incidents[id]!.escalations[0].acknowledged)
        #expect(model.incidents[id]!.category == "publicOrder")
        #expect(model.incidents[id]!.timeline.last?.text == "reclassify by D01: a fight")
    }
}
