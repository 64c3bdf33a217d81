import Foundation
import Model

/// Facts already decoded, by fact id, so re-deriving an incident as its facts arrive decodes each
/// fact once rather than once per derivation. A cached value is used only while its fact's payload
/// is byte for byte the one it was decoded from (a replaced complaint or call-back decodes again),
/// so the cache never changes a result, and a rolled-back transaction cannot leave a wrong entry.
///
/// Bounded in two generations of `generation` facts each: a fact used (or kept) goes into the
/// current one; when that is full it becomes the previous one and the oldest is dropped, so the
/// facts of incidents still being derived stay and those of incidents long quiet (closed, or
/// waiting in a backlog for a unit) leave. At about a kilobyte a fact (an `incident.opened` with
/// its call, and the bytes it was decoded from), the default bounds the cache near 40 MB: a bound
/// of 200,000 facts that started again empty held scoring at 309 MB after a million calls.
public final class DecodedFacts: @unchecked Sendable {
    // Used only on the engine's thread (the core is the engine's), hence unchecked.
    private typealias Entry = (payload: Data, value: any Sendable)
    private var current: [String: Entry] = [:]
    private var previous: [String: Entry] = [:]
    private let generation: Int
    /// Decodes done and avoided since creation (what the tests and the bench read).
    public private(set) var decoded = 0
    public private(set) var reused = 0

    /// At most `2 × generation` facts are kept.
    public init(generation: Int = 20_000) { self.generation = max(1, generation) }

    /// How many facts are kept now.
    public var count: Int { current.count + previous.count }

    /// `fact`'s payload as `T`, decoded with `decoder` unless already decoded from the same bytes.
    func value<T: Decodable & Sendable>(_ type: T.Type, of fact: Fact, decoder: JSONDecoder) -> T? {
        if let known = current[fact.id], known.payload == fact.payload, let value = known.value as? T {
            reused += 1
            return value
        }
        if let known = previous.removeValue(forKey: fact.id), known.payload == fact.payload, let value = known.value as? T {
            reused += 1
            keep(fact.id, known)
            return value
        }
        decoded += 1
        guard let value = try? JSONCodec.decode(T.self, from: fact.payload, fallback: decoder) else { return nil }
        keep(fact.id, (fact.payload, value))
        return value
    }

    /// Keeps `value`, already decoded from `payload` when the fact was recorded, so derivation
    /// does not decode it again.
    func seed(_ factId: String, payload: Data, value: any Sendable) {
        previous[factId] = nil
        keep(factId, (payload, value))
    }

    private func keep(_ factId: String, _ entry: Entry) {
        if current.count >= generation, current[factId] == nil {
            previous = current
            current = [:]
            current.reserveCapacity(generation)
        }
        current[factId] = entry
    }

    /// Forgets an incident's facts (it is closed and derived; a late fact decodes again).
    func forget(_ facts: [Fact]) {
        for fact in facts {
            current[fact.id] = nil
            previous[fact.id] = nil
        }
    }
}
