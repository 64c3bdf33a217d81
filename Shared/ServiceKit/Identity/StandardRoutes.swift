import EventStore
import Foundation
import Hummingbird
import Model
import Wire

extension ServiceAPI {
    /// The audit trail's query operation (`audit`, `GET /v1/audit`), for supervisors.
    static let auditOperation = APIOperation<AuditQuery, AuditList>("audit")

    /// Who may read the audit trail.
    public static let auditRoles: Set<Role> = [.supervisor]

    /// `GET /v1/audit?principal=&action=&outcome=&since=&limit=`: newest first.
    mutating func addAuditRoute(log: any EventLog) {
        guard entries[Self.auditOperation.name] == nil else { return }
        on(Self.auditOperation, allow: Self.auditRoles) { query in AuditList(records: try await query.run(on: log)) }
        get("/v1/audit", Self.auditOperation)
    }

    /// `GET /v1/access`: this service's role table as the code declares it (every route and
    /// every operation with its roles), for docs/security.md and the test that walks it.
    mutating func addAccessRoute() {
        let table = accessTable
        raw(.get, "/v1/access", allow: Set(Role.people)) { _, _ in Self.response(EncodedReply(status: 200, body: table)) }
    }

    /// The role table as JSON: `{"routes": [{method, path, operation?, roles}], "operations": [{name, roles, read}]}`.
    var accessTable: [UInt8] {
        var routeRows: [[String: Any]] = []
        for route in routeTable {
            var row: [String: Any] = ["method": route.method, "path": route.path, "roles": route.roles.map(\.rawValue).sorted()]
            if let operation = route.operation { row["operation"] = operation }
            routeRows.append(row)
        }
        let access: [String: Any] = ["method": "GET", "path": "/v1/access", "roles": Role.people.map(\.rawValue).sorted()]
        let resume: [String: Any] = ["method": "POST", "path": "/admin/resume/:source", "roles": OpsRoutes.resumeRoles.map(\.rawValue).sorted()]
        routeRows += [access, resume]
        var operationRows: [[String: Any]] = []
        for name in entries.keys.sorted() {
            let row: [String: Any] = ["name": name, "roles": entries[name]!.roles.map(\.rawValue).sorted(), "read": isRead(name)]
            operationRows.append(row)
        }
        let object: [String: Any] = ["routes": routeRows, "operations": operationRows]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8))
    }

    /// `GET /openapi.json`, derived from the declared routes, unless the service serves its own.
    mutating func addOpenAPIRoute(service: ServiceName) {
        guard !rawRoutes.contains(where: { $0.path == "/openapi.json" }) else { return }
        let document = OpenAPIGenerator.document(title: "precinct-\(service.rawValue)", routes: routeTable)
        raw(.get, "/openapi.json", allow: Set(Role.people)) { _, _ in Self.response(EncodedReply(status: 200, body: document)) }
    }
}

/// An OpenAPI 3.1 document from a service's route table: every route, its roles (`x-roles`),
/// bearer authentication, and the one error shape for every 4xx.
public enum OpenAPIGenerator {
    /// A service's own document with the bearer scheme required everywhere, each operation's roles
    /// (`x-roles`, from `routes`) and its 401 and 403 answers added.
    public static func secured(
        _ json: String, routes: [(method: String, path: String, operation: String?, roles: Set<Role>)]
    ) -> [UInt8] {
        guard var document = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else { return Array(json.utf8) }
        var components = document["components"] as? [String: Any] ?? [:]
        var schemes = components["securitySchemes"] as? [String: Any] ?? [:]
        schemes["bearer"] = ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]
        components["securitySchemes"] = schemes
        var schemas = components["schemas"] as? [String: Any] ?? [:]
        if schemas["Error"] == nil { schemas["Error"] = errorSchema }
        components["schemas"] = schemas
        document["components"] = components
        document["security"] = [["bearer": [String]()]]
        let refused: [String: Any] = [
            "description": "no valid bearer token (401) or outside the route's roles (403)",
            "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
        ]
        var paths = document["paths"] as? [String: Any] ?? [:]
        for (path, value) in paths {
            guard var methods = value as? [String: Any] else { continue }
            for (method, operationValue) in methods {
                guard var operation = operationValue as? [String: Any] else { continue }
                var responses = operation["responses"] as? [String: Any] ?? [:]
                responses["401"] = responses["401"] ?? refused
                responses["403"] = responses["403"] ?? refused
                operation["responses"] = responses
                let hummingbird = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
                if let route = routes.first(where: { $0.path == hummingbird && $0.method.lowercased() == method }) {
                    operation["x-roles"] = route.roles.map(\.rawValue).sorted()
                }
                methods[method] = operation
            }
            paths[path] = methods
        }
        document["paths"] = paths
        return Array((try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data(json.utf8))
    }

    static var errorSchema: [String: Any] {
        let detail: [String: Any] = [
            "type": "object", "required": ["code", "message"],
            "properties": ["code": ["type": "string"], "field": ["type": "string"], "message": ["type": "string"], "callId": ["type": "string"]],
        ]
        let properties: [String: Any] = ["error": detail]
        return ["type": "object", "required": ["error"], "properties": properties]
    }

    public static func document(
        title: String, routes: [(method: String, path: String, operation: String?, roles: Set<Role>)]
    ) -> [UInt8] {
        var paths: [String: [String: Any]] = [:]
        let errorContent: [String: Any] = ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]
        let errorResponse: [String: Any] = ["description": "the one API error (docs/api.md)", "content": errorContent]
        let objectContent: [String: Any] = ["application/json": ["schema": ["type": "object"]]]
        // Any JSON: the generated document knows the routes and roles, not each answer's schema.
        let done: [String: Any] = ["description": "done", "content": ["application/json": ["schema": [String: String]()]]]
        for route in routes {
            // Hummingbird's `:id` is OpenAPI's `{id}`.
            let segments = route.path.split(separator: "/").map(String.init)
            var parameters: [[String: Any]] = []
            for segment in segments where segment.hasPrefix(":") {
                let parameter: [String: Any] = ["name": String(segment.dropFirst()), "in": "path", "required": true, "schema": ["type": "string"]]
                parameters.append(parameter)
            }
            let path = "/" + segments.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.joined(separator: "/")
            let responses: [String: Any] = ["2XX": done, "4XX": errorResponse, "401": errorResponse, "403": errorResponse]
            let fallbackId = route.method.lowercased() + segments.map { $0.replacingOccurrences(of: ":", with: "") }.joined(separator: "-")
            var operation: [String: Any] = [:]
            operation["operationId"] = route.operation ?? fallbackId
            operation["x-roles"] = route.roles.map(\.rawValue).sorted()
            operation["security"] = [["bearer": [String]()]]
            operation["responses"] = responses
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if route.method == "POST" || route.method == "PUT" {
                let body: [String: Any] = ["content": objectContent]
                operation["requestBody"] = body
            }
            paths[path, default: [:]][route.method.lowercased()] = operation
        }
        let schemes: [String: Any] = ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"]]
        let components: [String: Any] = ["securitySchemes": schemes, "schemas": ["Error": errorSchema] as [String: Any]]
        let info: [String: Any] = ["title": title, "version": "1"]
        let document: [String: Any] = [
            "openapi": "3.1.0", "info": info, "paths": paths, "components": components, "security": [["bearer": [String]()]],
        ]
        return Array((try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
