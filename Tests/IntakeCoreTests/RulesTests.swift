import Foundation
@testable import IntakeCore
import Model
import Testing

// The pure rules, without a store or an engine: each decision from its inputs.

@Suite("rules: merge policy")
struct MergePolicyTests {
    let policy = MergePolicy()
    let here = Coordinate(lat: 36.855746, lon: 117.723495)

    @Test("the same caller: the newest earlier call within the caller radius, any when a position is missing")
    func sameCaller() {
        let near = MergePolicy.EarlierCall(incidentId: "I1", coordinate: north(of: here, 100))
        let far = MergePolicy.EarlierCall(incidentId: "I2", coordinate: north(of: here, 600))
        let unplaced = MergePolicy.EarlierCall(incidentId: "I3", coordinate: nil)
        #expect(policy.sameCaller([far, near], at: here)?.incidentId == "I1")
        #expect(policy.sameCaller([far, near], at: here).map { abs(($0.distance ?? 0) - 100) < 1 } == true)
        #expect(policy.sameCaller([far], at: here) == nil, "600 m away is something else")
        #expect(policy.sameCaller([unplaced, near], at: here)?.incidentId == "I3")
        #expect(policy.sameCaller([far], at: nil).map { $0.incidentId == "I2" && $0.distance == nil } == true)
        #expect(policy.sameCaller([], at: here) == nil)
    }

    @Test("the same place: the nearest open incident within the place radius")
    func samePlace() {
        let candidates = [
            MergePolicy.OpenIncident(incidentId: "I1", coordinate: north(of: here, 140)),
            MergePolicy.OpenIncident(incidentId: "I2", coordinate: north(of: here, 40)),
            MergePolicy.OpenIncident(incidentId: "I3", coordinate: north(of: here, 160)),
        ]
        #expect(policy.samePlace(candidates, at: here)?.incidentId == "I2")
        #expect(policy.samePlace([candidates[2]], at: here) == nil)
    }

    @Test("the search box holds every point within the radius, and little more")
    func searchBox() {
        let box = policy.searchBox(around: here)
        for bearing in stride(from: 0.0, to: 360, by: 15) {
            let r = policy.placeRadiusMeters * 0.999
            let point = Coordinate(
                lat: here.lat + r * cos(bearing * .pi / 180) / 111_320,
                lon: here.lon + r * sin(bearing * .pi / 180) / (111_320 * cos(here.lat * .pi / 180)))
            #expect(box.lat.contains(point.lat) && box.lon.contains(point.lon), "bearing \(bearing)")
        }
        #expect(!box.lat.contains(north(of: here, policy.placeRadiusMeters * 1.1).lat))
    }

    @Test("the window, repeat and malicious thresholds")
    func thresholds() {
        #expect(policy.windowStart(for: t0) == t0.addingTimeInterval(-30 * 60))
        #expect(!policy.isRepeatCaller(earlierCalls: 1))
        #expect(policy.isRepeatCaller(earlierCalls: 2), "the third call within the ledger window")
        #expect(!policy.isMalicious(falseReports: 1))
        #expect(policy.isMalicious(falseReports: 2))
    }
}

@Suite("rules: classification, diversion, priority")
struct ClassificationRuleTests {
    @Test("a diversion rule reads an unclassified call as a non-police matter; a classified call stands")
    func diversionReading() {
        let unclassified = Demo.rules.classification.classify(call(hint: nil, description: "楼下广场舞噪音太大"))
        #expect(unclassified.category == nil)
        let read = Demo.rules.diversion.reading(unclassified, description: "楼下广场舞噪音太大")
        #expect(read.category == .nonPolice && read.priority == 4 && read.source == "diversion:noise-environment")
        let classified = Demo.rules.classification.classify(call(hint: .dispute, description: "楼下广场舞噪音太大"))
        #expect(Demo.rules.diversion.reading(classified, description: "楼下广场舞噪音太大") == classified)
        let nothing = Demo.rules.classification.classify(call(hint: nil, description: "请尽快过来一下"))
        #expect(Demo.rules.diversion.reading(nothing, description: "请尽快过来一下").category == nil, "no rule: review")
    }

    @Test("people hurt make any category most urgent")
    func casualties() {
        #expect(IncidentPriority.of(.dispute) == 3)
        let r = Demo.rules.classification.classify(call(hint: .dispute, casualties: 1))
        #expect(r.priority == 1 && r.source == "callTaker")
    }
}

@Suite("rules: validation and location")
struct CallValidatorTests {
    let validator = CallValidator(jurisdiction: Demo.jurisdiction, rules: Demo.rules)

    @Test("a valid call has no problem; each problem names its field and code")
    func problems() {
        #expect(validator.problem(call(), receivedAt: t0, now: t0) == nil)
        #expect(validator.problem(call(.traffic, phone: nil), receivedAt: t0, now: t0)?.field == "caller.phone")
        #expect(validator.problem(call(), receivedAt: t0.addingTimeInterval(301), now: t0)?.code == "impossible-time")
        #expect(validator.problem(call(), receivedAt: t0.addingTimeInterval(-24 * 3600 - 1), now: t0)?.code == "impossible-time")
        #expect(validator.problem(call(casualties: -1), receivedAt: t0, now: t0)?.field == "casualties")
        #expect(validator.problem(call(at: Coordinate(lat: 39.9, lon: 116.4)), receivedAt: t0, now: t0)?.code == "outside-jurisdiction")
        #expect(validator.problem(call(at: Coordinate(lat: 91, lon: 0)), receivedAt: t0, now: t0)?.code == "invalid-coordinates")
    }

    @Test("coordinates win over the address; addresses match without their spaces")
    func locator() {
        let locator = CallLocator(jurisdiction: Demo.jurisdiction, addresses: Demo.addresses)
        #expect(locator.locate(call(at: Demo.urban, address: Demo.address.text)).coordinate == Demo.urban)
        let spaced = Demo.address.text.map { String($0) }.joined(separator: " ")
        #expect(locator.locate(call(at: nil, address: spaced)).grid?.gridId == Demo.address.gridId)
        let none = locator.locate(call(at: nil, address: "某个不存在的地址"))
        #expect(none.grid == nil && none.coordinate == nil)
    }
}

@Suite("rules: the call parser and record numbers")
struct CallParserTests {
    @Test("a valid call decodes in one pass; an invalid one is diagnosed with its hints")
    func parse() throws {
        let parser = CallParser()
        let body = Array(#"{"channel":"122","caller":{"phone":"139"},"callTaker":"CT02","clientRef":"r-9"}"#.utf8)
        guard case .call(let request) = parser.parse(body) else {
            Issue.record("a valid call did not parse")
            return
        }
        #expect(request.channel == .traffic && request.clientRef == "r-9")
        guard case .unreadable(let problem, let status, let hints) = parser.parse(Array(#"{"channel":"119","clientRef":"r-1"}"#.utf8)) else {
            Issue.record("an unknown channel parsed")
            return
        }
        #expect(problem.code == "unknown-channel" && status == 422 && hints.clientRef == "r-1")
        guard case .unreadable(let tooLarge, 413, _) = parser.parse(Array(repeating: 0x20, count: CallParser.maxCallBytes + 1)) else {
            Issue.record("an oversized body parsed")
            return
        }
        #expect(tooLarge.code == "too-large")
    }

    @Test("identifiers continue after the last recorded numbers")
    func sequence() {
        var ids = RecordSequence(lastCall: 41, lastIncident: 6)
        #expect(ids.newCall() == ("C00000042", 42))
        #expect(ids.newCall().id == "C00000043")
        #expect(ids.newIncident().id == "I00000007")
        #expect(RecordIdentifier.callNumber("C00000042") == 42 && RecordIdentifier.callNumber("I00000007") == nil)
        #expect(RecordIdentifier.call(123_456_789) == "C123456789")
    }
}

@Suite("operation inputs")
struct OperationInputTests {
    @Test("classify takes the call from the path's id before the body's callId (the ROUTER sends callId)")
    func classifyInput() throws {
        let decoder = JSONCodec.decoder()
        let routed = try decoder.decode(ClassifyInput.self, from: Data(#"{"id":"C00000002","callId":"C00000009","category":"dispute"}"#.utf8))
        #expect(routed.callId == "C00000002")
        let direct = try decoder.decode(ClassifyInput.self, from: Data(#"{"callId":"C00000009","category":"nonPolice","callTaker":"CT02"}"#.utf8))
        #expect(direct == ClassifyInput(callId: "C00000009", category: .nonPolice, callTaker: "CT02"))
        #expect(throws: DecodingError.self) { try decoder.decode(ClassifyInput.self, from: Data(#"{"category":"dispute"}"#.utf8)) }
    }

    @Test("a limit that is not a number is refused naming limit")
    func callQueryLimit() throws {
        let query = try JSONCodec.decoder().decode(CallQuery.self, from: Data(#"{"limit":20,"outcome":"merged"}"#.utf8))
        #expect(query == CallQuery(outcome: "merged", limit: 20))
        do {
            _ = try JSONCodec.decoder().decode(CallQuery.self, from: Data(#"{"limit":"x"}"#.utf8))
            Issue.record("a limit of 'x' decoded")
        } catch let error as DecodingError {
            #expect(describe(error).field == "limit")
        }
    }
}
