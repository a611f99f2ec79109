@testable import ChatAuth
@testable import ChatModel
@testable import ChatServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing


@Suite("WebSocket chat")
struct WebSocketTests {
    @Test func upgradeNeedsASessionAndASameOrigin() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let upgrade = RawHTTP.upgradeHeaders
            let anonymous = try await RawHTTP.get(port: client.port, path: "/ws", headers: upgrade)
            #expect(anonymous.hasPrefix("HTTP/1.1 401"))
            var crossSite = upgrade
            crossSite[.cookie] = "\(SessionCookie.name)=\(cookie)"
            crossSite[.origin] = "http://evil.example"
            #expect(try await RawHTTP.get(port: client.port, path: "/ws", headers: crossSite).hasPrefix("HTTP/1.1 403"))
            var badSince = upgrade
            badSince[.cookie] = "\(SessionCookie.name)=\(cookie)"
            #expect(try await RawHTTP.get(port: client.port, path: "/ws?since=nothex", headers: badSince).hasPrefix("HTTP/1.1 400"))
            var sameOrigin = badSince
            sameOrigin[.origin] = "http://127.0.0.1:\(client.port)"
            #expect(try await RawHTTP.get(port: client.port, path: "/ws", headers: sameOrigin).hasPrefix("HTTP/1.1 101"))
        }
    }

    @Test func everyoneSeesEveryMessageInTheSameOrder() async throws {
        try await TestServer.run { _, client in
            let logins = ["ann", "ben", "cat"]
            var sockets: [TestSocket] = []
            for login in logins {
                let cookie = try await client.signUp(login)
                let (socket, presence) = try await TestSocket.connect(port: client.port, cookie: cookie)
                #expect(presence.type == "presence")
                #expect(presence.users?.contains(login) == true)
                sockets.append(socket)
            }
            for round in 0..<20 {
                for (index, socket) in sockets.enumerated() { socket.send("\(logins[index]) says \(round)") }
            }
            var orders: [[String]] = []
            for socket in sockets {
                var seen: [String] = []
                while seen.count < 60 {
                    let event = try await socket.next("message")
                    #expect(event.id.flatMap(ObjectId.init(hex:)) != nil)
                    #expect(event.time?.hasSuffix("Z") == true)
                    #expect(event.text?.hasPrefix("\(event.user ?? "?") says") == true)
                    seen.append(event.text ?? "")
                }
                orders.append(seen)
            }
            #expect(orders[0] == orders[1])
            #expect(orders[1] == orders[2])
            #expect(Set(orders[0]).count == 60)
            for socket in sockets { await socket.close() }
        }
    }

    @Test func joinLeaveAndPresence() async throws {
        try await TestServer.run { _, client in
            let aliceCookie = try await client.signUp("alice")
            let bobCookie = try await client.signUp("bob")
            let (alice, first) = try await TestSocket.connect(port: client.port, cookie: aliceCookie)
            #expect(first == .presence(users: ["alice"]))
            let (bob, bobPresence) = try await TestSocket.connect(port: client.port, cookie: bobCookie)
            #expect(bobPresence.users == ["alice", "bob"])
            let join = try await alice.next()
            #expect(join.type == "join")
            #expect(join.user == "bob")
            // A second tab of the same user is not a new join.
            let (bobAgain, _) = try await TestSocket.connect(port: client.port, cookie: bobCookie)
            await bobAgain.close()
            await bob.close()
            let leave = try await alice.next("leave")
            #expect(leave.user == "bob")
            await alice.close()
        }
    }

    @Test func theTextCloseClosesTheSocket() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.send("close")
            let frame = try await socket.waitForClose()
            #expect(frame?.closeCode == .normalClosure)
        }
    }

    @Test func replayAfterSinceHasNoGapAndNoDuplicate() async throws {
        try await TestServer.run(TestServer.config { $0.rateLimitPerSecond = 100_000; $0.rateLimitBurst = 100_000 }) { server, client in
            let cookie = try await client.signUp("alice")
            let (writer, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            for index in 0..<1200 { writer.send("m\(index)") }
            var ids: [String] = []
            while ids.count < 1200 { ids.append(try #require(try await writer.next("message").id)) }
            let since = ids[99]
            // Keep sending while the reconnecting client replays: those must appear exactly once, after it.
            let (reader, _) = try await TestSocket.connect(port: client.port, cookie: cookie, query: "?since=\(since)")
            for index in 1200..<1300 { writer.send("m\(index)") }
            var texts: [String] = []
            while texts.count < 1200 { texts.append(try await reader.next("message").text ?? "") }
            #expect(texts == (100..<1300).map { "m\($0)" })
            reader.send("last")
            #expect(try await reader.next("message").text == "last")
            #expect(try await server.store.countMessages(matching: .init()) == 1301)
            await reader.close()
            await writer.close()
        }
    }

    @Test func replayFromAnUnknownIdSaysSoAndGoesLive() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie,
                                                           query: "?since=\(ObjectIdGenerator().next().hex)")
            #expect(try await socket.next().code == .unknownSince)
            socket.send("hello")
            #expect(try await socket.next("message").text == "hello")
            await socket.close()
        }
    }

    @Test func badFramesGetAnErrorAndLoseNothing() async throws {
        try await TestServer.run(TestServer.config { $0.maxMessageBytes = 100 }) { server, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.send(String(repeating: "x", count: 101))
            #expect(try await socket.next().code == .tooLong)
            socket.send(String(repeating: "é", count: 51))  // 102 bytes, 51 characters
            #expect(try await socket.next().code == .tooLong)
            socket.send("   \n\t ")
            #expect(try await socket.next().error == "empty message")
            socket.sendBinary([1, 2, 3])
            #expect(try await socket.next().code == .binaryFrame)
            socket.send(String(repeating: "y", count: 100))
            #expect(try await socket.next("message").text?.count == 100)
            let hostile = "<img src=x onerror=alert(1)>\u{2028}\"\\"
            socket.send(hostile)
            #expect(try await socket.next("message").text == hostile)
            #expect(try await server.store.countMessages(matching: .init()) == 2)
            let page = try await client.request("/", cookie: cookie)
            #expect(!page.text.contains("<img src=x"))
            #expect(page.text.contains("&lt;img src=x onerror=alert(1)&gt;"))
            await socket.close()
        }
    }

    @Test func invalidUTF8ClosesWith1007() async throws {
        try await TestServer.run { _, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.sendRawText([0x68, 0x69, 0xff, 0xfe])
            let frame = try await socket.waitForClose()
            #expect(frame?.closeCode == .dataInconsistentWithMessage)
        }
    }

    @Test func hugeFramesCloseWith1009() async throws {
        try await TestServer.run(TestServer.config { $0.maxMessageBytes = 100 }) { _, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.send(String(repeating: "z", count: 200_000))
            let frame = try await socket.waitForClose()
            #expect(frame?.closeCode == .messageTooLarge)
        }
    }

    @Test func floodsAreRateLimited() async throws {
        try await TestServer.run(TestServer.config { $0.rateLimitPerSecond = 1; $0.rateLimitBurst = 3 }) { server, client in
            let cookie = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            for index in 0..<10 { socket.send("flood \(index)") }
            var stored = 0
            var refused = 0
            while stored + refused < 10 {
                let event = try await socket.next()
                if event.type == "message" { stored += 1 }
                if event.type == "error" {
                    #expect(event.code == .rateLimited)
                    refused += 1
                }
            }
            #expect(refused >= 6)
            #expect(try await server.store.countMessages(matching: .init()) == stored)
            await socket.close()
        }
    }

    @Test func aClientThatNeverReadsIsDroppedAndOthersKeepReceiving() async throws {
        let config = TestServer.config { $0.outboundBufferBytes = 64 * 1024; $0.rateLimitPerSecond = 100_000; $0.rateLimitBurst = 100_000 }
        try await TestServer.run(config) { server, client in
            let cookie = try await client.signUp("alice")
            let stalled = try await RawWebSocket.connectWithoutReading(port: client.port, cookie: cookie)
            let (reader, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (sender, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let text = String(repeating: "w", count: 3000)
            var received = 0
            var round = 0
            // Push until the stalled socket is cut off; the kernel buffers a few MB first.
            while server.metrics.slowDisconnects.load(ordering: .relaxed) == 0 && round < 40 {
                for _ in 0..<100 { sender.send(text) }
                for _ in 0..<100 { _ = try await reader.next("message"); received += 1 }
                round += 1
            }
            #expect(server.metrics.slowDisconnects.load(ordering: .relaxed) == 1)
            sender.send("still here")
            while try await reader.next("message").text != "still here" {}
            #expect(received == round * 100)
            stalled.close()
            await reader.close()
            await sender.close()
        }
    }

    @Test func historyPagesThroughTheAPI() async throws {
        try await TestServer.run { server, client in
            let cookie = try await client.signUp("alice")
            let ids = ObjectIdGenerator()
            let base = Date(timeIntervalSince1970: 1_700_000_000)
            let messages = (0..<250).map { ChatMessage(id: ids.next(), user: "alice", text: "old \($0)", time: base.addingTimeInterval(Double($0))) }
            try await server.store.appendMessages(messages)
            let first = try await client.request("/api/messages?limit=100", cookie: cookie)
            #expect(first.status == .ok)
            let page1 = try #require(MessagePage(json: Array(first.text.utf8)))
            #expect(page1.messages.map(\.text) == (150..<250).reversed().map { "old \($0)" })
            #expect(page1.hasMore)
            let cursor = try #require(page1.messages.last?.id.hex)
            let second = try await client.request("/api/messages?limit=1000&before=\(cursor)", cookie: cookie)
            let page2 = try #require(MessagePage(json: Array(second.text.utf8)))
            #expect(page2.messages.count == 150)
            #expect(page2.messages.first?.text == "old 149")
            #expect(!page2.hasMore)
            #expect(try await client.request("/api/messages?limit=0", cookie: cookie).status == .badRequest)
            #expect(try await client.request("/api/messages?limit=abc", cookie: cookie).status == .badRequest)
            #expect(try await client.request("/api/messages?before=xyz", cookie: cookie).status == .badRequest)
            #expect(try await client.request("/api/messages?before=\(ids.next().hex)", cookie: cookie).status == .notFound)
            // The page shows only the latest page of history, never all of it.
            let html = try await client.request("/", cookie: cookie).text
            #expect(html.contains("old 249"))
            #expect(html.contains("old 150"))
            #expect(!html.contains("old 149<"))
            #expect(html.contains(#"id="older""#))
        }
    }

}
