import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Calls the services' HTTP operations on the dispatcher's behalf. The one place a request to a
/// service is made, so the bearer token (when configured) goes on every call.
struct ServiceClient: Sendable {
    /// Where each service answers HTTP, read at each call (a restarted service may have moved).
    let baseURL: @Sendable (String) -> String
    /// `Authorization: Bearer <token>` on every call when set (`PRECINCT_CONSOLE_TOKEN`).
    let token: String?

    private static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 10
        return URLSession(configuration: config)
    }()

    /// The service's answer as it stands: status, body and its content type.
    struct Answer: Sendable {
        var status: Int
        var body: Data
        var contentType: String
    }

    func call(_ method: String, service: String, path: String, body: Data? = nil) async throws -> Answer {
        guard let url = URL(string: baseURL(service) + path) else {
            throw URLError(.badURL)
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as? HTTPURLResponse
        return Answer(
            status: http?.statusCode ?? 502, body: data, contentType: http?.value(forHTTPHeaderField: "Content-Type") ?? "application/json")
    }
}
