import Foundation

/// The header frame of every event: who published it, where it sits in its source's sequence,
/// and what it is about. Field for field the same ideas as CloudEvents 1.0 (`id`, `source`,
/// `type`, `time`, `subject`) plus the sequencing the Clone pattern needs (`epoch`, `seq`).
public struct EventHeader: Sendable, Equatable, Codable {
    /// Unique event id: `<source>:<epoch>:<seq>`.
    public var id: String
    /// Event type, e.g. `incident.opened`.
    public var type: String
    /// Payload schema version of `type`.
    public var version: Int
    /// Publishing service, e.g. `intake`.
    public var source: String
    /// The source store's epoch: a new value whenever its store is created anew.
    public var epoch: String
    /// Per-source sequence number, gap-free from 1 within an epoch.
    public var seq: UInt64
    /// Event time (ISO-8601, UTC, milliseconds): when the thing happened, not when it was sent.
    public var time: String
    /// The incident (or other aggregate) this event is about.
    public var correlationId: String?
    /// The id of the event that caused this one.
    public var causationId: String?

    public init(
        type: String, version: Int, source: String, epoch: String, seq: UInt64, time: String,
        correlationId: String? = nil, causationId: String? = nil
    ) {
        self.id = "\(source):\(epoch):\(seq)"
        self.type = type
        self.version = version
        self.source = source
        self.epoch = epoch
        self.seq = seq
        self.time = time
        self.correlationId = correlationId
        self.causationId = causationId
    }

    /// The header of another rendering of this event (the CAP XML of an enterprise alert): same
    /// source, sequence and time, its own type, and an id of its own (`<id>:<suffix>`), caused by
    /// this event.
    public func rendering(as type: String, idSuffix: String) -> EventHeader {
        var header = EventHeader(
            type: type, version: 1, source: source, epoch: epoch, seq: seq, time: time,
            correlationId: correlationId, causationId: id)
        header.id = "\(id):\(idSuffix)"
        return header
    }

    /// The header as compact JSON, keys in a fixed order. Hand-written because every event pays it.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        out.append(contentsOf: #"{"id":"#.utf8)
        FlatJSON.appendString(id, to: &out)
        out.append(contentsOf: #","type":"#.utf8)
        FlatJSON.appendString(type, to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        out.append(contentsOf: String(version).utf8)
        out.append(contentsOf: #","source":"#.utf8)
        FlatJSON.appendString(source, to: &out)
        out.append(contentsOf: #","epoch":"#.utf8)
        FlatJSON.appendString(epoch, to: &out)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(seq).utf8)
        out.append(contentsOf: #","time":"#.utf8)
        FlatJSON.appendString(time, to: &out)
        if let correlationId {
            out.append(contentsOf: #","correlationId":"#.utf8)
            FlatJSON.appendString(correlationId, to: &out)
        }
        if let causationId {
            out.append(contentsOf: #","causationId":"#.utf8)
            FlatJSON.appendString(causationId, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Parses a header frame. Every problem names the field. One pass, keys matched as bytes, no
    /// dictionary: every message a follower receives pays for this (`precinct bench-bus` profiles it).
    public static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> EventHeader {
        var id: String?
        var type: String?
        var source: String?
        var epoch: String?
        var time: String?
        var correlationId: String?
        var causationId: String?
        var version: Int64?
        var seq: Int64?
        var problem: String?
        func text(_ slot: inout String?, _ key: StaticString, _ value: FlatJSON.Value, optional: Bool = false) {
            switch value {
            case .string(let s): slot = s
            case .null where optional: slot = nil
            default: problem = problem ?? "header field '\(key)' is not a string"
            }
        }
        func number(_ slot: inout Int64?, _ key: StaticString, _ value: FlatJSON.Value) {
            if case .integer(let n) = value { slot = n } else { problem = problem ?? "header field '\(key)' is missing or not an integer" }
        }
        do {
            var reader = try FlatJSON.FieldReader(bytes)
            while let (key, value) = try reader.next() {
                switch key.count {
                case 2 where key.spells("id"): text(&id, "id", value)
                case 3 where key.spells("seq"): number(&seq, "seq", value)
                case 4 where key.spells("type"): text(&type, "type", value)
                case 4 where key.spells("time"): text(&time, "time", value)
                case 5 where key.spells("epoch"): text(&epoch, "epoch", value)
                case 6 where key.spells("source"): text(&source, "source", value)
                case 7 where key.spells("version"): number(&version, "version", value)
                case 11 where key.spells("causationId"): text(&causationId, "causationId", value, optional: true)
                case 13 where key.spells("correlationId"): text(&correlationId, "correlationId", value, optional: true)
                default: break  // additive fields from newer publishers are ignored
                }
            }
        } catch {
            throw .malformedHeader("header is not a flat JSON object: \(error.reason)")
        }
        if let problem { throw .malformedHeader(problem) }
        func required<T>(_ value: T?, _ key: String, _ kind: String) throws(EnvelopeError) -> T {
            guard let value else { throw .malformedHeader("header field '\(key)' is missing or not \(kind)") }
            return value
        }
        let n = try required(seq, "seq", "an integer")
        guard n >= 0 else { throw .malformedHeader("header field 'seq' is negative") }
        return EventHeader(
            id: try required(id, "id", "a string"), type: try required(type, "type", "a string"),
            version: Int(try required(version, "version", "an integer")),
            source: try required(source, "source", "a string"), epoch: try required(epoch, "epoch", "a string"), seq: UInt64(n),
            time: try required(time, "time", "a string"), correlationId: correlationId, causationId: causationId)
    }

    private init(
        id: String, type: String, version: Int, source: String, epoch: String, seq: UInt64, time: String,
        correlationId: String?, causationId: String?
    ) {
        self.id = id
        self.type = type
        self.version = version
        self.source = source
        self.epoch = epoch
        self.seq = seq
        self.time = time
        self.correlationId = correlationId
        self.causationId = causationId
    }
}

extension ArraySlice<UInt8> {
    /// Whether these bytes are `name`'s UTF-8 (a header key compared without making a `String`).
    @inline(__always)
    fileprivate func spells(_ name: StaticString) -> Bool {
        elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}
