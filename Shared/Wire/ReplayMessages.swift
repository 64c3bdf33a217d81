/// A follower's request for what it missed: `{"op":"replay","id":…,"source":…,"after":N,"limit":K}`,
/// one frame, to the source's ROUTER.
public struct ReplayRequest: Sendable, Equatable {
    public static let op = "replay"
    public var id: FlatJSON.Value
    /// The source asked, which must be the service that answers.
    public var source: String
    /// The last sequence the follower has; the answer starts after it.
    public var after: UInt64
    /// Events wanted at most (the source may send fewer).
    public var limit: Int?

    public init(id: FlatJSON.Value, source: String, after: UInt64, limit: Int?) {
        self.id = id
        self.source = source
        self.after = after
        self.limit = limit
    }

    /// Reads a replay request from its header's fields; the error names the field.
    public init(_ header: RequestHeader) throws(RequestError) {
        let fields = header.fields
        guard case .string(let source)? = fields["source"] else { throw RequestError(field: "source", message: "field 'source' must be a string") }
        guard case .integer(let after)? = fields["after"], after >= 0 else {
            throw RequestError(field: "after", message: "field 'after' must be a sequence number >= 0")
        }
        var limit: Int?
        if case .integer(let l)? = fields["limit"] { limit = Int(l) }
        self.init(id: header.id, source: source, after: UInt64(after), limit: limit)
    }

    public func encoded() -> [UInt8] {
        FlatJSON.encode([
            "op": .string(Self.op), "id": id, "source": .string(source), "after": .integer(Int64(after)),
            "limit": limit.map { .integer(Int64($0)) } ?? .null,
        ])
    }
}

/// The answer to a ``ReplayRequest``: `[reply, (topic, header, payload)*]`.
///
/// `{"id":…,"ok":true,"source":…,"epoch":…,"latest":L,"oldest":O,"count":n,"through":T}` with
/// the stored events (`through`: the last sequence examined, so a filtered replay can be paged),
/// or `{"id":…,"ok":false,"code":"pruned"|"bad-request"|"internal","error":…,"oldest":O?}`.
public enum ReplayReply: Sendable, Equatable {
    case events(Batch)
    case refused(Refusal)

    public struct Batch: Sendable, Equatable {
        public var id: FlatJSON.Value
        public var source: String
        public var epoch: String
        public var latest: UInt64
        public var oldest: UInt64
        public var through: UInt64
        public var events: [OutboundEvent]

        public init(id: FlatJSON.Value, source: String, epoch: String, latest: UInt64, oldest: UInt64, through: UInt64, events: [OutboundEvent]) {
            self.id = id
            self.source = source
            self.epoch = epoch
            self.latest = latest
            self.oldest = oldest
            self.through = through
            self.events = events
        }
    }

    public struct Refusal: Sendable, Equatable, Error {
        public var id: FlatJSON.Value
        /// `pruned` (retention removed events the follower has not seen), `bad-request`, `internal`.
        public var code: String
        public var message: String
        public var oldest: UInt64?

        public init(id: FlatJSON.Value, code: String, message: String, oldest: UInt64? = nil) {
            self.id = id
            self.code = code
            self.message = message
            self.oldest = oldest
        }
    }

    public var id: FlatJSON.Value {
        switch self {
        case .events(let batch): batch.id
        case .refused(let refusal): refusal.id
        }
    }

    public var frames: [[UInt8]] {
        switch self {
        case .refused(let r):
            return [
                FlatJSON.encode([
                    "id": r.id, "ok": .bool(false), "code": .string(r.code), "error": .string(r.message),
                    "oldest": r.oldest.map { .integer(Int64($0)) } ?? .null,
                ])
            ]
        case .events(let b):
            var frames: [[UInt8]] = [
                FlatJSON.encode([
                    "id": b.id, "ok": .bool(true), "source": .string(b.source), "epoch": .string(b.epoch),
                    "latest": .integer(Int64(b.latest)), "oldest": .integer(Int64(b.oldest)), "count": .integer(Int64(b.events.count)),
                    "through": .integer(Int64(b.through)),
                ])
            ]
            frames.reserveCapacity(1 + b.events.count * 3)
            for event in b.events {
                frames.append(event.topic)
                frames.append(event.header)
                frames.append(event.payload)
            }
            return frames
        }
    }

    /// Reads a reply (without the DEALER's empty delimiter). Events stay as frames: the follower
    /// checks each one, and an unreadable one must still count as a sequence.
    public init(frames: [[UInt8]]) throws(RequestError) {
        guard let first = frames.first, let fields = try? FlatJSON.parseObject(first) else {
            throw RequestError(field: nil, message: "malformed replay reply")
        }
        let id = fields["id"] ?? .null
        func integer(_ key: String) -> UInt64? { if case .integer(let n)? = fields[key] { UInt64(max(0, n)) } else { nil } }
        func string(_ key: String) -> String? { if case .string(let s)? = fields[key] { s } else { nil } }
        guard fields["ok"] == .bool(true) else {
            self = .refused(Refusal(id: id, code: string("code") ?? "unknown", message: string("error") ?? "", oldest: integer("oldest")))
            return
        }
        var events: [OutboundEvent] = []
        var index = 1
        while index + 3 <= frames.count {
            events.append(OutboundEvent(seq: 0, topic: frames[index], header: frames[index + 1], payload: frames[index + 2]))
            index += 3
        }
        let latest = integer("latest") ?? 0
        self = .events(
            Batch(
                id: id, source: string("source") ?? "", epoch: string("epoch") ?? "", latest: latest,
                oldest: integer("oldest") ?? 0, through: integer("through") ?? latest, events: events))
    }
}
