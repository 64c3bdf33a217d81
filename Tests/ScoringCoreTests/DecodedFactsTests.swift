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

    @Test func aFullCacheStartsAgainAndStillGivesTheSameResult() {
        let cache = DecodedFacts(capacity: 3)
        for _ in 0..<3 {
            let cached = Derivation.derive(
                incidentId: "I1", facts: Self.arrivals, rules: .defaults, decoder: JSONCodec.decoder(), cache: cache, promise: { _ in nil })
            #expect(cached.1 == Facts.derive(Self.arrivals).1)
        }
    }
}
