import Foundation
import Model
import ServiceKit
import TestSupport
import Testing
import Wire

/// One event clock across processes (issue 15, point 11): event time is a function of the
/// configuration alone — origin, factor and a wall anchor every process shares.
@Suite("event clock")
struct EventClockTests {
    static let origin = EventTime.date("2026-11-22T00:00:00.000Z")!

    /// The configuration from the environment alone (flags and variables resolve alike).
    static func resolve(_ service: ServiceName, _ environment: [String: String]) throws -> ServiceConfig {
        try ServiceConfig.defaults(service, environment: environment)
    }

    @Test("event time = origin + (wall − anchor) × factor, whatever the process's start")
    func formula() {
        let anchor = EventTime.date("2026-12-01T10:00:00.000Z")!
        #expect(AcceleratedClock.eventTime(wall: anchor, origin: Self.origin, factor: 300, anchor: anchor) == Self.origin)
        #expect(AcceleratedClock.eventTime(wall: anchor.addingTimeInterval(2), origin: Self.origin, factor: 300, anchor: anchor) == Self.origin.addingTimeInterval(600))
        // Two clocks made a second apart with the same configuration read the same time.
        let a = AcceleratedClock(origin: Self.origin, factor: 300, anchor: anchor)
        let b = AcceleratedClock(origin: Self.origin, factor: 300, anchor: anchor)
        let wall = Date()
        #expect(
            AcceleratedClock.eventTime(wall: wall, origin: a.origin, factor: a.factor, anchor: a.anchor)
                == AcceleratedClock.eventTime(wall: wall, origin: b.origin, factor: b.factor, anchor: b.anchor))
    }

    @Test("services started apart share the data directory's anchor; the flag or env wins over it")
    func sharedAnchor() throws {
        let dir = try TempDir("precinct-clock")
        let flags = ["PRECINCT_TIME_FACTOR": "300", "PRECINCT_TIME_ORIGIN": "2026-11-22T00:00:00Z", "PRECINCT_DATA_DIR": dir.url.path]
        let intake = try Self.resolve(.intake, flags)
        let anchorFile = dir.url.appendingPathComponent(ClockAnchor.fileName)
        #expect(FileManager.default.fileExists(atPath: anchorFile.path))
        // A later start (the file already there) reads the same anchor: not its own start.
        let dispatch = try Self.resolve(.dispatch, flags)
        #expect(intake.timeAnchor != nil && intake.timeAnchor == dispatch.timeAnchor)
        let ci = try #require(intake.makeClock() as? AcceleratedClock)
        let cd = try #require(dispatch.makeClock() as? AcceleratedClock)
        #expect(ci.origin == cd.origin && ci.factor == cd.factor && ci.anchor == cd.anchor && ci.origin == Self.origin)

        let pinned = try Self.resolve(.scoring, flags.merging(["PRECINCT_TIME_ANCHOR": "2026-12-01T08:00:00Z"]) { $1 })
        #expect(pinned.timeAnchor == EventTime.date("2026-12-01T08:00:00Z"))
        #expect(throws: (any Error).self) { try Self.resolve(.scoring, flags.merging(["PRECINCT_TIME_ANCHOR": "yesterday"]) { $1 }) }

        // Real time needs no anchor and writes no file.
        let plain = try TempDir("precinct-clock")
        let real = try Self.resolve(.intake, ["PRECINCT_DATA_DIR": plain.url.path])
        #expect(real.timeAnchor == nil && real.makeClock() is SystemClock)
        #expect(!FileManager.default.fileExists(atPath: plain.url.appendingPathComponent(ClockAnchor.fileName).path))
    }

    @Test("two services racing to write the anchor get one anchor")
    func race() async throws {
        let dir = try TempDir("precinct-clock")
        let anchors = try await withThrowingTaskGroup(of: Date.self) { group in
            for i in 0..<8 {
                group.addTask { try ClockAnchor.shared(in: dir.url, now: Date(timeIntervalSince1970: 1_790_000_000 + Double(i))) }
            }
            return try await group.reduce(into: Set<Date>()) { $0.insert($1) }
        }
        #expect(anchors.count == 1)
    }
}
