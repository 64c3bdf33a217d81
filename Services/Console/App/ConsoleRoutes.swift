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
        /// The services' source names (a dispatch instance's own name), for the operations page.
        var services: [String]
        var routing: DispatchRouting = .single
        var jurisdiction: Jurisdiction?
        var clock = ConsoleClock(clock: SystemClock(), factor: 1)
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

        ConsoleSession.add(to: router, consoleHasToken: client.token != nil)

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
                "clock": settings.clock.json,
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
        router.get("/api/services") { request, _ -> Response in
            var out: [String: Any] = [:]
            for service in settings.services {
                var entry: [String: Any] = ["ready": false]
                if let ready = try? await client.acting(for: request).call("GET", service: service, path: "/readyz") {
                    entry["ready"] = ready.status == 200
                }
                if let stats = try? await client.acting(for: request).call("GET", service: service, path: "/v1/stats"), stats.status == 200,
                    let object = try? JSONSerialization.jsonObject(with: stats.body)
                {
                    entry["stats"] = object
                }
                out[service] = entry
            }
            return json(try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys]))
        }

        // The dispatcher's actions: dispatch's override operations, passed on with their answer to
        // the dispatch instance that owns the incident (`DispatchRouting`).
        router.get("/api/incidents/:id/recommendations") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return await routed(follower, settings, incidentId: id, body: nil) { instance in
                await pass(client.acting(for: request), "GET", instance, "/v1/incidents/\(id)/recommendations", body: nil)
            }
        }
        for action in ["assign", "reassign", "cancel-assignment", "reclassify", "major"] {
            router.post(RouterPath("/api/incidents/:id/\(action)")) { request, context -> Response in
                let id = context.parameters.get("id") ?? ""
                let body = Data(try await request.body.collect(upTo: 64 << 10).readableBytesView)
                return await routed(follower, settings, incidentId: id, body: body) { instance in
                    await pass(client.acting(for: request), "POST", instance, "/v1/incidents/\(id)/\(action)", body: body)
                }
            }
        }
        router.post("/api/escalations/:id/acknowledge") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let body = Data(try await request.body.collect(upTo: 64 << 10).readableBytesView)
            do {
                return await pass(
                    client.acting(for: request), "POST", try settings.routing.instance(escalationId: id), "/v1/escalations/\(id)/acknowledge",
                    body: body)
            } catch let refusal as DispatchRouting.Refusal {
                return Self.error(404, "not-found", refusal.field, refusal.message)
            }
        }
        // The zero-disturbance coordination queue's action: liaison's acknowledgement.
        router.post("/api/coordination/:incidentId/acknowledge") { request, context -> Response in
            let body = Data(try await request.body.collect(upTo: 64 << 10).readableBytesView)
            return await pass(
                client.acting(for: request), "POST", "liaison", "/v1/coordination/\(context.parameters.get("incidentId") ?? "")/acknowledge",
                body: body)
        }
        // The callers of an incident, as intake answers the console's token: the console's stream
        // carries no caller's data, and the page shows what intake gave, masked or not by the
        // token's roles (docs/security.md); the console masks nothing itself.
        router.get("/api/incidents/:id/callers") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            do {
                let answer = try await client.acting(for: request).call("GET", service: "intake", path: "/v1/incidents/\(id)")
                guard answer.status == 200, let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else {
                    return Response(
                        status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
                }
                let callers: [[String: Any]] = ((object["calls"] as? [[String: Any]]) ?? []).map { call in
                    var entry: [String: Any] = ["callId": call["callId"] ?? ""]
                    if let caller = call["caller"] { entry["caller"] = caller }
                    if let at = call["receivedAt"] { entry["receivedAt"] = at }
                    return entry
                }
                return json(try JSONSerialization.data(withJSONObject: ["incidentId": id, "callers": callers], options: [.sortedKeys]))
            } catch {
                return Self.error(502, "unavailable", "intake", "intake did not answer: \(error)")
            }
        }
        // Scoring's figures (KPIs, rankings by period, intervals, awards, hotspots) and liaison's
        // (alerts, cases, overdue work) for their pages: read routes only.
        for service in ["scoring", "liaison"] {
            router.get(RouterPath("/api/\(service)/**")) { request, context -> Response in
                let rest = context.parameters.getCatchAll().joined(separator: "/")
                let query = request.uri.query.map { "?\($0)" } ?? ""
                return await pass(client.acting(for: request), "GET", service, "/v1/\(rest)\(query)", body: nil)
            }
        }
    }

    /// Runs `call` on the dispatch instance that owns incident `id` (by its region; a send of a
    /// city-wide unit through the city desk), or answers why none does.
    private static func routed(
        _ follower: ConsoleFollower, _ settings: Settings, incidentId id: String, body: Data?, _ call: (String) async -> Response
    ) async -> Response {
        // One instance: no need to know the incident (it may be older than the console's memory).
        if settings.routing.instances.count == 1, let only = settings.routing.instances.first { return await call(only.name) }
        guard let incident = follower.incident(id) else { return Self.error(404, "not-found", "id", "the console knows no incident '\(id)'") }
        // A city-wide unit (sent, or taken off) is the city desk's.
        var cityWide = false
        if let body, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let unitId = (object["toUnitId"] ?? object["unitId"]) as? String,
            let unit = settings.jurisdiction?.units.first(where: { $0.id == unitId })
        {
            cityWide = unit.kind == .accidentDivision || unit.kind == .ptu
        }
        do {
            return await call(try settings.routing.instance(incidentRegion: incident.regionId ?? "unlocated", sendsCityWideUnit: cityWide))
        } catch let refusal as DispatchRouting.Refusal {
            return Self.error(409, "conflict", refusal.field, refusal.message)
        } catch {
            return Self.error(500, "internal", "id", "\(error)")
        }
    }

    private static func error(_ status: Int, _ code: String, _ field: String, _ message: String) -> Response {
        let body: [String: Any] = ["error": ["code": code, "field": field, "message": message]]
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data())))
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
