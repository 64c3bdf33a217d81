import Foundation
import Model
import Testing
import Wire

/// An instant with milliseconds, built from its ISO text so that a round trip must give it back bit for bit.
func time(_ iso: String) -> Date { EventTime.date(iso)! }

func roundTrip<T: Codable & Equatable>(_ value: T) throws -> (T, String) {
    let data = try JSONCodec.encoder().encode(value)
    return (try JSONCodec.decoder().decode(T.self, from: data), String(decoding: data, as: UTF8.self))
}

@Suite("EventTime")
struct EventTimeTests {
    @Test("writes UTC with exactly three fractional digits")
    func writes() {
        #expect(EventTime.string(Date(timeIntervalSince1970: 1_795_334_400)) == "2026-11-22T08:00:00.000Z")
        #expect(EventTime.string(Date(timeIntervalSince1970: 1_795_334_400.5)) == "2026-11-22T08:00:00.500Z")
        #expect(EventTime.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    }

    @Test(
        "milliseconds survive formatting (no truncation of binary fractions)",
        arguments: [0.001, 0.123, 0.007, 0.999, 0.3, 0.58])
    func milliseconds(fraction: Double) {
        let date = Date(timeIntervalSince1970: 1_795_334_400 + fraction)
        let expected = String(format: "2026-11-22T08:00:00.%03dZ", Int((fraction * 1000).rounded()))
        #expect(EventTime.string(date) == expected)
    }

    @Test(
        "a time read from JSON is written back with the same text",
        arguments: ["2026-11-22T08:00:00.007Z", "2026-11-22T08:00:00.001Z", "2026-11-22T23:59:59.999Z", "2026-11-22T08:15:30.580Z"])
    func parsedTimeRoundTrip(text: String) throws {
        let date = try #require(EventTime.date(text))
        #expect(EventTime.string(date) == text)
        struct Stamp: Codable, Equatable { var at: Date }
        let (back, json) = try roundTrip(Stamp(at: date))
        #expect(json == #"{"at":"\#(text)"}"#)
        #expect(back == Stamp(at: date))
    }

    @Test("reads Z with and without milliseconds, and numeric offsets")
    func reads() throws {
        let base = Date(timeIntervalSince1970: 1_795_334_400)
        #expect(EventTime.date("2026-11-22T08:00:00Z") == base)
        let withMillis = try #require(EventTime.date("2026-11-22T08:00:00.250Z"))
        #expect(abs(withMillis.timeIntervalSince(base) - 0.25) < 1e-6)
        let offset = try #require(EventTime.date("2026-11-22T16:00:00.250+08:00"))
        #expect(abs(offset.timeIntervalSince(base) - 0.25) < 1e-6)
        #expect(EventTime.date("2026-11-22T16:00:00+08:00") == base)
        #expect(EventTime.date("2026-11-22 08:00") == nil)
        #expect(EventTime.date("") == nil)
    }
}

@Suite("JSONCodec and payloads")
struct CodecTests {
    @Test("a full CallRequest round-trips, with an ISO time in milliseconds and the channel as its code")
    func callRequest() throws {
        let call = CallRequest(
            channel: .traffic, caller: Caller(name: "黄静", phone: "13800002777"),
            location: CallLocation(lat: 36.855746, lon: 117.723495, address: "邹平市黛溪街道黛溪三路小区"),
            categoryHint: .accidentMinor, description: "两车剐蹭 \"追尾\"\n无人受伤", receivedAt: time("2026-11-22T08:15:30.123Z"),
            callTaker: "CT01", casualties: 0, partiesConsent: true, enterpriseId: "E0004", clientRef: "ref/1")
        let (back, json) = try roundTrip(call)
        #expect(back == call)
        #expect(json.contains(#""receivedAt":"2026-11-22T08:15:30.123Z""#))
        #expect(json.contains(#""channel":"122""#))
        #expect(json.contains(#""clientRef":"ref/1""#), "slashes are not escaped")
        #expect(back.location?.coordinate == Coordinate(lat: 36.855746, lon: 117.723495))
    }

    @Test("a minimal CallRequest decodes from the wire format, absent fields nil")
    func minimalCall() throws {
        let call = try JSONCodec.decoder().decode(CallRequest.self, from: Data(#"{"channel":"enterprise","location":{"address":"某地"}}"#.utf8))
        #expect(call.channel == .enterprise)
        #expect(call.location?.coordinate == nil)
        #expect(call.receivedAt == nil)
        #expect(try roundTrip(call).0 == call)
    }

    @Test("the demo calls decode")
    func demoCalls() throws {
        struct File: Decodable { var calls: [CallRequest] }
        let file = try JSONCodec.decoder().decode(File.self, from: Data(contentsOf: demoCity.appendingPathComponent("demo-calls.json")))
        #expect(file.calls.count == 12)
        #expect(file.calls.filter { $0.categoryHint == nil }.count == 2)
        #expect(Set(file.calls.map(\.channel)) == [.police, .traffic, .hotline12345, .enterprise])
    }

    static let at = time("2026-11-22T08:00:00.250Z")  // a binary fraction: see the rounding bug above
    static let grid = GridLocation(gridId: "G035", stationId: "S14", postId: "P1", regionId: "R5", urban: true)

    @Test("IncidentOpened round-trips and routes by region")
    func incidentOpened() throws {
        let event = IncidentOpened(
            incidentId: "I-1", callId: "C-1", channel: .police, category: .dispute, priority: 2,
            place: IncidentPlace(coordinate: Coordinate(lat: 36.85, lon: 117.72), address: "黛溪三路", grid: Self.grid),
            caller: Caller(name: "张三"), description: "邻里纠纷", callTaker: "CT01", casualties: 0, partiesConsent: true,
            enterpriseId: nil, receivedAt: Self.at)
        let (back, json) = try roundTrip(event)
        #expect(back == event)
        #expect(json.contains(#""receivedAt":"2026-11-22T08:00:00.250Z""#))
        #expect(event.topic == "incident.opened.R5")
        #expect(event.correlationId == "I-1")
        #expect(event.eventTime == Self.at)
        var unlocated = event
        unlocated.place.grid = nil
        #expect(unlocated.topic == "incident.opened.unlocated")
    }

    @Test("the other payloads round-trip with their topics")
    func otherPayloads() throws {
        let assigned = UnitAssigned(
            incidentId: "I-1", unitId: "U001", callSign: "台子巡1", unitKind: .patrolCar, officerIds: ["O0001", "O0002"],
            rule: "grid-nearest", regionId: "R1", stationId: "S01", gridId: "G001", distanceMeters: 1234.5, etaSeconds: 98.25, assignedAt: Self.at)
        #expect(try roundTrip(assigned).0 == assigned)
        #expect(assigned.topic == "dispatch.assigned.R1")

        let queued = IncidentQueued(incidentId: "I-2", regionId: nil, priority: 1, reason: "no unit", queuedAt: Self.at)
        #expect(try roundTrip(queued).0 == queued)
        #expect(queued.topic == "dispatch.queued.unlocated")

        let field = FieldReported(
            incidentId: "I-1", unitId: "U001", officerIds: ["O0001"], stage: .closed, outcome: .mediated, note: nil, regionId: "R1", at: Self.at)
        #expect(try roundTrip(field).0 == field)
        #expect(field.topic == "dispatch.field.closed.R1")

        let points = PointsAwarded(
            incidentId: "I-1", stationId: "S01", rulesVersion: "r1",
            lines: [
                PointsLine(
                    awardId: "A-1", officerId: "O0001", unitId: nil, rule: "arrival-in-5", points: 2.5, earnedBy: ["dispatch:e:4"], at: Self.at,
                    revision: 1)
            ])
        #expect(try roundTrip(points).0 == points)
        #expect(points.topic == "score.awarded.S01")

        let alert = EnterpriseAlert(
            alertId: "AL-1", enterpriseId: "E0004", enterpriseName: "邹平示例化工有限公司", incidentId: "I-1", transition: "opened",
            severity: .severe, category: .publicOrder, matchedBy: "geofence", liaisonOfficerId: "O0100", zeroDisturbance: true,
            gridId: "G020", at: Self.at)
        #expect(try roundTrip(alert).0 == alert)
        #expect(alert.topic == "alert.enterprise.E0004")
        #expect(alert.topic.hasPrefix(Topics.enterpriseAlert))

        let dead = DeadLetter(service: "dispatch", source: nil, reason: "header field 'seq' is missing", frames: ["aGk=", ""], at: Self.at)
        #expect(try roundTrip(dead).0 == dead)
        #expect(dead.topic == "deadletter.dispatch")
        #expect(dead.correlationId == nil)
    }

    // MARK: Errors name the field

    func decodeError<T: Decodable>(_ type: T.Type, _ json: String) throws -> (field: String, reason: String) {
        let error = try #require(throws: (any Error).self) { try JSONCodec.decoder().decode(T.self, from: Data(json.utf8)) }
        return describe(error)
    }

    @Test("a bad time names the field and shows the value")
    func badTime() throws {
        let (field, reason) = try decodeError(CallRequest.self, #"{"channel":"110","receivedAt":"yesterday at 8"}"#)
        #expect(field == "receivedAt")
        #expect(reason.contains("'yesterday at 8' is not an ISO-8601 time"))
    }

    @Test("a bad time deep in a payload names the whole path")
    func badNestedTime() throws {
        struct Batch: Codable { var events: [FieldReported] }
        let json =
            #"{"events":[{"incidentId":"I","unitId":"U","officerIds":[],"stage":"arrived","regionId":null,"at":"2026-11-22T08:00:00.000Z"},"#
            + #"{"incidentId":"I","unitId":"U","officerIds":[],"stage":"arrived","regionId":null,"at":"2026-13-45T99:00:00Z"}]}"#
        let (field, reason) = try decodeError(Batch.self, json)
        #expect(field == "events[1].at")
        #expect(reason.contains("not an ISO-8601 time"))
    }

    @Test(
        "missing, mistyped, null and unknown values name the field",
        arguments: [
            (#"{}"#, "channel", "is required"),
            (#"{"channel":"119"}"#, "channel", "119"),
            (#"{"channel":"110","casualties":"two"}"#, "casualties", "wrong type"),
            (#"{"channel":"110","location":{"lat":"north"}}"#, "location.lat", "wrong type"),
            (#"{"channel":null}"#, "channel", "null"),
        ])
    func namedFields(json: String, field: String, words: String) throws {
        let described = try decodeError(CallRequest.self, json)
        #expect(described.field == field)
        #expect(described.reason.contains(words), "reason was: \(described.reason)")
    }

    @Test("a body that is not JSON says so, with no field")
    func notJSON() throws {
        let (field, reason) = try decodeError(CallRequest.self, "channel=110")
        #expect(field == "")
        #expect(reason.hasPrefix("body is not valid JSON"))
    }

    @Test("describe passes other errors through")
    func otherErrors() {
        struct Oops: Error, CustomStringConvertible { var description: String { "oops" } }
        #expect(describe(Oops()) == ("", "oops"))
    }

    @Test("ManualClock moves only when told")
    func manualClock() {
        let clock = ManualClock(Self.at)
        #expect(clock.now() == Self.at)
        clock.advance(by: 90.5)
        #expect(clock.now() == Self.at.addingTimeInterval(90.5))
        clock.set(Date(timeIntervalSince1970: 0))
        #expect(clock.now() == Date(timeIntervalSince1970: 0))
    }
}

@Suite("FieldReported's topic")
struct FieldTopicTests {
    @Test func theStageIsReadBackFromEveryTopicAFieldReportGets() {
        for stage in FieldStage.allCases {
            for region in ["R1", nil] as [String?] {
                let report = FieldReported(
                    incidentId: "I-1", unitId: "U1", officerIds: [], stage: stage, outcome: nil, note: nil, regionId: region, at: CodecTests.at)
                #expect(FieldReported.stage(ofTopic: report.topic) == stage, "\(report.topic)")
            }
        }
        for topic in ["dispatch.field", "dispatch.field.", "dispatch.field.landed.R1", "dispatch.fieldx.closed.R1", "dispatch.assigned.R1", ""] {
            #expect(FieldReported.stage(ofTopic: topic) == nil, "\(topic)")
        }
    }
}

@Suite("Incident")
struct IncidentModelTests {
    @Test("an incident built from incident.opened carries its facts and round-trips through JSON")
    func fromOpened() throws {
        let opened = IncidentOpened(
            incidentId: "I00000001", callId: "C00000001", channel: .police, category: .dispute, priority: 3,
            place: IncidentPlace(coordinate: Coordinate(lat: 36.9, lon: 117.7), address: "某路1号", grid: nil),
            caller: Caller(name: "张三", phone: "13800000000"), description: "纠纷", callTaker: "CT01",
            casualties: 0, partiesConsent: true, enterpriseId: "E0001", receivedAt: Date(timeIntervalSince1970: 1_800_000_000.5))
        let incident = Incident(opened)
        #expect(incident.status == .open)
        #expect(incident.enterpriseIds == ["E0001"])
        #expect(incident.openedAt == opened.receivedAt)
        let data = try JSONCodec.encoder().encode(incident)
        #expect(try JSONCodec.decoder().decode(Incident.self, from: data) == incident)
    }
}
