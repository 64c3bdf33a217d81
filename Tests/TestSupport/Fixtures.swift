import Foundation
import Logging
import Model
import Wire

/// A logger that writes nothing.
public let quietLogger = Logger(label: "tests", factory: { _ in SwiftLogNoOpLogHandler() })

public func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
public func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

/// A fresh directory for one test's files; removed at the end.
public final class TempDir: Sendable {
    public let url: URL

    public init(_ prefix: String = "precinct-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Builds the events of one source as it would publish them: gap-free sequence numbers, the
/// header a real publisher writes, the payload in the bus's JSON.
public final class EventSource {
    public let name: String
    public let epoch: String
    public private(set) var seq: UInt64 = 0
    private let encoder = JSONCodec.encoder()

    public init(_ name: String, epoch: String = "e1") {
        self.name = name
        self.epoch = epoch
    }

    /// The next event of this source.
    public func event<P: EventPayload>(_ payload: P) -> Envelope {
        seq += 1
        return Self.envelope(payload, source: name, epoch: epoch, seq: seq, encoder: encoder)
    }

    /// One event with the given place in its source's sequence.
    public static func envelope<P: EventPayload>(
        _ payload: P, source: String, epoch: String = "e1", seq: UInt64,
        version: Int = P.version, encoder: JSONEncoder = JSONCodec.encoder()
    ) -> Envelope {
        let header = EventHeader(
            type: P.type, version: version, source: source, epoch: epoch, seq: seq,
            time: EventTime.string(payload.eventTime), correlationId: payload.correlationId)
        // swiftlint:disable:next force_try
        let body = try! encoder.encode(payload)
        return Envelope(topic: payload.topic, header: header, payload: Array(body))
    }
}
