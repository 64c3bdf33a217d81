import Foundation
import Wire

/// A payload published on the bus. Its topic is `type` followed by the routing key, general to
/// specific, so ZeroMQ's prefix filter can route it (`incident.opened.R1`, `alert.enterprise.E0007`).
public protocol EventPayload: Codable, Sendable {
    /// Event type and topic prefix, e.g. `incident.opened`.
    static var type: String { get }
    /// Payload schema version; a new version is a new schema.
    static var version: Int { get }
    /// Last topic segment (region, station, enterprise ...), or `nil` for none.
    var routingKey: String? { get }
    /// The incident (or other aggregate) the event is about.
    var correlationId: String? { get }
    /// When it happened (event time).
    var eventTime: Date { get }
    /// A realistic instance with every optional field set, for the event catalogue
    /// (`EventCatalogue`, `precinct catalogue`, docs/asyncapi.yaml). A requirement rather than a
    /// default so that a new published type cannot compile without one.
    static var example: Self { get }
}

extension EventPayload {
    public var topic: String { Topics.topic(type: Self.type, routingKey: routingKey) }
}

/// A message a service could not use, kept with the reason (`deadletter.<service>`).
public struct DeadLetter: EventPayload, Hashable {
    public static let type = "deadletter"
    public static let version = 1
    public var service: String
    /// The source the message claimed to come from, when readable.
    public var source: String?
    public var reason: String
    /// The frames as received, base64.
    public var frames: [String]
    public var at: Date

    public init(service: String, source: String?, reason: String, frames: [String], at: Date) {
        self.service = service
        self.source = source
        self.reason = reason
        self.frames = frames
        self.at = at
    }

    public var routingKey: String? { service }
    public var correlationId: String? { nil }
    public var eventTime: Date { at }
}
