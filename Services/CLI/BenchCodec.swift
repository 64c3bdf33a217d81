import ArgumentParser
import Foundation
import Model
import Wire

/// `precinct bench-codec`: what encoding and decoding each catalogue payload costs, with
/// Foundation's `JSONEncoder`/`JSONDecoder` and with `StreamingJSONEncoder`/`StreamingJSONDecoder`
/// (what `Transaction.emit` and `Transaction.decode` use), in one process. End to end the
/// difference is a few per cent of a call, under the noise of `bench/quick.sh`; this measures it
/// on its own.
struct BenchCodec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-codec",
        abstract: "Time encoding and decoding every catalogue payload with Foundation's coders and the streaming ones.")

    @Option(help: "Encodes (and decodes) of each payload per coder.") var rounds = 20_000

    func run() throws {
        var totals = [Double](repeating: 0, count: 4)
        print("payload                    encode: Foundation ns  streaming ns   decode: Foundation ns  streaming ns")
        for type in EventCatalogue.all {
            let times = try measure(type)
            for k in 0..<4 { totals[k] += times[k] }
            let name = String(describing: type)
            print(
                name.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + String(format: " %21.0f %13.0f %23.0f %13.0f", times[0], times[1], times[2], times[3]))
        }
        let count = Double(EventCatalogue.all.count)
        print(
            String(
                format: "mean over %d payloads:     %21.0f %13.0f %23.0f %13.0f", EventCatalogue.all.count,
                totals[0] / count, totals[1] / count, totals[2] / count, totals[3] / count))
        print(String(format: "streaming: encoding %.1f× faster, decoding %.1f× faster", totals[0] / totals[1], totals[2] / totals[3]))
    }

    /// Nanoseconds per encode of `P.example` with each encoder, then per decode of its bytes with
    /// each decoder.
    private func measure<P: EventPayload>(_ type: P.Type) throws -> [Double] {
        let foundation = (encoder: JSONCodec.encoder(), decoder: JSONCodec.decoder())
        let example = P.example
        let bytes = try StreamingJSONEncoder().encode(example)
        let data = Data(bytes)
        _ = try StreamingJSONDecoder().decode(P.self, from: bytes)  // the hot path must not fall back
        var sink = 0
        func time(_ body: () throws -> Int) rethrows -> Double {
            let start = ContinuousClock.now
            for _ in 0..<rounds { sink &+= try body() }
            let elapsed = (ContinuousClock.now - start).components
            return (Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9) / Double(rounds)
        }
        let times = [
            try time { try foundation.encoder.encode(example).count },
            try time { try StreamingJSONEncoder().encode(example).count },
            try time {
                _ = try foundation.decoder.decode(P.self, from: data)
                return 1
            },
            try time {
                _ = try JSONCodec.decode(P.self, from: bytes, fallback: foundation.decoder)
                return 1
            },
        ]
        precondition(sink > 0)
        return times
    }
}
