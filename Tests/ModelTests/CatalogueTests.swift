import Foundation
import Model
import Testing
import Wire

/// The repository root, from this file's path (Tests/ModelTests/CatalogueTests.swift).
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func read(_ relativePath: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
}

/// Names of the types a Swift source declares as conforming to `EventPayload` (in the type's own
/// declaration or in an extension). Comments are stripped first, so prose does not count.
func eventPayloadTypes(declaredIn source: String) throws -> Set<String> {
    let code = source.replacing(try Regex(#"(?s)/\*.*?\*/|//[^\n]*"#), with: "")
    let declaration = try Regex(#"\b(?:struct|class|enum|actor|extension)\s+([A-Za-z_][A-Za-z0-9_.]*)\s*(?:<[^>{]*>)?\s*:\s*([^{]+)\{"#)
    var names = Set<String>()
    for match in code.matches(of: declaration) {
        guard let name = match.output[1].substring, let inherited = match.output[2].substring else { continue }
        let clause = inherited.split(separator: "where").first ?? inherited[...]
        let conformances = clause.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if conformances.contains(where: { $0 == "EventPayload" || $0 == "Model.EventPayload" }) {
            names.insert(String(name.split(separator: ".").last!))
        }
    }
    return names
}

/// Every `EventPayload` conformance under Shared/ and Services/.
private func scannedPayloadTypes() throws -> [String: String] {
    var found: [String: String] = [:]
    for folder in ["Shared", "Services"] {
        let base = root.appendingPathComponent(folder)
        let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            for name in try eventPayloadTypes(declaredIn: String(contentsOf: file, encoding: .utf8)) {
                found[name] = file.path.replacingOccurrences(of: root.path + "/", with: "")
            }
        }
    }
    return found
}

@Suite("Event catalogue")
struct CatalogueTests {
    @Test("every EventPayload type in Shared/ and Services/ is in EventCatalogue.all, and nothing else")
    func catalogueMatchesCode() throws {
        let scanned = try scannedPayloadTypes()
        let catalogued = EventCatalogue.all.map { String(describing: $0) }
        #expect(Set(catalogued).count == catalogued.count, "EventCatalogue.all lists a type twice")
        for (name, file) in scanned.sorted(by: { $0.key < $1.key }) where !catalogued.contains(name) {
            Issue.record("\(name) (\(file)) conforms to EventPayload but is not in EventCatalogue.all (Shared/Model/Catalogue.swift)")
        }
        for name in catalogued where scanned[name] == nil {
            Issue.record("\(name) is in EventCatalogue.all but no declaration conforming to EventPayload was found")
        }
        #expect(scanned.count >= 20, "the scan found only \(scanned.count) types: is the root right? \(root.path)")
    }

    @Test("the scanner finds conformances in declarations and extensions, and ignores comments")
    func scanner() throws {
        let source = """
            /// A `struct Documented: EventPayload {` in prose does not count.
            public struct Plain: EventPayload, Hashable {
                static let type = "plain"
            }
            struct Generic<T: Sendable>: Hashable,
                EventPayload where T: Codable {
            }
            extension Retro: EventPayload {}
            // struct Commented: EventPayload {}
            /* enum Blocked: EventPayload {} */
            struct Other: Codable, Sendable {}
            struct NotQuite: EventPayloadLike {}
            """
        #expect(try eventPayloadTypes(declaredIn: source) == ["Plain", "Generic", "Retro"])
    }

    @Test("every (type, version) is a message of docs/asyncapi.yaml")
    func documented() throws {
        let document = try read("docs/asyncapi.yaml")
        for type in EventCatalogue.all {
            let key = "\(type.type).v\(type.version)"
            // components.messages.<type>.v<version>, four spaces in; scripts/check_catalogue.py checks the rest.
            let pattern = try Regex("(?m)^    " + NSRegularExpression.escapedPattern(for: key) + #":\s*$"#)
            #expect(document.contains(pattern), "docs/asyncapi.yaml has no message \(key) under components.messages")
        }
    }

    @Test("types are unique, each has a publisher, and each example round-trips through the codec")
    func entries() throws {
        let entries = try EventCatalogue.entries()
        #expect(Set(entries.map(\.type)).count == entries.count)
        for entry in entries {
            #expect(!EventCatalogue.publishers(of: entry.type).isEmpty, "\(entry.type) has no publisher")
            #expect(EventCatalogue.publishers(of: entry.type).contains(entry.header.source))
            #expect(entry.topic == entry.type || entry.topic.hasPrefix(entry.type + "."))
            #expect(try Envelope(frames: [Array(entry.topic.utf8), entry.header.encoded(), entry.payload]).header == entry.header)
        }
        for type in EventCatalogue.all {
            try expectRoundTrip(type)
        }
    }

    private func expectRoundTrip<P: EventPayload>(_ type: P.Type) throws {
        let encoder = JSONCodec.encoder()
        encoder.outputFormatting.insert(.sortedKeys)  // key order is otherwise not stable between encodes
        let bytes = try encoder.encode(P.example)
        let again = try encoder.encode(try JSONCodec.decoder().decode(P.self, from: bytes))
        #expect(bytes == again, "\(P.type): the example does not survive decode and re-encode")
    }

    @Test("required paths are what the decoder needs: non-optional properties, nested ones only under a present parent")
    func requiredPaths() throws {
        let opened = try EventCatalogue.entry(IncidentOpened.self)
        for path in ["incidentId", "channel", "place", "place.grid.regionId", "place.coordinate.lat", "receivedAt"] {
            #expect(opened.requiredPayloadPaths.contains(path), "\(path)")
        }
        for path in ["caller", "caller.name", "place.grid", "place.grid.postId", "referral", "flags"] {
            #expect(!opened.requiredPayloadPaths.contains(path), "\(path)")
        }
        let report = try EventCatalogue.entry(ReportPublished.self)
        #expect(report.requiredPayloadPaths.contains("top[].gridId"))
        #expect(!report.requiredPayloadPaths.contains("top[].stationId"))
        #expect(opened.requiredHeaderPaths == ["epoch", "id", "seq", "source", "time", "type", "version"])
        #expect(try EventCatalogue.entry(Heartbeat.self).requiredPayloadPaths.isEmpty)
    }

    @Test("the heartbeat the bus sends is the catalogue's Heartbeat: type, version, topic and {} payload")
    func heartbeatMatchesTheWire() throws {
        let at = EventTime.date("2026-11-22T08:00:00.000Z")!
        let frames = HeartbeatMessage.frames(source: "dispatch", epoch: "e1", latestSeq: 42, time: at)
        let envelope = try Envelope(frames: frames)
        #expect(envelope.header.type == Heartbeat.type && envelope.header.version == Heartbeat.version)
        #expect(envelope.topic == Heartbeat(service: "dispatch", at: at).topic)
        #expect(envelope.header.seq == 42 && envelope.header.time == EventTime.string(at))
        #expect(text(envelope.payload) == String(decoding: try JSONCodec.encoder().encode(Heartbeat.example), as: UTF8.self))
        #expect(text(envelope.payload) == "{}")
    }

    @Test("the CloudEvents attributes: routing key as subject, lowercase extension names, every header field kept")
    func cloudEvent() throws {
        let entry = try EventCatalogue.entry(FieldReported.self)
        let ce = entry.header.cloudEventAttributes(topic: entry.topic)
        #expect(ce["specversion"] == "1.0")
        #expect(ce["id"] == entry.header.id)
        #expect(ce["source"] == "/precinct/dispatch")
        #expect(ce["type"] == "dispatch.field")
        #expect(ce["subject"] == "closed.R3")
        #expect(ce["time"] == entry.header.time)
        #expect(ce["dataschema"] == "urn:precinct:asyncapi:dispatch.field.v1")
        #expect(ce["precinctepoch"] == entry.header.epoch)
        #expect(ce["precinctseq"] == String(entry.header.seq))
        #expect(ce["correlationid"] == entry.header.correlationId)
        #expect(ce["causationid"] == entry.header.causationId)
        for name in ce.keys {
            #expect(name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) } && name.count <= 20, "\(name)")
        }
        let report = try EventCatalogue.entry(ReportPublished.self)
        let reportCE = report.header.cloudEventAttributes(topic: "report")
        #expect(reportCE["subject"] == nil && reportCE["correlationid"] == nil)
        #expect(
            report.header.cloudEventAttributes(topic: report.topic, dataContentType: "application/cap+xml")["datacontenttype"]
                == "application/cap+xml")
    }
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
