import Foundation
import HTTPTypes
import NIOHTTP1

/// RFC 6455 §4.2.1: what the server requires of an opening handshake, before it asks who is asking
/// (`WebSocketEndpoint.decide`). NIO's upgrader checks only that there is one `Sec-WebSocket-Key` and a
/// `Sec-WebSocket-Version` of 13, and answers neither failure: `ChatHTTPChannel` runs these rules first
/// and sends every refusal itself.
enum WebSocketHandshake {
    /// What the rules look at in a request.
    struct Request: Sendable {
        var method: String
        /// HTTP/1.1 or newer (RFC 6455 §4.1 requires at least 1.1).
        var isHTTP11OrNewer: Bool
        var target: String
        /// Every header field, in order, names as sent.
        var fields: [(name: String, value: String)]

        init(method: String, isHTTP11OrNewer: Bool = true, target: String, fields: [(name: String, value: String)]) {
            self.method = method
            self.isHTTP11OrNewer = isHTTP11OrNewer
            self.target = target
            self.fields = fields
        }

        init(_ head: HTTPRequestHead) {
            self.init(method: head.method.rawValue,
                      isHTTP11OrNewer: head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1),
                      target: head.uri, fields: head.headers.map { ($0.name, $0.value) })
        }

        /// A request the HTTP side got (a later request on a kept-alive connection). HTTPTypes carry no
        /// version; a kept-alive connection is HTTP/1.1 (1.0 closes after one request by default). The
        /// first `Host` field became the request's authority.
        init(_ request: HTTPRequest) {
            let host = request.authority.map { [(name: "Host", value: $0)] } ?? []
            self.init(method: request.method.rawValue, target: request.path ?? "",
                      fields: host + request.headerFields.map { ($0.name.rawName, $0.value) })
        }

        /// Every value of the header `name`, one per field (not split).
        func values(_ name: String) -> [String] {
            fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
        }

        /// The comma-separated tokens of every `name` field, trimmed and lower-cased.
        func tokens(_ name: String) -> [String] {
            values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }

        var path: Substring {
            target.prefix { $0 != "?" && $0 != "#" }
        }
    }

    /// The path of the WebSocket endpoint: any request for it is held to the handshake's rules.
    static let path = "/ws"
    static let version = "13"

    /// A request that asks for a WebSocket (`Upgrade: websocket`), or any request for `/ws`.
    static func isAttempt(_ request: Request) -> Bool {
        request.path == path || request.tokens("Upgrade").contains("websocket")
    }

    /// Why `request` is no valid opening handshake, as the answer it gets; nil when it is one.
    static func problem(_ request: Request) -> WebSocketEndpoint.Refusal? {
        func bad(_ message: String) -> WebSocketEndpoint.Refusal { .init(status: .badRequest, message: message) }
        guard request.method == "GET" else { return bad("a WebSocket handshake is a GET request") }
        guard request.isHTTP11OrNewer else { return bad("a WebSocket handshake needs HTTP/1.1 or newer") }
        let hosts = request.values("Host")
        guard hosts.count == 1, !hosts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
            return bad("a WebSocket handshake needs one Host header")
        }
        guard request.tokens("Upgrade").contains("websocket") else { return bad("a WebSocket handshake needs Upgrade: websocket") }
        guard request.tokens("Connection").contains("upgrade") else { return bad("a WebSocket handshake needs Connection: Upgrade") }
        // NIO's upgrader cannot take a request body (it fails the upgrade without an answer), nor has a handshake one.
        let lengths = request.values("Content-Length")
        guard request.values("Transfer-Encoding").isEmpty, lengths.allSatisfy({ $0.trimmingCharacters(in: .whitespaces) == "0" }) else {
            return bad("a WebSocket handshake has no body")
        }
        // §4.2.2 and §4.4: an unknown or missing version gets 426 and the version this server speaks.
        let versions = request.values("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0].trimmingCharacters(in: .whitespaces) == version else {
            return .init(status: .upgradeRequired, message: "unsupported Sec-WebSocket-Version: this server speaks 13",
                         headers: [.secWebSocketVersion: version, .upgrade: "websocket", .connection: "Upgrade, close"])
        }
        let keys = request.values("Sec-WebSocket-Key")
        guard keys.count == 1, isNonce(keys[0].trimmingCharacters(in: .whitespaces)) else {
            return bad("Sec-WebSocket-Key must be the base64 of 16 bytes")
        }
        return nil
    }

    /// Whether `key` is the base64 of exactly 16 bytes: 22 digits, the last of which carries 2 bits (its
    /// low 4 are zero), then `==`.
    static func isNonce(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        var last: UInt8 = 0
        for byte in bytes[..<22] {
            guard let digit = base64Digit(byte) else { return false }
            last = digit
        }
        return last & 0x0F == 0
    }

    private static func base64Digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
