import Foundation
import Model
@testable import ScoringCore
import Testing
import Wire

/// Incremental derivation: re-deriving as facts arrive, with each fact decoded once (``DecodedFacts``),
/// gives exactly what deriving from scratch gives.
@Suite struct DecodedFactsTests {
    static func complaint(_ status: Complaint.Status, at t: Double) -> Fact {
        let c = Complaint(complaintId: "C1", incidentId: "I1", kind: .complaint, status: status, officerIds: ["O1"], note: nil, at: at(t))
        return Fact(id: "complaint:C1", type: Complaint.factType, at: c.at, payload: try! JSONCodec.encoder().encode(c))
    }

    /// The dispute, a second unit, a breach and a complaint, arriving one fact at a time.
    static let arrivals: [Fact] =
        Facts.dispute + [
            Facts.fact("f6", Make.assigned("I1", unit: "U2", officers: ["O3"], at: 40, kind: .accidentDivision, role: nil)),
            Facts.fact("f7", Make.breached("I1", .signOff, unit: "U2", officers: ["O3"], at: 130)),
            Facts.fact("f8", Make.closed("I1", .mediated, openedAt: 0, at: 3600)),
            complaint(.pending, at: 4000),
        ]

    @Test func derivingAsFactsArriveWithTheCacheEqualsDerivingFromScratch() {
        let cache = DecodedFacts()
        var seen: [Fact] = []
        for fact in Self.arrivals {
            seen.append(fact)
            let cached = Derivation.derive(
                incidentId: "I1", facts: seen.reversed(), rules: .defaults, decoder: JSONCodec.decoder(), cache: cache, promise: { _ in nil })
            let scratch = Facts.derive(seen)
            #expect(cached.0 == scratch.0)
            #expect(cached.1 == scratch.1)
        }
        #expect(cache.decoded == Self.arrivals.count, "each fact decoded once")
        #expect(cache.reused > 0)

        // A complaint replaced under the same id (now upheld) is decoded again: a deduction appears.
        seen[seen.count - 1] = Self.complaint(.upheld, at: 4100)
        let cached = Derivation.derive(
            incidentId: "I1", facts: seen, rules: .defaults, decoder: JSONCodec.decoder(), cache: cache, promise: { _ in nil })
        let scratch = Facts.derive(seen)
        #expect(cached.1 == scratch.1)
        #expect(cached.1.contains { $0.rule == "complaint.upheld" })
        #expect(cache.decoded == Self.arrivals.count + 1)
    }

    @Test func aFullCacheStillGivesTheSameResult() {
        let cache = DecodedFacts(generation: 2)
        for _ in 0..<3 {
            let cached = Derivation.derive(
                incidentId: "I1", facts: Self.arrivals, rules: .defaults, decoder: JSONCodec.decoder(), cache: cache, promise: { _ in nil })
            #expect(cached.1 == Facts.derive(Self.arrivals).1)
            #expect(cache.count <= 4)
        }
    }

    /// The facts of an incident still being derived stay while others come and go; the cache
    /// never holds more than two generations.
    @Test func factsInUseStayAndTheCacheIsBounded() {
        let cache = DecodedFacts(generation: 50)
        let decoder = JSONCodec.decoder()
        var decodesOfTheBusyIncident = 0
        for round in 0..<40 {
            // Ten facts of other incidents, used once each.
            for other in 0..<10 {
                let fact = Facts.fact("other-\(round)-\(other)", Make.assigned("X\(round)", unit: "U\(other)", officers: ["O1"], at: 40))
                _ = cache.value(UnitAssigned.self, of: fact, decoder: decoder)
            }
            let before = cache.decoded
            _ = Derivation.derive(incidentId: "I1", facts: Self.arrivals, rules: .defaults, decoder: decoder, cache: cache, promise: { _ in nil })
            decodesOfTheBusyIncident += cache.decoded - before
            #expect(cache.count <= 100)
        }
        #expect(decodesOfTheBusyIncident == Self.arrivals.count, "the busy incident's facts were decoded once, in the first round")
    }
}
