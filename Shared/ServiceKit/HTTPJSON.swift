import Foundation
import Hummingbird
import NIOCore

/// Turns an ``APIResponse`` into a Hummingbird response.
public enum HTTPJSON {
    public static func response(_ api: APIResponse) -> Response {
        Response(status: .init(code: api.status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: api.body)))
    }
}
