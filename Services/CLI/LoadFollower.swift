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

    static func read(_ peers: PeerOptions) async throws -> SetCounts {
        SetCounts(
            intake: try await HTTP.getJSON("\(peers.intake)/v1/stats"),
            dispatch: try await HTTP.getJSON("\(peers.dispatch)/v1/stats"),
            scoring: try await HTTP.getJSON("\(peers.scoring)/v1/stats"),
            liaison: try await HTTP.getJSON("\(peers.liaison)/v1/stats"))
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
    var passed: Bool { lines.allSatisfy { $0.1 == $0.2 } }

    var text: String {
        var out = ["verification (expected → found):"]
        for (what, expected, got) in lines {
            out.append(
                String(
                    format: "  %@ %-58@ %8d → %-8d %@", expected == got ? "✓" : "✗", what as NSString, expected, got,
                    expected == got ? "" : (got < expected ? "LOST \(expected - got)" : "DUPLICATED \(got - expected)")))
        }
        let lost = lines.map { max(0, $0.1 - $0.2) }.reduce(0, +)
        let duplicated = lines.map { max(0, $0.2 - $0.1) }.reduce(0, +)
        out.append("lost: \(lost)  duplicated: \(duplicated)  → \(passed ? "PASS" : "FAIL")")
        return out.joined(separator: "\n")
    }

    var json: [String: Any] {
        ["passed": passed, "checks": lines.map { ["check": $0.0, "expected": $0.1, "found": $0.2] }]
    }

    static func run(
        peers: PeerOptions, baseline: SetCounts, runId: String, acked: Int, opened: Int, expectedAlerts: Int,
        timeout: Double
    ) async throws -> Verification {
        let deadline = Date().addingTimeInterval(timeout)
        var result = Verification(lines: [])
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
            let dIncidents = now.int(\.dispatch, "incidents") - baseline.int(\.dispatch, "incidents")
            let dAssignments = now.int(\.dispatch, "assignments") - baseline.int(\.dispatch, "assignments")
            let sAssignments = now.int(\.scoring, "incidentsAssigned") - baseline.int(\.scoring, "incidentsAssigned")
            let dAssigned = now.int(\.dispatch, "incidentsAssigned") - baseline.int(\.dispatch, "incidentsAssigned")
            let sCredited = now.int(\.scoring, "incidentsCredited") - baseline.int(\.scoring, "incidentsCredited")
            let lAlerted = now.int(\.liaison, "incidentsAlerted") - baseline.int(\.liaison, "incidentsAlerted")
            let lAlerts = now.int(\.liaison, "alerts") - baseline.int(\.liaison, "alerts")
            result = Verification(lines: [
                ("acknowledged calls recorded in intake (once each)", acked, Int(recorded ?? "0") ?? 0),
                ("opened incidents known to dispatch", opened, dIncidents),
                ("dispatched incidents credited in scoring", dAssigned, sCredited),
                ("assignments seen by scoring", dAssignments, sAssignments),
                ("enterprise incidents alerted", expectedAlerts, lAlerted),
                ("enterprise alerts (one per incident)", expectedAlerts, lAlerts),
            ])
            if result.passed || Date() >= deadline { return result }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
