@testable import ChatClient
@testable import ChatModel
@testable import ChatServer
import Foundation
import Synchronization
import Testing

@Suite("terminal client: session against a live server")
struct ChatSessionTests {
    func options(_ client: LiveClient, _ login: String, password: String = "correct horse") -> ChatConnectionOptions {
        ChatConnectionOptions(endpoint: ChatEndpoint(tls: false, host: "127.0.0.1", port: client.port), login: login, password: password)
    }

    @Test func followsAnotherClientsMessagesInOrderAndSendsItsOwn() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let session = ChatConnection(options: options(client, "alice"))
            let log = SessionLog()
            let running = Task { try await session.run(log.record) }
            try await log.wait("connection") { $0.connections == 1 }
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            for index in 0..<10 { socket.send("from bob \(index)") }
            session.send("from alice")
            try await log.wait("11 messages") { $0.messages.count == 11 }
            let fromBob = log.messages.filter { $0.user == "bob" }.map(\.text)
            #expect(fromBob == (0..<10).map { "from bob \($0)" })
            #expect(log.messages.contains { $0.user == "alice" && $0.text == "from alice" })
            session.stop()
            try await running.value
            await socket.close()
        }
    }

    @Test func historyComesFirstThenLiveWithoutDuplicates() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            for index in 0..<5 { socket.send("old \(index)") }
            for _ in 0..<5 { _ = try await socket.next("message") }
            var options = options(client, "alice")
            options.history = 3
            let session = ChatConnection(options: options)
            let log = SessionLog()
            let running = Task { try await session.run(log.record) }
            try await log.wait("connection") { $0.connections == 1 }
            socket.send("new")
            try await log.wait("4 messages") { $0.messages.count == 4 }
            #expect(log.messages.map(\.text) == ["old 2", "old 3", "old 4", "new"])
            session.stop()
            try await running.value
            await socket.close()
        }
    }

    @Test func sinceReplaysOnlyWhatCameAfterAndHistoryPagesPast200() async throws {
        var config = TestServer.config()
        config.rateLimitPerSecond = 100_000
        config.rateLimitBurst = 100_000
        try await TestServer.run(config) { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            for index in 0..<250 { socket.send("m\(index)") }
            var ids: [String] = []
            while ids.count < 250 { if let id = try await socket.next("message").id { ids.append(id) } }

            var options = options(client, "alice")
            options.since = ids[246]
            let replaying = ChatConnection(options: options)
            let replayed = SessionLog()
            let first = Task { try await replaying.run(replayed.record) }
            try await replayed.wait("replay") { $0.messages.count == 3 }
            #expect(replayed.messages.map(\.text) == ["m247", "m248", "m249"])
            replaying.stop()
            try await first.value

            options = self.options(client, "alice")
            options.history = 230
            let paging = ChatConnection(options: options)
            let paged = SessionLog()
            let second = Task { try await paging.run(paged.record) }
            try await paged.wait("history") { $0.connections == 1 }
            #expect(paged.messages.map(\.text) == (20..<250).map { "m\($0)" })
            paging.stop()
            try await second.value
            await socket.close()
        }
    }

    @Test func aSilentlyDeadConnectionIsNoticedByKeepaliveAndResumed() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let relay = try await TLSProxy(plainBackendPort: client.port)
            defer { relay.close() }
            var options = ChatConnectionOptions(endpoint: ChatEndpoint(tls: false, host: "127.0.0.1", port: relay.port),
                                             login: "alice", password: "correct horse")
            options.keepalive = .milliseconds(300)
            let session = ChatConnection(options: options)
            let log = SessionLog()
            let running = Task { try await session.run(log.record) }
            try await log.wait("connection") { $0.connections == 1 }
            relay.freezeExisting()
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            socket.send("sent into the void")
            try await log.wait("reconnect and replay") { $0.connections == 2 && $0.messages.count == 1 }
            #expect(log.messages.map(\.text) == ["sent into the void"])
            session.stop()
            try await running.value
            await socket.close()
        }
    }

    @Test func wrongPasswordIsFinal() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let session = ChatConnection(options: options(client, "alice", password: "wrong one"))
            await #expect(throws: ChatClientError.wrongCredentials(login: "alice", url: "http://127.0.0.1:\(client.port)")) {
                try await session.run { _ in }
            }
        }
    }

    @Test func aURLThatIsNotTheChatIsReported() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            var options = options(client, "alice")
            options.endpoint.basePath = "/static"
            let session = ChatConnection(options: options)
            do {
                try await session.run { _ in }
                Issue.record("connected to a non-chat URL")
            } catch let error as ChatClientError {
                guard case .notAChatServer = error else { Issue.record("\(error)"); return }
            }
        }
    }

    @Test func anUnreachableServerIsReportedNotRetried() async throws {
        let port = try FreePort.find()
        let session = ChatConnection(options: ChatConnectionOptions(
            endpoint: ChatEndpoint(tls: false, host: "127.0.0.1", port: port), login: "alice", password: "x"))
        do {
            try await session.run { _ in }
            Issue.record("connected to nothing")
        } catch let error as ChatClientError {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("connection refused"))
        }
    }

    @Test func scriptedSenderWaitsForEachAcknowledgement() async throws {
        var config = TestServer.config()
        config.rateLimitPerSecond = 50
        config.rateLimitBurst = 2
        config.maxMessageBytes = 64
        try await TestServer.run(config) { _, client in
            let cookie = try await client.signUp("bot")
            let session = ChatConnection(options: options(client, "bot"))
            let sender = ScriptedSender(session: session, login: "bot", retryDelay: .milliseconds(50))
            let running = Task { try await session.run(sender.observe) }
            for index in 0..<10 {
                #expect(await sender.send("line \(index)") == .stored)
            }
            #expect(await sender.send(String(repeating: "x", count: 100)) == .rejected("too long: at most 64 bytes", code: .tooLong))
            session.stop()
            try await running.value
            let page = try await client.request("/api/messages?limit=20", cookie: cookie)
            let stored = try #require(MessagePage(json: page.body.readableBytesView))
            #expect(stored.messages.reversed().map(\.text) == (0..<10).map { "line \($0)" })
        }
    }
}
