@testable import ChatModel
@testable import ChatServer
import Foundation
import NIOPosix
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

    /// The fields of a good handshake with a session: each case below breaks one rule, so that only that rule
    /// can be why it is refused (NIO's upgrader alone would switch protocols for most of them).
    static func fields(_ cookie: String, replacing name: String? = nil, with replacement: [String] = []) -> [String] {
        let good = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: \(key)",
                    "Cookie: \(SessionCookie.name)=\(cookie)"]
        guard let name else { return good }
        return good.filter { !$0.lowercased().hasPrefix(name.lowercased() + ":") } + replacement
    }

    /// A bad handshake, from a user with a session.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: @Sendable (String) -> String
        let status: Int

        var testDescription: String { "\(name) → \(status)" }
    }

    static let badWithASession: [Case] = [
        Case(name: "POST", request: { handshake(method: "POST", fields: fields($0)) }, status: 400),
        Case(name: "POST with a body", request: {
            handshake(method: "POST", fields: fields($0) + ["Content-Length: 5"]) + "hello"
        }, status: 400),
        Case(name: "GET with a body", request: { handshake(fields: fields($0) + ["Content-Length: 3"]) + "abc" }, status: 400),
        Case(name: "GET with a chunked body", request: {
            handshake(fields: fields($0) + ["Transfer-Encoding: chunked"]) + "3\r\nabc\r\n0\r\n\r\n"
        }, status: 400),
        Case(name: "HTTP/1.0", request: { handshake(version: "HTTP/1.0", fields: fields($0)) }, status: 400),
        Case(name: "no Host", request: { handshake(host: nil, fields: fields($0)) }, status: 400),
        Case(name: "two Hosts", request: { handshake(fields: fields($0) + ["Host: y"]) }, status: 400),
        Case(name: "no Upgrade", request: { handshake(fields: fields($0, replacing: "Upgrade")) }, status: 400),
        Case(name: "Upgrade: h2c", request: { handshake(fields: fields($0, replacing: "Upgrade", with: ["Upgrade: h2c"])) }, status: 400),
        Case(name: "no Connection", request: { handshake(fields: fields($0, replacing: "Connection")) }, status: 400),
        Case(name: "Connection: keep-alive", request: {
            handshake(fields: fields($0, replacing: "Connection", with: ["Connection: keep-alive"]))
        }, status: 400),
        Case(name: "Connection: Upgraded", request: {
            handshake(fields: fields($0, replacing: "Connection", with: ["Connection: Upgraded"]))
        }, status: 400),
        Case(name: "no key", request: { handshake(fields: fields($0, replacing: "Sec-WebSocket-Key")) }, status: 400),
        Case(name: "two keys", request: { handshake(fields: fields($0) + ["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="]) }, status: 400),
        Case(name: "a key of 15 bytes", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Key", with: ["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAA"]))
        }, status: 400),
        Case(name: "a key of 17 bytes", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Key", with: ["Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAA="]))
        }, status: 400),
        Case(name: "a key with bits after its 16 bytes", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Key", with: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR=="]))
        }, status: 400),
        Case(name: "a key that is not base64", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Key", with: ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j*Q=="]))
        }, status: 400),
        Case(name: "no version", request: { handshake(fields: fields($0, replacing: "Sec-WebSocket-Version")) }, status: 426),
        Case(name: "version 8", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Version", with: ["Sec-WebSocket-Version: 8"]))
        }, status: 426),
        Case(name: "version 13, 8", request: {
            handshake(fields: fields($0, replacing: "Sec-WebSocket-Version", with: ["Sec-WebSocket-Version: 13, 8"]))
        }, status: 426),
        Case(name: "two version fields", request: { handshake(fields: fields($0) + ["Sec-WebSocket-Version: 13"]) }, status: 426),
    ]

    /// The whole answer to a refused handshake: its status, a JSON reason, `Connection: close`, and then the
    /// server closes (an answer that never comes ends the read after the socket's 15 s timeout, empty).
    static func expectRefusal(_ answer: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.hasPrefix("HTTP/1.1 \(status) "), "\(answer.prefix(300))", sourceLocation: sourceLocation)
        let parts = answer.components(separatedBy: "\r\n\r\n")
        let head = parts[0].lowercased().split(separator: "\r\n").map(String.init)
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        #expect(head.contains("content-type: application/json; charset=utf-8"), "\(head)", sourceLocation: sourceLocation)
        #expect(head.contains { $0.hasPrefix("connection:") && $0.dropFirst(11).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains("close") },
                "\(head)", sourceLocation: sourceLocation)
        #expect(head.contains("content-length: \(body.utf8.count)"), "the whole body, then the close", sourceLocation: sourceLocation)
        #expect(body.hasPrefix(#"{"error":""#) && body.hasSuffix("}"), "\(body)", sourceLocation: sourceLocation)
        if status == 426 {
            #expect(head.contains("sec-websocket-version: 13"), "\(head)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: badWithASession)
    func aBadHandshakeFromAUserWithASessionIsRefusedNotUpgraded(_ bad: Case) async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let answer = try await HTTPEdgeTests.exchange(client.port, bad.request(cookie))
            Self.expectRefusal(answer, bad.status)
            #expect(server.hub.connectionCount == 0)
            // The HTTP side is unharmed.
            #expect(try await client.request("/health").status == .ok)
        }
    }

    /// The answer's head, for a connection the server keeps open (an upgrade).
    static func head(_ port: Int, _ request: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            try socket.send(Array(request.utf8))
            return String(decoding: try socket.receive(upTo: 4096), as: UTF8.self)
        }
    }

    @Test(arguments: [
        ["Connection: keep-alive, UPGRADE"],
        ["Connection: keep-alive", "Connection: upgrade"],
        ["Connection:Upgrade ,keep-alive"],
    ], [["Upgrade: websocket"], ["Upgrade: WebSocket"], ["Upgrade: h2c, websocket"]])
    func connectionAndUpgradeAreCaseInsensitiveTokenLists(_ connection: [String], _ upgrade: [String]) async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let fields = Self.fields(cookie).filter { !$0.hasPrefix("Connection:") && !$0.hasPrefix("Upgrade:") } + connection + upgrade
            let answer = try await Self.head(client.port, Self.handshake(fields: fields))
            #expect(answer.hasPrefix("HTTP/1.1 101"), "\(answer.prefix(300))")
            #expect(answer.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "RFC 6455's sample answer")
        }
    }

    @Test func aLaterRequestOnAKeptAliveConnectionIsHeldToTheSameRules() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
            // NIO's upgrader sees only a connection's first request; the HTTP side answers the later ones.
            let badVersion = Self.handshake(fields: Self.fields(cookie, replacing: "Sec-WebSocket-Version", with: ["Sec-WebSocket-Version: 7"]))
            var answer = try await HTTPEdgeTests.exchange(client.port, health + badVersion)
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            var second = answer.range(of: "HTTP/1.1 426").map { String(answer[$0.lowerBound...]) } ?? ""
            Self.expectRefusal(second, 426)

            answer = try await HTTPEdgeTests.exchange(client.port, health + "GET /ws HTTP/1.1\r\nHost: x\r\nCookie: \(SessionCookie.name)=\(cookie)\r\n\r\n")
            second = answer.range(of: "HTTP/1.1 400").map { String(answer[$0.lowerBound...]) } ?? ""
            Self.expectRefusal(second, 400)

            // A good one is sent to a fresh connection, as before.
            answer = try await HTTPEdgeTests.exchange(client.port, health + Self.handshake(fields: Self.fields(cookie)))
            #expect(answer.contains("HTTP/1.1 307"), "\(answer)")
            #expect(answer.lowercased().contains("location: /ws"))
        }
    }

    @Test func aGoodHandshakeWithoutASessionIsStill401() async throws {
        try await TestServer.run { _, client in
            let answer = try await HTTPEdgeTests.exchange(client.port, Self.handshake())
            #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer.prefix(300))")
        }
    }
}
