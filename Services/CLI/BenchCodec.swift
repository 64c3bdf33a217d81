import ArgumentParser
import Foundation
import Model
import Wire

/// `precinct bench-codec`: what encoding each catalogue payload costs, with Foundation's
/// `JSONEncoder` and with `StreamingJSONEncoder` (what `Transaction.emit` uses), in one process.
/// End to end the difference is a few per cent of a call, under the noise of `bench/quick.sh`;
/// this measures it on its own.
struct BenchCodec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-codec", abstract: "Time encoding every catalogue payload with Foundation's JSONEncoder and the streaming encoder.")

    @Option(help: "Encodes of each payload per encoder.") var rounds = 20_000

    func run() throws {
        let foundation = JSONCodec.encoder()
        let streaming = StreamingJSONEncoder()
        var totals = (foundation: 0.0, streaming: 0.0)
        print("payload                    Foundation ns   streaming ns")
        for type in EventCatalogue.all {
            let (a, b) = try measure(type, foundation: foundation, streaming: streaming)
            totals.foundation += a
            totals.streaming += b
            let name = String(describing: type)
            print(name.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: " %13.0f %14.0f", a, b))
        }
        let count = Double(EventCatalogue.all.count)
        print(
            String(
                format: "mean over %d payloads:     %13.0f %14.0f  (%.1f× faster)", EventCatalogue.all.count,
                totals.foundation / count, totals.streaming / count, totals.foundation / totals.streaming))
    }

    /// Nanoseconds per encode of `P.example` with each encoder.
    private func measure<P: EventPayload>(_ type: P.Type, foundation: JSONEncoder, streaming: StreamingJSONEncoder) throws -> (Double, Double) {
        let example = P.example
        var bytes = 0
        func time(_ body: () throws -> Int) rethrows -> Double {
            let start = ContinuousClock.now
            for _ in 0..<rounds { bytes &+= try body() }
            let elapsed = (ContinuousClock.now - start).components
            return (Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9) / Double(rounds)
        }
        let a = try time { try foundation.encode(example).count }
        let b = try time { try streaming.encode(example).count }
        precondition(bytes > 0)
        return (a, b)
    }
}
