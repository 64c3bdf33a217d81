import Foundation
import Synchronization
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A small JSON-over-HTTP client (Foundation's URLSession) for the CLI and tests.
enum HTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 10
        config.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: config)
    }()

    private static let bearer = Mutex<String?>(nil)

    /// The bearer token every request carries from now on.
    static func setToken(_ token: String) { bearer.withLock { $0 = token } }

    static func request(_ method: String, _ url: String, body: Data? = nil) async throws -> (status: Int, body: Data) {
        guard let u = URL(string: url) else { throw Failure(description: "bad URL \(url)") }
        var request = URLRequest(url: u)
        request.httpMethod = method
        if let token = bearer.withLock({ $0 }) { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func getJSON(_ url: String) async throws -> [String: Any] {
        let (status, data) = try await request("GET", url)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "GET \(url) answered \(status): \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
