import Foundation
import Wire

// The event catalogue: every payload type the services publish, with an example of each.
// docs/asyncapi.yaml documents the same set; Tests/ModelTests/CatalogueTests.swift keeps the code
// and this list equal, and `make catalogue-check` (scripts/check_catalogue.py) validates every
// example against the document and enforces the versioning rules (docs/integrators.md).

/// Every payload type published on the bus, and how its examples look on the wire.
public enum EventCatalogue {
    /// Every published payload type, heartbeats included. A type conforming to `EventPayload`
    /// that is missing here fails `CatalogueTests`.
    public static let all: [any EventPayload.Type] = [
        IncidentOpened.self, IncidentMerged.self, IncidentDiverted.self,
        IncidentUpgraded.self, IncidentEnded.self,
        UnitAssigned.self, IncidentQueued.self, FieldReported.self, IncidentEscalated.self, ChiefNotified.self,
        CaseReferred.self, IncidentClosed.self, SLAWarning.self, SLABreached.self, UnitStatusChanged.self,
        DispatchUpgraded.self, Reinforcement.self,
        DispatcherOverride.self, CoordinationHold.self, CoordinationAcknowledged.self,
        PointsAwarded.self, ReportPublished.self,
        EnterpriseAlert.self, OfficerAlert.self, EnterpriseChanged.self, CaseChanged.self, WorkLogged.self,
        DeadLetter.self, Heartbeat.self, AuditRecorded.self,
        HandoffDelivered.self, HandoffChanged.self, IncidentReturned.self, CallReviewOverdue.self, SupportChanged.self,
    ]

    /// The services that publish each type (the header's `source`; docs/asyncapi.yaml's channel servers).
    public static func publishers(of type: String) -> [String] {
        switch type {
        case DeadLetter.type, Heartbeat.type, AuditRecorded.type: ["intake", "dispatch", "scoring", "liaison"]
        case _ where type.hasPrefix("incident."): ["intake"]
        case _ where type.hasPrefix("dispatch.") || type.hasPrefix("sla.") || type.hasPrefix("unit."): ["dispatch"]
        case _ where type.hasPrefix("score.") || type == ReportPublished.type: ["scoring"]
        case _ where type.hasPrefix("alert.") || type.hasPrefix("liaison."): ["liaison"]
        case _ where type.hasPrefix("handoff.") || type.hasPrefix("support."): ["liaison"]
        default: []
        }
    }

    /// One catalogue entry: a type's example exactly as it would travel, plus what the code
    /// itself says is required (so the schemas' `required` lists can be checked, not trusted).
    public struct Entry: Sendable {
        public var type: String
        public var version: Int
        public var contentType: String
        public var topic: String
        public var header: EventHeader
        /// The example payload, encoded as `Transaction.emit` encodes it.
        public var payload: [UInt8]
        /// Dotted paths (`place.grid.regionId`, `top[].gridId`) of the payload fields without
        /// which the payload does not decode: the non-optional Swift properties.
        public var requiredPayloadPaths: [String]
        /// The same for the header (`EventHeader.decode`).
        public var requiredHeaderPaths: [String]
    }

    /// The entries of `all`, in its order.
    public static func entries() throws -> [Entry] {
        try all.enumerated().map { index, type in try entry(type, seq: UInt64(1040 + index)) }
    }

    /// The entry of one type; the header is built the way `Transaction.emit` builds it.
    public static func entry<P: EventPayload>(_ type: P.Type, seq: UInt64 = 1040) throws -> Entry {
        let example = P.example
        // A type every service publishes (dead letters, heartbeats) is keyed by its publisher.
        let services = publishers(of: P.type)
        let source = example.routingKey.flatMap { services.contains($0) ? $0 : nil } ?? services.first ?? "unknown"
        let header = EventHeader(
            type: P.type, version: P.version, source: source, epoch: exampleEpochs[source] ?? "00000000", seq: seq,
            time: EventTime.string(example.eventTime), correlationId: example.correlationId, causationId: exampleCauses[P.type])
        let payload = Array(try JSONCodec.encoder().encode(example))
        let payloadRequired = try requiredPaths(of: payload) { data in _ = try JSONCodec.decoder().decode(P.self, from: data) }
        let headerRequired = try requiredPaths(of: header.encoded()) { data in _ = try EventHeader.decode(Array(data)) }
        return Entry(
            type: P.type, version: P.version, contentType: "application/json", topic: example.topic, header: header,
            payload: payload, requiredPayloadPaths: payloadRequired, requiredHeaderPaths: headerRequired)
    }

    // MARK: Required fields, as the decoder sees them

    /// Every field path of `json` whose removal makes `decode` throw. Removing a field inside an
    /// array removes it from every element.
    static func requiredPaths(of json: [UInt8], decode: (Data) throws -> Void) throws -> [String] {
        let root = try JSONSerialization.jsonObject(with: Data(json))
        var required: [String] = []
        for path in fieldPaths(root, prefix: []) {
            let doctored = try JSONSerialization.data(withJSONObject: removing(path[...], from: root))
            do { try decode(doctored) } catch { required.append(render(path)) }
        }
        return required.sorted()
    }

    /// The paths of every object key in `value`, depth first; `[]` stands for "each element".
    private static func fieldPaths(_ value: Any, prefix: [String]) -> [[String]] {
        if let object = value as? [String: Any] {
            return object.keys.sorted().flatMap { key in [prefix + [key]] + fieldPaths(object[key]!, prefix: prefix + [key]) }
        }
        if let array = value as? [Any] {
            var seen = Set<[String]>()
            var out: [[String]] = []
            for element in array {
                for path in fieldPaths(element, prefix: prefix + ["[]"]) where seen.insert(path).inserted { out.append(path) }
            }
            return out
        }
        return []
    }

    private static func removing(_ path: ArraySlice<String>, from value: Any) -> Any {
        guard let first = path.first else { return value }
        if first == "[]", let array = value as? [Any] { return array.map { removing(path.dropFirst(), from: $0) } }
        guard var object = value as? [String: Any] else { return value }
        if path.count == 1 {
            object[first] = nil
        } else if let child = object[first] {
            object[first] = removing(path.dropFirst(), from: child)
        }
        return object
    }

    private static func render(_ path: [String]) -> String {
        path.reduce(into: "") { out, part in out += part == "[]" ? "[]" : (out.isEmpty ? part : ".\(part)") }
    }

    // MARK: Example header values

    private static let exampleEpochs = ["intake": "3f9c2a1b", "dispatch": "a7d04e6c", "scoring": "5be81f20", "liaison": "c21e9d47"]

    /// The inbound event each example was caused by (`Transaction.cause`); intake's calls and
    /// liaison's registry writes come over HTTP and have none, nor do heartbeats.
    private static let exampleCauses: [String: String] = [
        IncidentMerged.type: "dispatch:a7d04e6c:2210",
        UnitAssigned.type: "intake:3f9c2a1b:1040", IncidentQueued.type: "intake:3f9c2a1b:1040",
        FieldReported.type: "dispatch:a7d04e6c:1043", IncidentEscalated.type: "intake:3f9c2a1b:1040",
        ChiefNotified.type: "intake:3f9c2a1b:1040", CaseReferred.type: "dispatch:a7d04e6c:1045",
        IncidentClosed.type: "dispatch:a7d04e6c:1045", SLAWarning.type: "dispatch:a7d04e6c:1043",
        SLABreached.type: "dispatch:a7d04e6c:1043", UnitStatusChanged.type: "dispatch:a7d04e6c:1045",
        DispatchUpgraded.type: "intake:3f9c2a1b:1052", Reinforcement.type: "dispatch:a7d04e6c:1043",
        PointsAwarded.type: "dispatch:a7d04e6c:1045", ReportPublished.type: "dispatch:a7d04e6c:1051",
        EnterpriseAlert.type: "dispatch:a7d04e6c:1045", OfficerAlert.type: "dispatch:a7d04e6c:1043",
        CaseChanged.type: "dispatch:a7d04e6c:1048", DeadLetter.type: "dispatch:a7d04e6c:1039",
    ]
}
