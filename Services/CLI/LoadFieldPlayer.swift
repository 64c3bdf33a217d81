import Bus
import Foundation
import Synchronization
import Wire

// `precinct load`, the field-unit player: the units of every assigned incident play their stages.

/// Plays the field units: every assigned unit signs off, arrives, gives feedback and closes,
/// in batches to dispatch's ROUTER, resent when dispatch does not answer (it may be restarting).
final class FieldPlayerLoop: SocketLoop {
    let field: Socket
    let results: LoadResults
    var pending: [(incident: String, unit: String)] = []
    var outstanding: [String: (body: [UInt8], sent: ContinuousClock.Instant)] = [:]
    var counter = 0
    static let stages = ["signedOff", "arrived", "feedback", "closed"]

    init(context: ZMQContext, dispatchRouter: String, security: BusSecurity?, results: LoadResults) throws {
        field = try Socket(context, .dealer)
        try field.configure(
            SocketOptions(
                sendHighWaterMark: 0, receiveHighWaterMark: 0, reconnectInterval: .milliseconds(50),
                reconnectIntervalMax: .milliseconds(500)))
        try CurveOptions.prepare(field, for: "dispatch", security)
        try field.connect(dispatchRouter)
        self.results = results
    }

    var inputs: [Socket] { [field] }

    func readable(_ index: Int) {
        for _ in 0..<256 {
            guard let frames = (try? field.receiveMultipart(dontWait: true)) ?? nil, frames.count >= 3,
                let reply = try? ReplyHeader(decoding: frames[1]), case .string(let id) = reply.id
            else { break }
            guard outstanding.removeValue(forKey: id) != nil else { continue }
            if let object = try? JSONSerialization.jsonObject(with: Data(frames[2])) as? [String: Any] {
                results.fieldAccepted.add(object["accepted"] as? Int ?? 0, ordering: .relaxed)
                results.fieldRefused.add((object["refused"] as? [Any])?.count ?? 0, ordering: .relaxed)
            }
        }
    }

    func tick(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        for (id, request) in outstanding where now - request.sent > .seconds(3) {
            // dispatch may have restarted: send again; a repeated stage is refused, never applied twice.
            outstanding[id] = (request.body, now)
            _ = try? field.send(multipart: [[], RequestHeader(op: "field", id: .string(id)).encoded(), request.body], dontWait: true)
        }
        while !pending.isEmpty && outstanding.count < 64 {
            let batch = pending.prefix(250)
            pending.removeFirst(batch.count)
            var commands: [String] = []
            for item in batch {
                for stage in Self.stages {
                    let outcome = stage == "closed" ? ",\"outcome\":\"resolvedOnScene\"" : ""
                    commands.append("{\"incidentId\":\"\(item.incident)\",\"unitId\":\"\(item.unit)\",\"stage\":\"\(stage)\"\(outcome)}")
                }
            }
            let body = Array("{\"commands\":[\(commands.joined(separator: ","))]}".utf8)
            counter += 1
            let id = "f\(counter)"
            outstanding[id] = (body, now)
            _ = try? field.send(multipart: [[], RequestHeader(op: "field", id: .string(id)).encoded(), body], dontWait: true)
        }
        return now + .milliseconds(pending.isEmpty ? 20 : 2)
    }

    func shutdown() { field.close() }
}
