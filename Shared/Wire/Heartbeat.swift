import Foundation

/// The heartbeat every service publishes on `heartbeat.<source>` every heartbeat interval: a
/// header whose `seq` is the latest sequence in the source's outbox, and `{}` as the payload. A
/// follower behind that sequence asks for a replay. Not stored and not sequenced itself.
public enum HeartbeatMessage {
    public static let type = "heartbeat"
    public static let version = 1

    public static func topic(source: String) -> String { Topics.topic(type: type, routingKey: source) }

    /// The three frames of one heartbeat.
    public static func frames(source: String, epoch: String, latestSeq: UInt64, time: Date) -> [[UInt8]] {
        let header = EventHeader(type: type, version: version, source: source, epoch: epoch, seq: latestSeq, time: EventTime.string(time))
        return [Array(topic(source: source).utf8), header.encoded(), Array("{}".utf8)]
    }

    public static func isHeartbeat(_ header: EventHeader) -> Bool { header.type == type }
}
