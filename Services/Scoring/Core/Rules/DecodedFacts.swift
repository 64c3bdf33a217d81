import Foundation
import Model

/// Facts already decoded, by fact id, so re-deriving an incident as its facts arrive decodes each
/// fact once rather than once per derivation. A cached value is used only while its fact's payload
/// is byte for byte the one it was decoded from (a replaced complaint or call-back decodes again),
/// so the cache never changes a result, and a rolled-back transaction cannot leave a wrong entry.
/// Bounded: past `capacity` facts it starts again empty.
public final class DecodedFacts: @unchecked Sendable {
    // Used only on the engine's thread (the core is the engine's), hence unchecked.
    private var values: [String: (payload: Data, value: any Sendable)] = [:]
    private let capacity: Int
    /// Decodes done and avoided since creation (what the tests and the bench read).
    public private(set) var decoded = 0
    public private(set) var reused = 0

    public init(capacity: Int = 200_000) { self.capacity = capacity }

    /// `fact`'s payload as `T`, decoded with `decoder` unless already decoded from the same bytes.
    func value<T: Decodable & Sendable>(_ type: T.Type, of fact: Fact, decoder: JSONDecoder) -> T? {
        if let known = values[fact.id], known.payload == fact.payload, let value = known.value as? T {
            reused += 1
            return value
        }
        decoded += 1
        guard let value = try? JSONCodec.decode(T.self, from: fact.payload, fallback: decoder) else { return nil }
        if values.count >= capacity { values.removeAll(keepingCapacity: true) }
        values[fact.id] = (fact.payload, value)
        return value
    }

    /// Keeps `value`, already decoded from `payload` when the fact was recorded, so derivation
    /// does not decode it again.
    func seed(_ factId: String, payload: Data, value: any Sendable) {
        if values.count >= capacity { values.removeAll(keepingCapacity: true) }
        values[factId] = (payload, value)
    }

    /// Forgets an incident's facts (it is closed and derived; a late fact decodes again).
    func forget(_ facts: [Fact]) {
        for fact in facts { values[fact.id] = nil }
    }
}
