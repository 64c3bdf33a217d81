import ArgumentParser
import Foundation
import Wire

/// `precinct demo`: sends the demo city's calls to intake, prints each receipt, and plays the
/// field units (sign-off, arrival, feedback, close; a few late, a handover, the dual dispatch of an
/// accident with casualties) so the console tells a story rather than a list of breaches.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the demo calls (cities/demo/demo-calls.json) to intake over HTTP and play the field units.")

    @Option(help: "Calls file.") var calls = "cities/demo/demo-calls.json"
    @Option(help: "Pause between calls, in seconds.") var interval: Double = 0.5
    @Flag(inversion: .prefixedNo, help: "Play the field units of the incidents the calls open.") var field = true
    @Option(help: "Seconds a late crew takes to sign off (past the 90 s sign-off timer: dispatch sends the next unit).")
    var lateSignOff: Double = 100
    @OptionGroup var peers: PeerOptions

    func run() async throws {
        try await peers.authenticate()
        let data = try Data(contentsOf: URL(fileURLWithPath: calls))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["calls"] as? [[String: Any]] else {
            throw ValidationError("\(calls) has no \"calls\" array")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var played = 0
            for (index, var call) in list.enumerated() {
                call["receivedAt"] = ISO8601DateFormatter().string(from: Date())
                let body = try JSONSerialization.data(withJSONObject: call)
                let (status, reply) = try await HTTP.request("POST", "\(peers.intake)/v1/calls", body: body)
                print("call \(index + 1): HTTP \(status) \(String(decoding: reply, as: UTF8.self))")
                if field, let answer = try? JSONSerialization.jsonObject(with: reply) as? [String: Any], answer["outcome"] as? String == "opened",
                    let incident = answer["incidentId"] as? String
                {
                    // The story: every third incident's crew is late; the second one is handed over to its station.
                    let script = FieldScript(late: played % 3 == 1, handover: played == 2, lateSignOff: lateSignOff)
                    played += 1
                    let dispatch = peers.dispatch
                    group.addTask { await FieldCrew(dispatch: dispatch, incidentId: incident, script: script).play() }
                }
                try await Task.sleep(for: .seconds(interval))
            }
            try await group.waitForAll()
        }
    }
}

/// How one incident's crews behave: whether the first crew is late, whether it hands over.
struct FieldScript: Sendable {
    var late: Bool
    var handover: Bool
    var lateSignOff: Double
}

/// Plays the units of one incident from dispatch's view of it (GET /v1/incidents/<id>), until it closes.
struct FieldCrew: Sendable {
    var dispatch: String
    var incidentId: String
    var script: FieldScript

    func play() async {
        var sent: [String: Set<String>] = [:]  // unit → stages reported
        var handedOver = false
        // Only the first crew is late: the unit dispatch sends in its place is on time.
        var lateUnit: String?
        let deadline = Date().addingTimeInterval(900)
        while Date() < deadline {
            guard let view = try? await HTTP.getJSON("\(dispatch)/v1/incidents/\(incidentId)") else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if view["status"] as? String == "closed" { return }
            let units = (view["units"] as? [[String: Any]] ?? []).filter { $0["active"] as? Bool == true }
            for unit in units {
                guard let unitId = unit["unitId"] as? String, let at = (unit["assignedAt"] as? String).flatMap(EventTime.date) else { continue }
                let elapsed = Date().timeIntervalSince(at)
                let done = sent[unitId, default: []]
                if script.late && lateUnit == nil { lateUnit = unitId }
                // A unit that took over a handover goes straight on; the giver waits for it.
                // Seconds after the assignment: sign off, then arrive 20 s later, report back 15 s after that, close 20 s later.
                let signOff = handedOver ? 3 : unitId == lateUnit ? script.lateSignOff : 8
                var next: (stage: String, due: Double)?
                if !done.contains("signedOff") {
                    next = ("signedOff", signOff)
                } else if !done.contains("arrived") {
                    next = ("arrived", signOff + 20)
                } else if script.handover && !handedOver {
                    next = ("handover", signOff + 25)
                } else if !done.contains("feedback") && !done.contains("handover") {
                    next = ("feedback", signOff + 35)
                } else if !done.contains("closed") && !done.contains("handover") {
                    next = ("closed", signOff + 55)
                }
                guard let (stage, due) = next, elapsed >= due else { continue }
                var command: [String: Any] = ["incidentId": incidentId, "unitId": unitId, "stage": stage]
                if stage == "closed" { command["outcome"] = "resolvedOnScene" }
                if stage == "handover" { command["handover"] = ["kind": "postToStation", "toStationId": view["stationId"] as? String ?? ""] }
                guard let body = try? JSONSerialization.data(withJSONObject: ["commands": [command]]),
                    let (status, reply) = try? await HTTP.request("POST", "\(dispatch)/v1/field", body: body)
                else { continue }
                print("field \(incidentId) \(unitId) \(stage): HTTP \(status)\(status == 200 ? "" : " " + String(decoding: reply, as: UTF8.self))")
                sent[unitId, default: []].insert(stage)
                if stage == "handover" {
                    // Refused (no free unit at the station): the crew finishes the job itself.
                    handedOver = true
                    if status != 200 { sent[unitId]?.remove("handover") }
                }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// `precinct healthcheck URL`: exit 0 when the service answers ready (container health checks).
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Exit 0 if URL/readyz answers 200, 1 otherwise.")

    @Argument(help: "Service base URL, e.g. http://127.0.0.1:8101")
    var url: String = ProcessInfo.processInfo.environment["PRECINCT_HEALTH_URL"] ?? "http://127.0.0.1:8101"

    func run() async throws {
        do {
            let (status, body) = try await HTTP.request("GET", "\(url)/readyz")
            print(String(decoding: body, as: UTF8.self))
            if status != 200 { throw ExitCode(1) }
        } catch let exit as ExitCode { throw exit } catch {
            print("not reachable: \(error)")
            throw ExitCode(1)
        }
    }
}
