import Foundation
import Testing

/// kill -9 under load across real processes (a bounded run of `precinct chaos`; `make chaos` runs a long one).
@Suite(.serialized, .processLevel)
struct ChaosTests {
    @Test func nothingLostNothingDuplicatedUnderRandomKills() async throws {
        let binary = Cluster.binDirectory.appendingPathComponent("precinct")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            Issue.record("\(binary.path) is missing: run `swift build` first (make test does)")
            return
        }
        // The run bounds itself (--deadline 240); the wait's own limit is only a backstop.
        let (status, text) = try await runToEnd(
            binary,
            [
                "chaos", "--calls", "1500", "--rate", "300", "--clients", "2", "--min-pause", "0.2", "--max-pause", "0.8",
                "--seed", "\(UInt64.random(in: 1...1_000_000))", "--deadline", "240",
                "--bin-dir", Cluster.binDirectory.path, "--city", Cluster.packageRoot.appendingPathComponent("cities/demo").path,
            ], timeout: .seconds(360))
        #expect(status == 0, "precinct chaos failed:\n\(text.suffix(4000))")
        #expect(text.contains("lost: 0  duplicated: 0  → PASS"), "\(text.suffix(4000))")
        #expect(text.contains("kill -9"), "the run must actually have killed services")
    }
}
