/// The topic grammar: `<type>.<routing key>`, general to specific, so ZeroMQ's prefix match
/// routes by type, then by region, station or enterprise (`incident.opened.R1`,
/// `alert.enterprise.E0007`). docs/topics.md and docs/asyncapi.yaml describe every topic.
public enum Topics {
    public static let incident = "incident."
    public static let dispatch = "dispatch."
    public static let score = "score."
    public static let alert = "alert."
    public static let enterpriseAlert = "alert.enterprise."
    /// The same enterprise alerts as OASIS CAP 1.2 XML (rendered by the integrator gateway).
    public static let capEnterpriseAlert = "cap.enterprise."
    /// What the integrator gateway carries; nothing else is integrator-facing. Payloads on these
    /// topics never hold caller names, phone numbers or home addresses.
    public static let integratorFacing = [enterpriseAlert, capEnterpriseAlert, supportRequest]
    /// Support requests to specialised departments (a department may be an integrator).
    public static let supportRequest = "support.request."
    /// Diverted calls for the 12345 platform: the one gateway topic that carries personal data
    /// (the caller's contact), so only a key granted this prefix receives it (docs/integrators.md).
    public static let handoff12345 = "handoff.12345."
    public static let heartbeat = "heartbeat."
    public static let deadLetter = "deadletter."

    /// The topic of an event: its type, then its routing key when it has one.
    public static func topic(type: String, routingKey: String?) -> String {
        guard let routingKey else { return type }
        return type + "." + routingKey
    }

    /// Whether `topic` belongs to events of `type` (the type itself, or the type and a key).
    public static func topic(_ topic: String, isOfType type: String) -> Bool {
        // Bytes, not Unicode equivalence: libzmq's prefix match is byte for byte, and it is cheaper.
        topic.utf8.count == type.utf8.count
            ? topic.utf8.elementsEqual(type.utf8)
            : (topic.utf8.count > type.utf8.count && topic.utf8.starts(with: type.utf8)
                && topic.utf8[topic.utf8.index(topic.utf8.startIndex, offsetBy: type.utf8.count)] == UInt8(ascii: "."))
    }

    /// The routing key of a topic of `type`: what follows `<type>.`; `nil` for the bare type or a
    /// topic of another type.
    public static func routingKey(of topic: String, type: String) -> String? {
        guard topic.hasPrefix(type + "."), topic.utf8.count > type.utf8.count + 1 else { return nil }
        return String(topic.dropFirst(type.count + 1))
    }
}

/// Routing keys with a meaning of their own.
public enum RoutingKey {
    /// An incident (or need) with no grid: no region can claim it.
    public static let unlocated = "unlocated"
    /// A unit that belongs to no region (the accident division, PTU) or a city-wide figure.
    public static let city = "city"
}
