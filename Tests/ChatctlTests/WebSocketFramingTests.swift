@testable import ChatModel
@testable import ChatAuth
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import NIOWebSocket
import Testing


/// The protocol details a client library hides: control frames, fragments, keepalive, refusals.
@Suite("WebSocket framing and keepalive")
struct WebSocketFramingTests {
    @Test func aPingFromTheClientGetsAPongWithItsPayload() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let socket = try await RawWebSocket.connect(port: client.port, cookie: cookie)
            defer { socket.close() }
            let presence = try await socket.readFrame()
            #expect(presence.opcode == 0x1)
            try await socket.sendFrame(opcode: 0x9, payload: Array("are you there".utf8))
            let pong = try await socket.readFrame()
            #expect(pong.opcode == 0xA)
            #expect(pong.payload == Array("are you there".utf8))
        }
    }

    @Test func aFragmentedTextMessageIsReassembled() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let (reader, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let socket = try await RawWebSocket.connect(port: client.port, cookie: cookie)
            defer { socket.close() }
            _ = try await socket.readFrame()
            try await socket.sendFrame(opcode: 0x1, fin: false, payload: Array("hel".utf8))
            // A control frame may come between fragments.
            try await socket.sendFrame(opcode: 0x9, payload: [])
            try await socket.sendFrame(opcode: 0x0, fin: false, payload: Array("lo wo".utf8))
            try await socket.sendFrame(opcode: 0x0, fin: true, payload: Array("rld".utf8))
            #expect(try await reader.next("message").text == "hello world")
            await reader.close()
        }
    }

    @Test func aClientThatStopsAnsweringPingsIsClosed() async throws {
        // Long enough that a busy test machine (a benchmark alongside) still answers pings in time; two silent
        // intervals close a socket.
        let config = TestServer.config { $0.pingInterval = .seconds(2) }
        try await TestServer.run(config) { server, client in
            let cookie = try await client.signUp("alice")
            let (live, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let silent = try await RawWebSocket.connectWithoutReading(port: client.port, cookie: cookie)
            defer { silent.close() }
            // The 101 can reach the client just before the server has registered the connection.
            let deadline = ContinuousClock.now + .seconds(30)
            while server.metrics.connectionsTotal.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            while server.hub.connectionCount > 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            // The silent one is gone; the one whose client library answers pings stays.
            #expect(server.metrics.connectionsTotal.load(ordering: .relaxed) == 2)
            #expect(server.hub.connectionCount == 1)
            live.send("still alive")
            #expect(try await live.next("message").text == "still alive")
            await live.close()
        }
    }

    @Test func aClientThatShutsItsSendingSideIsClosedAndLeavesTheRoom() async throws {
        try await TestServer.run { server, client in
            let aliceCookie = try await client.signUp("alice")
            let bobCookie = try await client.signUp("bob")
            let (alice, _) = try await TestSocket.connect(port: client.port, cookie: aliceCookie)
            let bob = try await RawWebSocket.connect(port: client.port, cookie: bobCookie)
            defer { bob.close() }
            _ = try await bob.readFrame()
            #expect(try await alice.next("join").type == "join")
            // A FIN without a close frame: the client's process ended or it half-closed.
            shutdown(bob.descriptor, Int32(SHUT_WR))
            #expect(try await alice.next("leave").type == "leave")
            #expect(try await bob.readToEnd().isEmpty)
            #expect(server.hub.connectionCount == 1)
            await alice.close()
        }
    }

    /// RFC 6455 on a real socket: each frame fails the connection with its close code, and the server then ends
    /// the TCP connection itself without answering the client's close (§7.1.7). The frames a client library
    /// would never send are written as bytes.
    @Test(arguments: [
        BadFrame("text with RSV1", WebSocketWire.clientFrame(.text, Array("hi".utf8), rsv: 0x40), 1002),
        BadFrame("text with RSV2", WebSocketWire.clientFrame(.text, Array("hi".utf8), rsv: 0x20), 1002),
        BadFrame("ping with RSV3", WebSocketWire.clientFrame(.ping, [], rsv: 0x10), 1002),
        BadFrame("unmasked text", WebSocketWire.clientFrame(.text, Array("hi".utf8), masked: false), 1002),
        BadFrame("unmasked ping", WebSocketWire.clientFrame(.ping, [], masked: false), 1002),
        BadFrame("unmasked close", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1000), masked: false), 1002),
        BadFrame("reserved data opcode 0x3", WebSocketWire.clientFrame(rawOpcode: 0x3, Array("?".utf8)), 1002),
        BadFrame("reserved control opcode 0xB", WebSocketWire.clientFrame(rawOpcode: 0xB, []), 1002),
        BadFrame("ping of 126 bytes", WebSocketWire.clientFrame(.ping, Array(repeating: 0x61, count: 126)), 1002),
        BadFrame("fragmented ping", WebSocketWire.clientFrame(.ping, Array("a".utf8), fin: false), 1002),
        BadFrame("close of 126 bytes", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1000, Array(repeating: 0x61, count: 124))), 1002),
        BadFrame("close of one byte", WebSocketWire.clientFrame(.connectionClose, [0x03]), 1002),
        BadFrame("close code 999", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(999)), 1002),
        BadFrame("close code 1004", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1004)), 1002),
        BadFrame("close code 1005", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1005)), 1002),
        BadFrame("close code 1006", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1006)), 1002),
        BadFrame("close code 1015", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1015)), 1002),
        BadFrame("close code 2000", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(2000)), 1002),
        BadFrame("close code 5000", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(5000)), 1002),
        BadFrame("close reason not UTF-8", WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(1000, [0x62, 0xFF])), 1007),
    ])
    func aFrameThatBreaksRFC6455FailsTheConnection(_ bad: BadFrame) async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let socket = try await RawWebSocket.connect(port: client.port, cookie: cookie)
            defer { socket.close() }
            #expect(try await socket.readFrame().opcode == 0x1, "presence")
            try await socket.send(frame: bad.bytes)
            let close = try await socket.readFrame()
            #expect(close.opcode == 0x8)
            #expect(close.payload.count >= 2 && UInt16(close.payload[0]) << 8 | UInt16(close.payload[1]) == bad.code,
                    "close payload \(close.payload)")
            // The client's answer is not answered: the server has shut its side, and nothing more comes.
            try? await socket.send(frame: WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(bad.code)))
            #expect(try await socket.readToEnd().isEmpty)
            let deadline = ContinuousClock.now + .seconds(10)
            while server.hub.connectionCount > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.hub.connectionCount == 0)
        }
    }

    @Test(arguments: [UInt16(1000), 1001, 1003, 1011, 1014, 3000, 4000, 4999])
    func aCloseWithACodeAllowedOnTheWireIsEchoedAndTheServerCloses(_ code: UInt16) async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let socket = try await RawWebSocket.connect(port: client.port, cookie: cookie)
            defer { socket.close() }
            _ = try await socket.readFrame()
            try await socket.send(frame: WebSocketWire.clientFrame(.connectionClose, WebSocketWire.closePayload(code, Array("à bientôt".utf8))))
            let echo = try await socket.readFrame()
            #expect(echo.opcode == 0x8)
            #expect(echo.payload == [UInt8(code >> 8), UInt8(code & 0xFF)])
            #expect(try await socket.readToEnd().isEmpty, "the server closes the TCP connection first")
        }
    }

    @Test func refusedUpgradesSayWhyWithTheirOwnStatus() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            var upgrade = RawHTTP.upgradeHeaders
            let anonymous = try await RawHTTP.getWhole(port: client.port, path: "/ws", headers: upgrade)
            #expect(anonymous.hasPrefix("HTTP/1.1 401"))
            #expect(anonymous.contains(#"{"error":"log in first"}"#))
            upgrade[.cookie] = "\(SessionCookie.name)=\(cookie)"
            #expect(try await RawHTTP.getWhole(port: client.port, path: "/elsewhere", headers: upgrade).hasPrefix("HTTP/1.1 404"))
            #expect(try await RawHTTP.getWhole(port: client.port, path: "/ws?since=xyz", headers: upgrade).hasPrefix("HTTP/1.1 400"))
            var crossSite = upgrade
            crossSite[.origin] = "https://evil.example"
            let refused = try await RawHTTP.getWhole(port: client.port, path: "/ws", headers: crossSite)
            #expect(refused.hasPrefix("HTTP/1.1 403"))
            #expect(refused.lowercased().contains("content-type: application/json"))
            // The HTTP side still works after refusals.
            #expect(try await client.request("/", cookie: cookie).status == .ok)
        }
    }
}

