import Bus
import EventStore
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import Synchronization
import Wire

/// `/healthz`, `/readyz`, `/metrics`, and the operator's resynchronisation endpoint.
enum OpsRoutes {
    static func add<Core: ServiceCore>(to router: Router<BasicRequestContext>, context: ServiceContext<Core>, registry: PrometheusCollectorRegistry) {
        router.get("/healthz") { _, _ in
            json(200, ["status": "alive", "service": context.config.service.rawValue, "instance": context.config.instance])
        }
        router.get("/readyz") { _, _ in
            let sources = context.health.sourceStates.mapValues { state -> String in
                switch state {
                case .live: "live"
                case .replaying: "replaying"
                case .pruned: "pruned"
                }
            }
            if let reason = context.health.notReadyReason(engineRunning: context.engine.isRunning) {
                return json(503, ["status": "not-ready", "reason": reason, "sources": sources])
            }
            return json(200, ["status": "ready", "sources": sources])
        }
        // Counters go through swift-metrics where they happen; the backlog is a level, read at scrape time.
        let backlog = Gauge(label: "precinct_engine_backlog_events", dimensions: [("service", context.config.instance)])
        router.get("/metrics") { _, _ in
            backlog.record(context.engine.backlog)
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        // An operator's decision after retention pruned events a follower never applied:
        // skip to what is still available (README, "Resynchronising").
        router.post("/admin/resume/:source") { request, ctx in
            guard let source = ctx.parameters.get("source"), let state = context.health.sourceStates[source] else {
                return json(404, ["error": "not a followed source"])
            }
            guard case .pruned(let oldest, _) = state else {
                return json(409, ["error": "\(source) is not in the pruned state; nothing to resume"])
            }
            context.transport.resume(source: source, after: oldest - 1)
            return json(202, ["status": "resuming", "source": source, "after": "\(oldest - 1)"])
        }
    }

    static func json(_ status: Int, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
