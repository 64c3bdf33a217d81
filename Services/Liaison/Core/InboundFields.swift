import EventStore
import Foundation
import Model
import Wire

/// The part of an inbound event's payload a handler reads. Liaison decodes an event into these
/// fields only (ARCHITECTURE.md, "Decode once, only what is needed"): the three events below are
/// most of its input, and most of them concern incidents at no enterprise, so decoding every
/// field of every payload was a fifth of its CPU.
///
/// A payload is refused as `Transaction.decode(_:from:)` refuses the whole event, in the same
/// words: an unknown schema version, malformed JSON, or a field liaison reads that is missing or
/// of the wrong type. A field liaison does not read is not checked (a tolerant reader).
protocol InboundFields: Decodable {
    /// The event these fields are part of: its type and the schema version liaison reads.
    associatedtype Event: EventPayload
}

extension Transaction {
    /// The fields of an inbound payload, refusing schema versions this code does not know.
    func decode<F: InboundFields>(_ fields: F.Type, from envelope: Envelope) throws -> F {
        guard envelope.header.version == F.Event.version else {
            throw UnusableEvent(
                reason: "unknown schema version \(envelope.header.version) of \(F.Event.type) (this service reads version \(F.Event.version))")
        }
        do {
            return try JSONCodec.decode(F.self, from: envelope.payload, fallback: decoder)
        } catch {
            let (field, reason) = describe(error)
            throw UnusableEvent(reason: "payload of \(F.Event.type) v\(F.Event.version) is malformed: \(field.isEmpty ? "" : field + " ")\(reason)")
        }
    }
}

extension IncidentOpened {
    /// What matching an opened incident and its `opened` alert read.
    struct Fields: InboundFields, Hashable {
        typealias Event = IncidentOpened
        var incidentId: String
        var category: Category
        var place: IncidentPlace
        var description: String?
        var casualties: Int
        var enterpriseId: String?
        var receivedAt: Date
    }
}

extension UnitAssigned {
    /// What recording a dispatch and its coordination alert read.
    struct Fields: InboundFields, Hashable {
        typealias Event = UnitAssigned
        var incidentId: String
        var unitId: String
        var callSign: String
        var stationId: String?
        var etaSeconds: Double
        var assignedAt: Date
    }
}

extension FieldReported {
    /// What following an arrival or a close reads.
    struct Fields: InboundFields, Hashable {
        typealias Event = FieldReported
        var incidentId: String
        var stage: FieldStage
        var outcome: Outcome?
        var at: Date
        var incidentClosed: Bool?
    }
}
