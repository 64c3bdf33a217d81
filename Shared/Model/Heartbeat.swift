import Foundation
import Wire

/// The payload of `heartbeat.<service>`: always `{}`. The header says it all: `source` is the
/// service and `seq` the latest sequence it has published, so a follower that is behind asks for
/// a replay. The bus publishes it itself (Wire's `HeartbeatMessage`, the one definition of its
/// frames), without a transaction; this type documents it for the catalogue. Never `emit` it.
public struct Heartbeat: EventPayload, Hashable {
    public static let type = HeartbeatMessage.type
    public static let version = HeartbeatMessage.version
    /// The publishing service: the topic's routing key and the header's `source`, not a payload
    /// field (empty when decoded from a payload alone).
    public var service: String
    /// When it was sent: the header's `time`, not a payload field.
    public var at: Date

    public init(service: String, at: Date) {
        self.service = service
        self.at = at
    }

    private enum CodingKeys: CodingKey {}

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: CodingKeys.self)  // an object, with nothing in it we read
        self.init(service: "", at: Date(timeIntervalSince1970: 0))
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: CodingKeys.self)  // `{}`
    }

    public var routingKey: String? { service }
    public var correlationId: String? { nil }
    public var eventTime: Date { at }
}
