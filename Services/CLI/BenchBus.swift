import ArgumentParser
import Bus
import CZeroMQ
import Foundation
import Wire

/// `precinct bench-bus`: the bus layer alone — envelope plus the Swift wrapper — PUB→SUB across
/// two processes, the same shape as `bench/zmq_pubsub.c` so the two rates compare.
struct BenchBus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-bus", abstract: "Measure envelope + Swift wrapper PUB→SUB throughput (run a sub, then a pub).")

    @Argument(help: "pub or sub") var role: String
    @Option(help: "Endpoint (the sub binds, the pub connects).") var endpoint = "ipc:///tmp/precinct-bench-bus"
    @Option(help: "Payload bytes.") var size = 512
    @Option(help: "Messages.") var count = 1_000_000
    @Option(
        help: """
            Encrypt with CURVE: the sub writes a fresh server public key to this file, the pub reads it (measures CURVE's cost; \
            no ZAP check).
            """)
    var curveKeyFile: String?

    func run() throws {
        let context = try ZMQContext()
        if role == "pub" {
            let pub = try Socket(context, .pub)
            try pub.configure(SocketOptions(sendHighWaterMark: 0))
            if let curveKeyFile {
                var serverKey: String?
                for _ in 0..<100 where serverKey == nil {
                    serverKey = (try? String(contentsOfFile: curveKeyFile, encoding: .utf8)).flatMap { CurveKeyPair.isValidKey($0) ? $0 : nil }
                    if serverKey == nil { Thread.sleep(forTimeInterval: 0.05) }
                }
                guard let serverKey else { throw ValidationError("no server key in \(curveKeyFile): start the sub first") }
                try pub.makeCurveClient(try CurveKeyPair.generate(), serverKey: serverKey)
            }
            try pub.connect(endpoint)
            Thread.sleep(forTimeInterval: 0.5)  // the subscription must reach the publisher (bench only)
            let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
            let topic = Array("incident.opened.R1".utf8)
            let time = EventTime.string(Date())
            for seq in 1...UInt64(count) {
                let header = EventHeader(
                    type: "incident.opened", version: 1, source: "bench", epoch: "bench", seq: seq, time: time,
                    correlationId: "I\(seq)")
                try pub.send(topic, more: true)
                try pub.send(header.encoded(), more: true)
                try pub.send(payload)
            }
            try pub.send(multipart: [Array("end".utf8), [], []])
            // Wait for every queued message to leave (CURVE's encryption may lag the sends by seconds).
            try pub.setOption(ZMQ_LINGER, Int32(-1))
            pub.close()
        } else {
            let sub = try Socket(context, .sub)
            try sub.configure(SocketOptions(receiveHighWaterMark: 0))
            if let curveKeyFile {
                let keys = try CurveKeyPair.generate()
                try sub.setOption(ZMQ_CURVE_SERVER, Int32(1))
                try sub.setOption(ZMQ_CURVE_SECRETKEY, keys.secretKey)
                try keys.publicKey.write(toFile: curveKeyFile, atomically: true, encoding: .utf8)
            }
            try sub.subscribe("")
            try sub.bind(endpoint)
            var received = 0
            var start = Date()
            var last: UInt64 = 0
            var reader = EnvelopeReader()
            while let message = try reader.receive(from: sub) {
                guard case .envelope(let envelope) = message else { break }  // the end marker has no header
                if received == 0 { start = Date() }
                received += 1
                last = envelope.header.seq
            }
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "%.0f", Double(received - 1) / seconds))
            if last != UInt64(count) { FileHandle.standardError.write(Data("warning: last seq \(last) of \(count)\n".utf8)) }
            sub.close()
        }
    }
}
