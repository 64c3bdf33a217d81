/// The CloudEvents 1.0 view of a bus message (docs/integrators.md, "Message format"). The header
/// maps one to one onto CloudEvents attributes, so a bridge to HTTP, Kafka or any other
/// CloudEvents binding needs no per-type knowledge; scripts/check_catalogue.py proves the mapping
/// with the CloudEvents SDK for every catalogued event.
public enum CloudEventMapping {
    /// The constant `specversion`.
    public static let specVersion = "1.0"
    /// `source` is a URI reference: this prefix, then the header's `source` (`/precinct/dispatch-north`).
    public static let sourcePrefix = "/precinct/"
    /// `dataschema` is `urn:precinct:asyncapi:<type>.v<version>`: the key of the message in
    /// docs/asyncapi.yaml (`#/components/messages/<type>.v<version>`) whose payload is the schema.
    public static let dataSchemaPrefix = "urn:precinct:asyncapi:"

    /// Extension attribute names. CloudEvents allows only lowercase letters and digits.
    public static let epochAttribute = "precinctepoch"
    public static let seqAttribute = "precinctseq"
    public static let correlationAttribute = "correlationid"
    public static let causationAttribute = "causationid"

    /// The `dataschema` URI of a type and version.
    public static func dataSchema(type: String, version: Int) -> String { "\(dataSchemaPrefix)\(type).v\(version)" }
}

extension EventHeader {
    /// The CloudEvents 1.0 context attributes of this message, every value in its canonical string
    /// form. `topic` gives `subject` (the routing key: the topic after `<type>.`, absent when the
    /// topic is the bare type); `dataContentType` is `application/json` for the services' payloads
    /// and `application/cap+xml` for the gateway's `cap.enterprise`.
    ///
    /// `seq` becomes a string extension: a CloudEvents Integer is 32-bit, a sequence is 64-bit.
    public func cloudEventAttributes(topic: String, dataContentType: String = "application/json") -> [String: String] {
        var attributes: [String: String] = [
            "specversion": CloudEventMapping.specVersion,
            "id": id,
            "source": CloudEventMapping.sourcePrefix + source,
            "type": type,
            "time": time,
            "datacontenttype": dataContentType,
            "dataschema": CloudEventMapping.dataSchema(type: type, version: version),
            CloudEventMapping.epochAttribute: epoch,
            CloudEventMapping.seqAttribute: String(seq),
        ]
        if let subject = Topics.routingKey(of: topic, type: type) { attributes["subject"] = subject }
        if let correlationId { attributes[CloudEventMapping.correlationAttribute] = correlationId }
        if let causationId { attributes[CloudEventMapping.causationAttribute] = causationId }
        return attributes
    }
}
