import Hummingbird
import NIOCore

extension ServiceAPI {
    /// Registers every route on a Hummingbird router: the input from the body or the
    /// parameters, the answer (or the one error shape) as JSON.
    func addRoutes(to router: Router<BasicRequestContext>) {
        for route in routes {
            guard let entry = entries[route.operation] else {
                preconditionFailure("route \(route.method) \(route.path) names operation '\(route.operation)', which has no handler")
            }
            router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
                var parameters: [String: String] = [:]
                for (key, value) in context.parameters { parameters[String(key)] = String(value) }
                switch route.input {
                case .parameters:
                    for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
                    return Self.response(await entry.parameters(parameters))
                case .body(let maxBytes):
                    let body: ByteBuffer
                    do { body = try await request.body.collect(upTo: maxBytes) } catch {
                        return Self.response(EncodedReply(APIError(status: 413, code: "too-large", message: "the body is over \(maxBytes) bytes")))
                    }
                    let bytes = Array(buffer: body)
                    return Self.response(parameters.isEmpty ? await entry.json(bytes) : await entry.jsonWithParameters(bytes, parameters))
                }
            }
        }
        for route in rawRoutes {
            router.on(RouterPath(route.path), method: route.method, use: route.handler)
        }
    }

    static func response(_ reply: EncodedReply) -> Response {
        Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
