import ArgumentParser
import Bus
import Foundation
import Synchronization
import Wire

// `precinct load`, the follower and the verification: follows dispatch and liaison from now on,
// then checks every service's counts against what the run sent.

/// Asks a service's ROUTER for its epoch and latest sequence (`ping`), so the observer follows
/// from now on rather than replaying the service's whole history.
func latestSequence(
    context: ZMQContext, router: String, of service: String, _ security: BusSecurity?, attempts: Int
) throws -> (epoch: String?, seq: UInt64) {
    for attempt in 1...attempts {
        // A fresh REQ each time: a REQ whose peer died mid-request is stuck in its state machine.
        do { return try latestSequence(context: context, router: router, of: service, security) } catch  where attempt < attempts { continue }
    }
    throw ValidationError("no answer to ping from \(router)")
}

func latestSequence(context: ZMQContext, router: String, of service: String, _ security: BusSecurity?) throws -> (epoch: String?, seq: UInt64) {
    let socket = try Socket(context, .req)
    defer { socket.close() }
    try socket.configure(SocketOptions(receiveTimeout: .seconds(5)))
    try CurveOptions.prepare(socket, for: service, security)
    try socket.connect(router)
    try socket.send(PingReply.request())
    guard let frames = try socket.receiveMultipart(), let reply = try? PingReply(decoding: frames.last ?? []) else {
        throw ValidationError("no answer to ping from \(router): is the set running?")
    }
    return (reply.epoch, reply.latest)
}

/// Records assignments and alerts as the bus delivers them, and hands assignments to the field player.
final class LoadObserver: BusDelegate {
    let results: LoadResults
    let fieldPlayer: SocketThread<FieldPlayerLoop>?
    private let states = Mutex<[String: FollowState]>([:])

    init(results: LoadResults, fieldPlayer: SocketThread<FieldPlayerLoop>?) {
        self.results = results
        self.fieldPlayer = fieldPlayer
    }

    var caughtUp: Bool { states.withLock { $0.count == 2 && $0.values.allSatisfy { $0 == .live } } }

    func bus(received events: [Envelope], from source: String) {
        var assignments: [(String, String)] = []
        for event in events {
            guard let incident = LoadResults.stringField("incidentId", in: event.payload) else { continue }
            if event.header.type == "dispatch.assigned" {
                results.assigned(incident)
                if let unit = LoadResults.stringField("unitId", in: event.payload) { assignments.append((incident, unit)) }
            } else if event.header.type == "dispatch.hold", LoadResults.stringField("status", in: event.payload) == "held" {
                results.held(incident)
            } else if event.header.type == "alert.enterprise", LoadResults.stringField("transition", in: event.payload) == "opened" {
                // Later transitions (arrived, closed) alert again by design; the check is one `opened` per incident.
                results.alerted(incident)
            }
        }
        if !assignments.isEmpty, let fieldPlayer {
            let batch = assignments
            fieldPlayer.execute { $0.pending.append(contentsOf: batch) }
        }
    }

    func bus(request: BusRequest) {}
    func bus(deadLetter frames: [[UInt8]], source: String?, reason: String) {}
    func bus(source: String, state: FollowState) { states.withLock { $0[source] = state } }
    func busBacklog() -> Int { 0 }
}

/// The counts each service reports (`GET /v1/stats`).
struct SetCounts {
    var intake: [String: Any]
    var dispatch: [String: Any]
    var scoring: [String: Any]
    var liaison: [String: Any]

    /// Reads the followers before the services they follow: a follower can only be behind its
    /// source, so read in this order a set still at work shows a shortfall, never a follower ahead
    /// of its source's (older) count, which would read as a duplicate.
    static func read(_ peers: PeerOptions) async throws -> SetCounts {
        let scoring = try await HTTP.getJSON("\(peers.scoring)/v1/stats")
        let liaison = try await HTTP.getJSON("\(peers.liaison)/v1/stats")
        let dispatch = try await HTTP.getJSON("\(peers.dispatch)/v1/stats")
        let intake = try await HTTP.getJSON("\(peers.intake)/v1/stats")
        return SetCounts(intake: intake, dispatch: dispatch, scoring: scoring, liaison: liaison)
    }

    /// Reads the counts, asking again while a service restarts (a chaos run may be killing it).
    static func readRetrying(_ peers: PeerOptions, for seconds: Double) async throws -> SetCounts {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do { return try await read(peers) } catch {
                guard Date() < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func int(_ part: KeyPath<SetCounts, [String: Any]>, _ key: String) -> Int { self[keyPath: part][key] as? Int ?? 0 }
}

/// The end-of-run check across the whole set.
struct Verification {
    var lines: [(String, Int, Int)]  // what, expected, got
    /// Whether the counts had stopped moving. At the deadline a set still working through a backlog
    /// is short of what it was given: that is neither a loss nor a duplicate, and it is reported as
    /// not settled (and fails) rather than counted as either.
    var settled = true
    var passed: Bool { settled && lines.allSatisfy { $0.1 == $0.2 } }

    var text: String {
        var out = ["verification (expected → found):"]
        for (what, expected, got) in lines {
            let difference =
                expected == got ? "" : !settled ? "still moving" : got < expected ? "LOST \(expected - got)" : "DUPLICATED \(got - expected)"
            out.append(
                String(
                    format: "  %@ %-58@ %8d → %-8d %@", expected == got ? "✓" : "✗", what as NSString, expected, got, difference as NSString))
        }
        if settled {
            let lost = lines.map { max(0, $0.1 - $0.2) }.reduce(0, +)
            let duplicated = lines.map { max(0, $0.2 - $0.1) }.reduce(0, +)
            out.append("lost: \(lost)  duplicated: \(duplicated)  → \(passed ? "PASS" : "FAIL")")
        } else {
            out.append("NOT SETTLED: the counts were still moving at the deadline (--settle-timeout); lost and duplicated cannot be told → FAIL")
        }
        return out.joined(separator: "\n")
    }

    var json: [String: Any] {
        ["passed": passed, "settled": settled, "checks": lines.map { ["check": $0.0, "expected": $0.1, "found": $0.2] }]
    }

    /// The checks of one reading `now` against `baseline` and what the run sent.
    static func checks(
        baseline: SetCounts, now: SetCounts, recorded: Int, acked: Int, opened: Int, expectedAlerts: Int
    ) -> [(String, Int, Int)] {
        func delta(_ part: KeyPath<SetCounts, [String: Any]>, _ key: String) -> Int { now.int(part, key) - baseline.int(part, key) }
        return [
            ("acknowledged calls recorded in intake (once each)", acked, recorded),
            ("opened incidents known to dispatch", opened, delta(\.dispatch, "incidents")),
            ("dispatched incidents credited in scoring", delta(\.dispatch, "incidentsAssigned"), delta(\.scoring, "incidentsCredited")),
            ("assignments seen by scoring", delta(\.dispatch, "assignments"), delta(\.scoring, "incidentsAssigned")),
            ("enterprise incidents alerted", expectedAlerts, delta(\.liaison, "incidentsAlerted")),
            ("enterprise alerts (one per incident)", expectedAlerts, delta(\.liaison, "alerts")),
        ]
    }

    /// The verdict at the deadline from the last two readings' checks: unsettled when any count
    /// still moved between them.
    static func atDeadline(previous: [(String, Int, Int)]?, last: [(String, Int, Int)]) -> Verification {
        guard let previous else { return Verification(lines: last) }
        let moved = zip(previous, last).contains { $0.1 != $1.1 || $0.2 != $1.2 }
        return Verification(lines: last, settled: !moved)
    }

    static func run(
        peers: PeerOptions, baseline: SetCounts, runId: String, acked: Int, opened: Int, expectedAlerts: Int,
        timeout: Double
    ) async throws -> Verification {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: [(String, Int, Int)]?
        while true {
            let now: SetCounts
            let recorded: String?
            do {
                now = try await SetCounts.read(peers)
                recorded = (try await HTTP.getJSON("\(peers.intake)/v1/calls/count?clientRefPrefix=\(runId)-"))["count"] as? String
            } catch {
                // A service restarting: ask again until the deadline.
                guard Date() < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(250))
                continue
            }
            let lines = checks(
                baseline: baseline, now: now, recorded: Int(recorded ?? "0") ?? 0, acked: acked, opened: opened, expectedAlerts: expectedAlerts)
            let reading = Verification(lines: lines)
            if reading.passed { return reading }
            if Date() >= deadline { return atDeadline(previous: previous, last: lines) }
            previous = lines
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
