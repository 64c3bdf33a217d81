import Foundation
import Testing

/// Tests that start the real executables (clusters, chaos, fuzzing of bound sockets) run only
/// when `PRECINCT_INTEGRATION=1`: `make test` sets it and runs them after the fast suite, so a
/// plain `swift test` stays offline, starts no process, and takes seconds.
extension Trait where Self == ConditionTrait {
    static var processLevel: Self {
        .enabled(
            if: ProcessInfo.processInfo.environment["PRECINCT_INTEGRATION"] == "1",
            "starts real processes: run with PRECINCT_INTEGRATION=1 (make test does)")
    }
}
