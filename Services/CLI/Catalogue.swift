import ArgumentParser
import Foundation
import Model
import Wire

/// `precinct catalogue`: every event type the services publish, with an example message of each,
/// as one JSON array. scripts/check_catalogue.py (`make catalogue-check`) validates it against
/// docs/asyncapi.yaml; integrators can use it as sample data.
struct Catalogue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every published event type with an example header and payload, as JSON.")

    /// What is printed for each type besides the wire frames, which are spliced in verbatim.
    private struct Described: Encodable {
        var type: String
        var version: Int
        var contentType: String
        var topic: String
        var publishers: [String]
        /// The header's CloudEvents 1.0 attributes (`EventHeader.cloudEventAttributes`).
        var cloudEvent: [String: String]
        /// Field paths the decoder cannot do without: header and payload.
        var required: [String: [String]]
    }

    func run() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        for entry in try EventCatalogue.entries() {
            let described = Described(
                type: entry.type, version: entry.version, contentType: entry.contentType, topic: entry.topic,
                publishers: EventCatalogue.publishers(of: entry.type),
                cloudEvent: entry.header.cloudEventAttributes(topic: entry.topic, dataContentType: entry.contentType),
                required: ["header": entry.requiredHeaderPaths, "payload": entry.requiredPayloadPaths])
            // The header and payload bytes go in as they would travel, not re-encoded, so the
            // check sees exactly what a subscriber would.
            var line = String(decoding: try encoder.encode(described), as: UTF8.self)
            line.removeLast()  // the closing brace
            line += #","header":"# + String(decoding: entry.header.encoded(), as: UTF8.self)
            line += #","payload":"# + String(decoding: entry.payload, as: UTF8.self) + "}"
            lines.append(line)
        }
        print("[\n" + lines.joined(separator: ",\n") + "\n]")
    }
}
