import Bus
import EventStore
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Prometheus
import Synchronization
import Wire

/// `/healthz`, `/readyz`, `/metrics`, and the operator's resynchronisation endpoint. Health and
/// readiness are open (probes carry no token); `/metrics` is open unless configured otherwise;
/// `/admin/resume` is for operators and supervisors.
enum OpsRoutes {
    /// Who may resume a follower past pruned events.
    static let resumeRoles: Set<Role> = [.operator, .supervisor]
    /// Who may read `/metrics` when it needs a token.
    static let metricsRoles: Set<Role> = [.operator]

    static func add<Core: ServiceCore>(
        to router: Router<APIRequestContext>, context: ServiceContext<Core>, registry: PrometheusCollectorRegistry, gate: HTTPGate
    ) {
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
        let protectMetrics = context.config.metricsNeedToken
        router.get("/metrics") { request, ctx in
            @Sendable func metrics() -> Response {
                backlog.record(context.engine.backlog)
                var buffer: [UInt8] = []
                buffer.reserveCapacity(16_384)
                registry.emit(into: &buffer)
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
            }
            guard protectMetrics else { return metrics() }
            return await gate.admit(request, ctx, roles: metricsRoles, operation: nil, action: "GET /metrics") { metrics() }
        }
        // An operator's decision after retention pruned events a follower never applied:
        // skip to what is still available (README, "Resynchronising").
        router.post("/admin/resume/:source") { request, ctx in
            await gate.admit(request, ctx, roles: resumeRoles, operation: "resume", action: "POST /admin/resume/:source") {
                guard let source = ctx.parameters.get("source"), let state = context.health.sourceStates[source] else {
                    return error(.notFound("not a followed source", field: "source"))
                }
                guard case .pruned(let oldest, _) = state else {
                    return error(.conflict("\(source) is not in the pruned state; nothing to resume", field: "source"))
                }
                context.transport.resume(source: source, after: oldest - 1)
                return json(202, ["status": "resuming", "source": source, "after": "\(oldest - 1)"])
            }
        }
    }

    static func error(_ error: APIError) -> Response { ServiceAPI.response(EncodedReply(error)) }

    static func json(_ status: Int, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
