/// The control frames of a service's ROUTER, typed. A request is `[header, body?]` where the
/// header is a flat JSON object naming the operation (`{"op":"call","id":"c1"}`); a reply is
/// `[header, body]` with `{"id":…,"ok":…,"status":…}`. Replay and ping have their own messages
/// (``ReplayRequest``, ``PingReply``), being the bus's own operations.
public struct RequestHeader: Sendable, Equatable {
    /// The operation: `call`, `field`, `replay`, `ping`, …
    public var op: String
    /// The requester's correlation id, echoed in the reply (any flat JSON value; usually a string).
    public var id: FlatJSON.Value
    /// Every field of the header, `op` and `id` included (replay reads its own fields from them).
    public var fields: [String: FlatJSON.Value]

    public init(op: String, id: FlatJSON.Value = .null) {
        self.op = op
        self.id = id
        self.fields = ["op": .string(op), "id": id]
    }

    /// Reads a request's first frame; the error says what is wrong with it.
    public init(decoding bytes: [UInt8]) throws(RequestError) {
        let fields: [String: FlatJSON.Value]
        do { fields = try FlatJSON.parseObject(bytes) } catch {
            throw RequestError(field: nil, message: "first frame must be a flat JSON object with 'op': \(error.reason)")
        }
        guard case .string(let op)? = fields["op"] else { throw RequestError(field: "op", message: "field 'op' is missing") }
        self.op = op
        self.id = fields["id"] ?? .null
        self.fields = fields
    }

    public func encoded() -> [UInt8] {
        id == .null ? FlatJSON.encode(["op": .string(op)]) : FlatJSON.encode(["op": .string(op), "id": id])
    }
}

/// Why a request's header could not be read.
public struct RequestError: Error, Sendable, Equatable {
    public var field: String?
    public var message: String

    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }
}

/// The first frame of a reply to an operation: `{"id":…,"ok":…,"status":…}`; the body follows.
public struct ReplyHeader: Sendable, Equatable {
    public var id: FlatJSON.Value
    /// The HTTP status the same operation answers over HTTP.
    public var status: Int
    public var ok: Bool { (200..<300).contains(status) }

    public init(id: FlatJSON.Value, status: Int) {
        self.id = id
        self.status = status
    }

    public init(decoding bytes: [UInt8]) throws(RequestError) {
        let fields: [String: FlatJSON.Value]
        do { fields = try FlatJSON.parseObject(bytes) } catch {
            throw RequestError(field: nil, message: "reply header is not a flat JSON object: \(error.reason)")
        }
        guard case .integer(let status)? = fields["status"] else { throw RequestError(field: "status", message: "reply has no status") }
        self.id = fields["id"] ?? .null
        self.status = Int(status)
    }

    public func encoded() -> [UInt8] {
        FlatJSON.encode(["id": id, "ok": .bool(ok), "status": .integer(Int64(status))])
    }
}

/// The answer to `{"op":"ping"}`: who answers, and where its outbox stands.
public struct PingReply: Sendable, Equatable {
    public static let op = "ping"
    public var service: String
    public var epoch: String
    public var latest: UInt64

    public init(service: String, epoch: String, latest: UInt64) {
        self.service = service
        self.epoch = epoch
        self.latest = latest
    }

    public static func request() -> [UInt8] { RequestHeader(op: op).encoded() }

    public func encoded() -> [UInt8] {
        FlatJSON.encode(["ok": .bool(true), "service": .string(service), "epoch": .string(epoch), "latest": .integer(Int64(latest))])
    }

    public init(decoding bytes: [UInt8]) throws(RequestError) {
        guard let fields = try? FlatJSON.parseObject(bytes), case .string(let service)? = fields["service"],
            case .string(let epoch)? = fields["epoch"], case .integer(let latest)? = fields["latest"]
        else { throw RequestError(field: nil, message: "not a ping reply") }
        self.init(service: service, epoch: epoch, latest: UInt64(max(0, latest)))
    }
}
