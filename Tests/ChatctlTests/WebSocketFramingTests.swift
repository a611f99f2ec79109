@testable import ChatModel
@testable import ChatAuth
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix
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
