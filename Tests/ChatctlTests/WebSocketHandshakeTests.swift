@testable import ChatServer
import Foundation
import Testing

/// RFC 6455 §4.2.1/§4.2.2 through raw sockets on a real server: every bad opening handshake gets its status
/// and a close, never silence.
@Suite("WebSocket handshake validation")
struct WebSocketHandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="

    static func handshake(method: String = "GET", version: String = "HTTP/1.1", host: String? = "x",
                          fields: [String] = ["Upgrade: websocket", "Connection: keep-alive, Upgrade", "Sec-WebSocket-Version: 13",
                                              "Sec-WebSocket-Key: \(key)"]) -> String {
        var lines = ["\(method) /ws \(version)"]
        if let host { lines.append("Host: \(host)") }
        return (lines + fields).joined(separator: "\r\n") + "\r\n\r\n"
    }

    @Test(arguments: [
        MalformedRequest((handshake(method: "POST"), "HTTP/1.1 400")),
        MalformedRequest((handshake(version: "HTTP/1.0"), "HTTP/1.1 400")),
        MalformedRequest((handshake(host: nil), "HTTP/1.1 400")),
        MalformedRequest((handshake(fields: ["Upgrade: websocket", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: \(key)"]), "HTTP/1.1 400")),
        MalformedRequest((handshake(fields: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: short"]), "HTTP/1.1 400")),
        MalformedRequest((handshake(fields: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
                                              "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAAAAAA"]), "HTTP/1.1 400")),
        MalformedRequest((handshake(fields: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: \(key)"]), "HTTP/1.1 426")),
        MalformedRequest((handshake(fields: ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: \(key)"]), "HTTP/1.1 426")),
    ])
    func aBadHandshakeGetsItsStatusAndAClose(_ bad: MalformedRequest) async throws {
        try await TestServer.run { _, client in
            let answer = try await HTTPEdgeTests.exchange(client.port, bad.request)
            #expect(answer.hasPrefix(bad.status), "\(answer.prefix(300))")
            if bad.status.hasSuffix("426") {
                #expect(answer.lowercased().contains("sec-websocket-version: 13"), "\(answer)")
            }
        }
    }

    @Test func aGoodHandshakeWithoutASessionIsStill401() async throws {
        try await TestServer.run { _, client in
            let answer = try await HTTPEdgeTests.exchange(client.port, Self.handshake())
            #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer.prefix(300))")
        }
    }
}
