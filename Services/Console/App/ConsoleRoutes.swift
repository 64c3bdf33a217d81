import Foundation
import Hummingbird
import Model
import NIOCore
import Prometheus
import ServiceLifecycle

/// The console's HTTP surface: the web app, the city's own map data, the live stream, and the
/// dispatcher's commands passed on to dispatch (the console never changes state itself).
enum ConsoleRoutes {
    struct Settings: Sendable {
        var webDirectory: URL
        var cityDirectory: URL
        var timeZone: String
        var rules: TimerRules
        var services: [String]
    }

    static func add(
        to router: Router<BasicRequestContext>, follower: ConsoleFollower, client: ServiceClient, settings: Settings,
        registry: PrometheusCollectorRegistry
    ) {
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { _, _ -> Response in
            follower.ready
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "catching up")))
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        // The web app: index.html at the root, everything else under /web/.
        router.get("/") { _, _ -> Response in file(settings.webDirectory.appendingPathComponent("index.html")) }
        router.get("/web/**") { _, context -> Response in
            let parts = context.parameters.getCatchAll().map(String.init)
            guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0.hasPrefix(".") }) else { return notFound() }
            return file(parts.reduce(settings.webDirectory) { $0.appendingPathComponent($1) })
        }
        router.get("/city/jurisdiction.json") { _, _ -> Response in file(settings.cityDirectory.appendingPathComponent("jurisdiction.json")) }
        router.get("/city/grids.geojson") { _, _ -> Response in file(settings.cityDirectory.appendingPathComponent("grids.geojson")) }
        router.get("/api/config") { _, _ -> Response in
            let r = settings.rules
            let config: [String: Any] = [
                "timeZone": settings.timeZone,
                "timers": [
                    "signOff": ["seconds": r.signOff.seconds, "warnBefore": r.signOff.warnBefore],
                    "arrival": ["seconds": r.arrival.seconds, "warnBefore": r.arrival.warnBefore],
                    "firstFeedback": ["seconds": r.firstFeedback.seconds, "warnBefore": r.firstFeedback.warnBefore],
                    "close": ["seconds": r.close.seconds, "warnBefore": r.close.warnBefore],
                ],
            ]
            return json(try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys]))
        }

        // The live stream: a snapshot, then every change, as Server-Sent Events.
        router.get("/api/stream") { _, _ -> Response in
            let stream = follower.subscribe()
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    // Ends with the server's graceful shutdown rather than holding it open.
                    for try await message in stream.cancelOnGracefulShutdown() {
                        try await writer.write(ByteBuffer(string: "data: \(message)\n\n"))
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/api/incidents/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let incident = follower.incident(id) else { return notFound() }
            return json(try JSONCodec.encoder().encode(incident))
        }
        router.get("/api/status") { _, _ -> Response in json(try JSONCodec.encoder().encode(follower.status)) }

        // Each service's readiness and figures, for the operations page.
        router.get("/api/services") { _, _ -> Response in
            var out: [String: Any] = [:]
            for service in settings.services {
                var entry: [String: Any] = ["ready": false]
                if let ready = try? await client.call("GET", service: service, path: "/readyz") { entry["ready"] = ready.status == 200 }
                if let stats = try? await client.call("GET", service: service, path: "/v1/stats"), stats.status == 200,
                    let object = try? JSONSerialization.jsonObject(with: stats.body)
                {
                    entry["stats"] = object
                }
                out[service] = entry
            }
            return json(try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]))
        }

        // The dispatcher's actions: dispatch's override operations, passed on with their answer.
        router.get("/api/incidents/:id/recommendations") { _, context -> Response in
            await pass(client, "GET", "dispatch", "/v1/incidents/\(context.parameters.get("id") ?? "")/recommendations", body: nil)
        }
        for action in ["assign", "reassign", "cancel-assignment", "reclassify", "major"] {
            router.post(RouterPath("/api/incidents/:id/\(action)")) { request, context -> Response in
                let body = try await request.body.collect(upTo: 64 << 10)
                return await pass(
                    client, "POST", "dispatch", "/v1/incidents/\(context.parameters.get("id") ?? "")/\(action)", body: Data(body.readableBytesView))
            }
        }
        router.post("/api/escalations/:id/acknowledge") { request, context -> Response in
            let body = try await request.body.collect(upTo: 64 << 10)
            return await pass(
                client, "POST", "dispatch", "/v1/escalations/\(context.parameters.get("id") ?? "")/acknowledge", body: Data(body.readableBytesView))
        }
        // Scoring's figures (KPIs, rankings by period, intervals, awards, hotspots) and liaison's
        // (alerts, cases, overdue work) for their pages: read routes only.
        for service in ["scoring", "liaison"] {
            router.get(RouterPath("/api/\(service)/**")) { request, context -> Response in
                let rest = context.parameters.getCatchAll().joined(separator: "/")
                let query = request.uri.query.map { "?\($0)" } ?? ""
                return await pass(client, "GET", service, "/v1/\(rest)\(query)", body: nil)
            }
        }
    }

    private static func pass(_ client: ServiceClient, _ method: String, _ service: String, _ path: String, body: Data?) async -> Response {
        do {
            let answer = try await client.call(method, service: service, path: path, body: body)
            return Response(
                status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        } catch {
            let message = "\(service) did not answer: \(error)".replacingOccurrences(of: "\"", with: "'")
            return Response(
                status: .badGateway, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"unavailable","field":"\#(service)","message":"\#(message)"}}"#)))
        }
    }

    private static func json(_ data: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func notFound() -> Response {
        Response(
            status: .notFound, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"not-found","message":"no such page"}}"#)))
    }

    private static let types = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "json": "application/json", "geojson": "application/geo+json", "png": "image/png", "svg": "image/svg+xml",
    ]

    private static func file(_ url: URL) -> Response {
        guard let data = try? Data(contentsOf: url) else { return notFound() }
        return Response(
            status: .ok, headers: [.contentType: types[url.pathExtension] ?? "application/octet-stream", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
