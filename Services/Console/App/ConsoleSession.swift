import Foundation
import Hummingbird
import NIOCore

/// A person signed in to the console with their own bearer token (`precinct tokens issue`): the
/// console then calls the services with that token instead of its own, so the services decide
/// what this person may do and see (roles, masking; docs/security.md). The token lives in an
/// HttpOnly, SameSite=Strict cookie; the console never checks it itself (it has no signing key),
/// it only reads the claims to show who is signed in. A console run without `--token` serves
/// only people who sign in.
enum ConsoleSession {
    static let cookie = "precinct_token"

    /// The signed-in person's token from the request's cookie, if any.
    static func token(of request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2, pair[0] == cookie, !pair[1].isEmpty { return pair[1] }
        }
        return nil
    }

    /// The claims a token carries (`sub`, `roles`, `exp`), read without checking the signature:
    /// for showing who is signed in, never for deciding anything. `nil` when it is not a JWT.
    static func claims(_ token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// `GET /api/session` (who is signed in), `POST /api/session` `{"token"}` (sign in),
    /// `DELETE /api/session` (sign out).
    static func add(to router: Router<BasicRequestContext>, consoleHasToken: Bool) {
        router.get("/api/session") { request, _ -> Response in
            var body: [String: Any] = ["consoleToken": consoleHasToken]
            if let token = token(of: request), let claims = claims(token) { body["person"] = person(claims) }
            return json(200, body)
        }
        router.post("/api/session") { request, _ -> Response in
            let raw = try await request.body.collect(upTo: 16 << 10)
            guard let object = try? JSONSerialization.jsonObject(with: Data(raw.readableBytesView)) as? [String: Any],
                let token = (object["token"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), let claims = claims(token),
                token.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
            else {
                return json(
                    400, ["error": ["code": "invalid-value", "field": "token", "message": "token is not a bearer token (header.payload.signature)"]])
            }
            var response = json(200, ["consoleToken": consoleHasToken, "person": person(claims)])
            response.headers[.setCookie] = "\(cookie)=\(token); Path=/; HttpOnly; SameSite=Strict"
            return response
        }
        router.delete("/api/session") { _, _ -> Response in
            var response = json(200, ["consoleToken": consoleHasToken])
            response.headers[.setCookie] = "\(cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
    }

    private static func person(_ claims: [String: Any]) -> [String: Any] {
        var out: [String: Any] = ["subject": claims["sub"] as? String ?? "?", "roles": claims["roles"] as? [String] ?? []]
        if let exp = claims["exp"] as? Double { out["expiresAt"] = exp }
        return out
    }

    private static func json(_ status: Int, _ body: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension ServiceClient {
    /// This client for the person signed in on `request` (their token), else as the console.
    func acting(for request: Request) -> ServiceClient {
        guard let person = ConsoleSession.token(of: request) else { return self }
        return ServiceClient(baseURL: baseURL, token: person)
    }
}
