import ArgumentParser
import Bus
import Foundation
import Wire

/// `precinct tail <prefix>`: one JSON line per message on any service's PUB.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every message whose topic starts with PREFIX as one JSON line ('' for all).")

    @Argument(help: "Topic prefix, e.g. alert.enterprise. or '' for everything.") var prefix: String = ""
    @Flag(help: "Include heartbeats.") var heartbeats = false
    @Option(help: "Stop after this many messages.") var count: Int?
    @Option(help: "Stop after this many seconds.") var seconds: Double?
    @OptionGroup var peers: PeerOptions
    @OptionGroup var curve: CurveOptions

    func run() throws {
        let security = try curve.security()
        let context = try ZMQContext()
        let sub = try Socket(context, .sub)
        try sub.configure(SocketOptions(receiveHighWaterMark: 1_000_000, reconnectInterval: .milliseconds(100)))
        try sub.subscribe(prefix)
        for (service, endpoint) in zip(["intake", "dispatch", "scoring", "liaison"], peers.pubs) {
            // The server key in force at connect time is the one used, so one SUB reaches all four.
            try CurveOptions.prepare(sub, for: service, security)
            try sub.connect(endpoint)
        }
        let deadline = seconds.map { Date().addingTimeInterval($0) }
        var printed = 0
        let poller = Poller()
        while count.map({ printed < $0 }) ?? true {
            if let deadline, Date() >= deadline { break }
            guard try !poller.poll([.socket(sub)], timeout: .milliseconds(200)).isEmpty,
                let frames = try sub.receiveMultipart(dontWait: true)
            else { continue }
            let topic = String(decoding: frames.first ?? [], as: UTF8.self)
            if topic.hasPrefix("heartbeat.") && !heartbeats { continue }
            FileHandle.standardOutput.write(Data((Self.line(frames) + "\n").utf8))  // unbuffered, for pipes
            printed += 1
        }
        sub.close()
    }

    /// `{"topic":…,"header":{…},"payload":{…}}`, or the raw frames (base64) when not an envelope.
    static func line(_ frames: [[UInt8]]) -> String {
        guard frames.count == 3, (try? JSONSerialization.jsonObject(with: Data(frames[1]))) != nil else {
            let raw = frames.map { Data($0).base64EncodedString() }
            let data = try? JSONSerialization.data(withJSONObject: ["malformed": true, "frames": raw])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        var topic: [UInt8] = []
        FlatJSON.appendString(String(decoding: frames[0], as: UTF8.self), to: &topic)
        let payload =
            (try? JSONSerialization.jsonObject(with: Data(frames[2]), options: [.fragmentsAllowed])) != nil
            ? String(decoding: frames[2], as: UTF8.self)
            : "\"\(Data(frames[2]).base64EncodedString())\""
        return "{\"topic\":\(String(decoding: topic, as: UTF8.self)),\"header\":\(String(decoding: frames[1], as: UTF8.self)),\"payload\":\(payload)}"
    }
}
