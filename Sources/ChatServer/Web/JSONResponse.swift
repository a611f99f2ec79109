import ChatModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

enum JSONResponse {
    static func ok(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        ok(#"{"error":"# + JSONText.quoted(message) + "}", status: status)
    }
}
