@testable import ChatClient
@testable import ChatModel
@testable import ChatServer
import Foundation
import Synchronization
import Testing


@Suite("terminal client: pieces")
struct ClientPieceTests {
    @Test func endpointsParse() throws {
        #expect(try ChatEndpoint(parsing: "http://127.0.0.1:8080") == ChatEndpoint(tls: false, host: "127.0.0.1", port: 8080))
        #expect(try ChatEndpoint(parsing: "https://chat.example.com/") == ChatEndpoint(tls: true, host: "chat.example.com", port: 443))
        #expect(try ChatEndpoint(parsing: "localhost:9000") == ChatEndpoint(tls: false, host: "localhost", port: 9000))
        #expect(try ChatEndpoint(parsing: "ws://[::1]:8443/chat") == ChatEndpoint(tls: false, host: "::1", port: 8443, basePath: "/chat"))
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "https://127.0.0.1:8443") }
        let endpoint = try ChatEndpoint(parsing: "wss://example.com:8443/chat/")
        #expect(endpoint.webSocketURL(since: "0123456789abcdef01234567") == "wss://example.com:8443/chat/ws?since=0123456789abcdef01234567")
        #expect(try ChatEndpoint(parsing: "http://example.com").webSocketURL(since: nil) == "ws://example.com/ws")
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "ftp://example.com") }
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "http://example.com:99999") }
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "http://example.com/?x=1") }
        #expect(try ChatEndpoint.fromConfiguration(host: "0.0.0.0", port: "9000") == ChatEndpoint(tls: false, host: "127.0.0.1", port: 9000))
    }

    @Test func messagesFormatAsClockUserText() throws {
        let event = try #require(ChatEvent(json: #"{"type":"message","id":"0123456789abcdef01234567","user":"alice","text":"hi there","time":"2026-11-24T19:00:05.123Z"}"#))
        let line = try #require(EventFormatter(colors: false).line(for: event))
        #expect(line.wholeMatch(of: /\[\d\d:\d\d:05\] \(alice\) hi there/) != nil, "\(line)")
        let join = try #require(ChatEvent(json: #"{"type":"join","user":"bob","time":"2026-11-24T19:00:00.000Z"}"#))
        #expect(EventFormatter(colors: false).line(for: join)?.hasSuffix("] bob joined") == true)
        let dimmed = try #require(EventFormatter(colors: true).line(for: join))
        #expect(dimmed.hasPrefix("\u{1B}[2m") && dimmed.hasSuffix("\u{1B}[0m"))
        #expect(ChatEvent(json: "not json") == nil)
        #expect(ChatEvent(json: #"{"type":"reaction","emoji":"+1"}"#) == nil, "a newer server's event is skipped")
    }

    @Test func coloursOnlyOnATerminalWithoutNoColor() {
        #expect(EventFormatter.wantsColors(isTerminal: true, environment: ["TERM": "xterm"]))
        #expect(!EventFormatter.wantsColors(isTerminal: false, environment: ["TERM": "xterm"]))
        #expect(!EventFormatter.wantsColors(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
    }

    @Test func controlCharactersCannotReachTheTerminal() throws {
        let sanitized = EventFormatter.sanitize("a\u{1B}[2Jb\r\nc\u{9B}d\u{202E}e")
        #expect(!sanitized.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) || $0 == "\u{202E}" })
        #expect(sanitized.hasPrefix("a\u{241B}[2Jb"))
    }

    @Test func historyMessagesReencodeExactlyAsTheServerSendsThem() throws {
        let message = ChatMessage(id: ObjectIdGenerator().next(), user: "al<ice>", text: "line\n\"quoted\" & more", time: Date())
        let json = #"{"messages":["# + ChatEvent.message(message).json + #"],"hasMore":false}"#
        let page = try #require(MessagePage(json: Array(json.utf8)))
        #expect(page.messages == [message])
        #expect(page.json == json)
    }

    @Test func backoffGrowsToItsCap() {
        let backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(10))
        #expect(backoff.delay(attempt: 1, jitter: 1) == .milliseconds(250))
        #expect(backoff.delay(attempt: 3, jitter: 1) == .milliseconds(1000))
        #expect(backoff.delay(attempt: 50, jitter: 1) == .seconds(10))
        #expect(backoff.delay(attempt: 3, jitter: 0.5) == .milliseconds(500))
    }

    @Test func seenIDsForgetTheOldestBeyondCapacity() {
        var seen = SeenIDs(capacity: 2)
        let results = ["a", "a", "b", "c", "a", "c"].map { seen.insert($0) }
        #expect(results == [true, false, true, true, true, false])
    }

    @Test func theBareWordCloseIsNotSent() {
        #expect(ChatConnection.problem(sending: "close") != nil)
        #expect(ChatConnection.problem(sending: "  ") != nil)
        #expect(ChatConnection.problem(sending: "close the door") == nil)
    }
}

/// Collects what a session reports.
final class SessionLog: Sendable {
    private let updates = Mutex<[ConnectionUpdate]>([])

    func record(_ update: ConnectionUpdate) { updates.withLock { $0.append(update) } }

    var messages: [ChatMessage] {
        updates.withLock { $0 }.compactMap { update in
            if case .event(.message(let message), _) = update { return message }
            return nil
        }
    }

    var connections: Int {
        updates.withLock { $0 }.filter { if case .connected = $0 { true } else { false } }.count
    }

    func wait(_ what: String, within limit: Duration = .seconds(30), until condition: (SessionLog) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw ClientProcess.Failure.timedOut(what, "\(messages.map(\.text))") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

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
