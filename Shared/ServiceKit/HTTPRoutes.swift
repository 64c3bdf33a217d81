import Foundation
import Hummingbird
import NIOCore
import Wire

/// The request context of every service's router: Hummingbird's, plus the client's address
/// (for the audit trail).
public struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's address as text (`1.2.3.4:5678`).
    public var client: String? {
        guard let address = remoteAddress else { return nil }
        return address.ipAddress.map { "\($0):\(address.port ?? 0)" } ?? "\(address)"
    }
}

extension ServiceAPI {
    /// Registers every route on a Hummingbird router: the caller authenticated and checked
    /// against the route's roles (401 / 403 in the one error shape), the input from the body or
    /// the parameters, the answer (or the one error shape) as JSON.
    func addRoutes(to router: Router<APIRequestContext>, gate: HTTPGate) {
        for route in routes {
            guard let entry = entries[route.operation] else {
                preconditionFailure("route \(route.method) \(route.path) names operation '\(route.operation)', which has no handler")
            }
            let action = "\(route.method.rawValue) \(route.path)"
            router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
                await gate.admit(
                    request, context, roles: entry.roles, operation: route.operation, action: action, requiresReason: route.requiresReason
                ) {
                    var parameters: [String: String] = [:]
                    for (key, value) in context.parameters { parameters[String(key)] = String(value) }
                    switch route.input {
                    case .parameters:
                        for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
                        return Self.response(await entry.parameters(parameters))
                    case .body(let maxBytes):
                        let body: ByteBuffer
                        do { body = try await request.body.collect(upTo: maxBytes) } catch {
                            return Self.response(
                                EncodedReply(APIError(status: 413, code: "too-large", message: "the body is over \(maxBytes) bytes")))
                        }
                        let bytes = Array(buffer: body)
                        switch actorParameters(route.operation, body: bytes, principal: Principal.current) {
                        case .failure(let refusal): return Self.response(EncodedReply(refusal))
                        case .success(let actor): parameters.merge(actor) { path, _ in path }
                        }
                        return Self.response(parameters.isEmpty ? await entry.json(bytes) : await entry.jsonWithParameters(bytes, parameters))
                    }
                }
            }
        }
        for route in rawRoutes {
            let action = "\(route.method.rawValue) \(route.path)"
            router.on(RouterPath(route.path), method: route.method) { request, context -> Response in
                await gate.admit(request, context, roles: route.roles, operation: nil, action: action) {
                    do { return try await route.handler(request, context) } catch {
                        return Self.response(EncodedReply(APIError.from(error)))
                    }
                }
            }
        }
    }

    static func response(_ reply: EncodedReply) -> Response {
        Response(
            status: .init(code: reply.status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
