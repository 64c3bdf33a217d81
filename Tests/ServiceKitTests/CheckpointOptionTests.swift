import Foundation
import ServiceKit
import TestSupport
import Testing

@Suite("options: where the write-ahead log is checkpointed")
struct CheckpointOptionTests {
    @Test("thread by default; writer on request; anything else is refused, naming the setting")
    func checkpointPlace() throws {
        let dir = try TempDir("precinct-checkpoint")
        let base = ["PRECINCT_DATA_DIR": dir.url.path]
        #expect(try ServiceConfig.defaults(.intake, environment: base).checkpointThread)
        let writer = try ServiceConfig.defaults(.intake, environment: base.merging(["PRECINCT_CHECKPOINT": "writer"]) { $1 })
        #expect(!writer.checkpointThread)
        do {
            _ = try ServiceConfig.defaults(.intake, environment: base.merging(["PRECINCT_CHECKPOINT": "sideways"]) { $1 })
            Issue.record("'sideways' was accepted")
        } catch {
            #expect("\(error)".contains("checkpoint 'sideways'"), "\(error)")
        }
    }
}
