@testable import ChatAdmin
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing

/// `chatctl tail` and `chatctl chat` as a user runs them: the built binary in a child process.
@Suite("chatctl tail and chat processes")
struct TerminalClientTests {
    static let password = "correct horse"

    static func url(_ port: Int) -> String { "http://127.0.0.1:\(port)" }

    static func tail(_ port: Int, user: String = "alice", _ extra: [String] = [], environment: [String: String] = [:]) throws -> ClientProcess {
        var environment = environment
        if environment["CHATCTL_PASSWORD"] == nil { environment["CHATCTL_PASSWORD"] = password }
        return try ClientProcess(["tail", "--url", url(port), "--user", user] + extra, environment: environment)
    }

    static func messageLines(_ process: ClientProcess, from user: String) -> [String] {
        process.stdout.lines.filter { $0.contains("(\(user)) ") }.map { String($0.split(separator: ") ", maxSplits: 1)[1]) }
    }

    @Test func tailPrintsAnotherClientsMessagesInOrderAndExits0OnSigint() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let tail = try Self.tail(client.port)
            try await tail.waitForOutput("presence") { $0.contains("online: ") }
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            for index in 0..<20 { socket.send("message \(index)") }
            try await tail.waitForOutput("20 messages") { _ in Self.messageLines(tail, from: "bob").count >= 20 }
            #expect(Self.messageLines(tail, from: "bob") == (0..<20).map { "message \($0)" })
            let first = try #require(tail.stdout.lines.first { $0.contains("(bob) message 0") })
            #expect(first.wholeMatch(of: /\[\d\d:\d\d:\d\d\] \(bob\) message 0/) != nil, "\(first)")
            #expect(!tail.stdout.text.contains("\u{1B}"), "no colours into a pipe")
            tail.signal(SIGINT)
            #expect(try await tail.waitForExit() == 0, "\(tail.stderr.text)")
            // The socket was closed, not dropped: bob sees alice leave.
            _ = try await socket.next("leave")
            await socket.close()
        }
    }

    /// `tail` holds the password: when its session is ended (4401) it logs in again as a new session; once the
    /// password has changed, that log-in is refused and it exits 1.
    @Test func tailLogsInAgainWhenItsSessionEndsAndStopsWhenThePasswordChanges() async throws {
        try await TestServer.run { server, client in
            try await client.signUp("alice")
            let alice = try #require(try await server.store.user(login: "alice"))
            let tail = try Self.tail(client.port)
            try await tail.waitForOutput("presence") { $0.contains("online: ") }
            let admin = UserAdmin(store: server.store, bcryptCost: 4)
            #expect(try await admin.logout(login: "alice") == 2, "the sign-up's session and tail's")
            let relogged = try await poll(within: .seconds(10)) {
                try await server.store.sessions(userID: alice.id).filter { $0.isActive() }.count == 1
            }
            #expect(relogged, "tail logged in again: \(tail.stderr.text)")
            _ = try await admin.setPassword(login: "alice", password: "another password")
            #expect(try await tail.waitForExit(within: .seconds(15)) == 1)
            #expect(tail.stderr.text.contains("wrong login or password"), "\(tail.stderr.text)")
        }
    }

    @Test func jsonLinesParseAndHistoryComesFirst() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            socket.send("before <1>")
            socket.send("before \"2\"")
            for _ in 0..<2 { _ = try await socket.next("message") }
            let tail = try Self.tail(client.port, ["--json", "--history", "2"])
            try await tail.waitForOutput("presence") { $0.contains(#""type":"presence""#) }
            socket.send("after\nnewline")
            try await tail.waitForOutput("3 messages") { text in text.components(separatedBy: #""type":"message""#).count > 3 }
            tail.signal(SIGINT)
            #expect(try await tail.waitForExit() == 0)
            let events = try tail.stdout.lines.map { line in
                try #require(ChatEvent(json: line))
            }
            #expect(events.filter { $0.type == "message" }.map(\.text) == ["before <1>", "before \"2\"", "after\nnewline"])
            #expect(events.contains { $0.type == "presence" })
            await socket.close()
        }
    }

    @Test func tailResumesAfterARestartWithoutLossOrDuplicates() async throws {
        let directory = TestPaths.temporaryDirectory()
        let environment = ["RATE_LIMIT": "1000", "RATE_BURST": "1000"]
        var serve = try ServeProcess(dataDirectory: directory, extraEnvironment: environment)
        try await serve.waitUntilReadyOrKill()
        let port = serve.port
        _ = try await ServeClient.signUp(port: port, login: "alice")
        var bob = try await ServeClient.signUp(port: port, login: "bob")
        let tail = try Self.tail(port, ["--json"])
        try await tail.waitForOutput("presence") { $0.contains(#""type":"presence""#) }
        var expected: [String] = []

        func send(_ texts: [String], port: Int, cookie: String) async throws {
            let (socket, _) = try await TestSocket.connect(port: port, cookie: cookie)
            for text in texts { socket.send(text) }
            var acknowledged = 0
            while acknowledged < texts.count {
                if try await socket.next("message").user == "bob" { acknowledged += 1 }
            }
            await socket.close()
        }

        let first = (0..<10).map { "first \($0)" }
        try await send(first, port: port, cookie: bob)
        expected += first
        try await tail.waitForOutput("first batch") { $0.contains("first 9") }

        // Down: the tail's server stops; a second instance on the same store takes messages meanwhile.
        serve.signal(SIGTERM)
        #expect(await serve.waitForExit() == 0)
        let standIn = try ServeProcess(dataDirectory: directory, extraEnvironment: environment)
        try await standIn.waitUntilReadyOrKill()
        let whileDown = (0..<10).map { "while down \($0)" }
        try await send(whileDown, port: standIn.port, cookie: bob)
        expected += whileDown
        standIn.signal(SIGTERM)
        #expect(await standIn.waitForExit() == 0)

        // Back on the same port: the tail reconnects with ?since and catches up.
        serve = try ServeProcess(dataDirectory: directory, port: port, extraEnvironment: environment)
        try await serve.waitUntilReadyOrKill()
        bob = try await ServeClient.logIn(port: port, login: "bob")
        let after = (0..<10).map { "after \($0)" }
        try await send(after, port: port, cookie: bob)
        expected += after
        try await tail.waitForOutput("last message") { $0.contains("after 9") }

        tail.signal(SIGINT)
        #expect(try await tail.waitForExit() == 0, "\(tail.stderr.text)")
        let texts = try tail.stdout.lines.map { try #require(ChatEvent(json: $0)) }
            .filter { $0.type == "message" }.compactMap(\.text)
        #expect(texts == expected)
        #expect(tail.stderr.text.contains("reconnect"))
        serve.signal(SIGTERM)
        _ = await serve.waitForExit()
    }

    @Test func noReconnectExits1WhenTheServerGoes() async throws {
        let serve = try ServeProcess(dataDirectory: TestPaths.temporaryDirectory())
        try await serve.waitUntilReadyOrKill()
        _ = try await ServeClient.signUp(port: serve.port, login: "alice")
        let tail = try Self.tail(serve.port, ["--no-reconnect"])
        try await tail.waitForOutput("presence") { $0.contains("online: ") }
        serve.signal(SIGTERM)
        #expect(try await tail.waitForExit() == 1)
        #expect(tail.stderr.lines.count == 1, "\(tail.stderr.text)")
        _ = await serve.waitForExit()
    }

    @Test func wrongPasswordIsOneLineAndExit1() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let tail = try Self.tail(client.port, environment: ["CHATCTL_PASSWORD": "not it"])
            #expect(try await tail.waitForExit() == 1)
            try await tail.stderr.waitForEnd()
            #expect(tail.stderr.lines.count == 1, "\(tail.stderr.text)")
            #expect(tail.stderr.text.contains("wrong login or password"))
            #expect(tail.stdout.text.isEmpty)
        }
    }

    @Test func unreachableServerIsOneLineAndExit1() async throws {
        let port = try FreePort.find()
        let tail = try Self.tail(port)
        #expect(try await tail.waitForExit() == 1)
        try await tail.stderr.waitForEnd()
        #expect(tail.stderr.lines.count == 1, "\(tail.stderr.text)")
        #expect(tail.stderr.text.contains("cannot reach"))
    }

    @Test func aNonChatURLIsOneLineAndExit1() async throws {
        try await TestServer.run { _, client in
            let tail = try ClientProcess(["tail", "--url", "\(Self.url(client.port))/static", "--user", "alice"],
                                         environment: ["CHATCTL_PASSWORD": Self.password])
            #expect(try await tail.waitForExit() == 1)
            try await tail.stderr.waitForEnd()
            #expect(tail.stderr.lines.count == 1, "\(tail.stderr.text)")
            #expect(tail.stderr.text.contains("does not look like a chatctl server"))
        }
    }

    @Test func pipedChatSendsEachLineAfterThePasswordLineAndExits0() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("bot")
            let alice = try await client.signUp("alice")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: alice)
            let lines = (0..<5).map { "scripted \($0)" }
            let chat = try ClientProcess(["chat", "--url", Self.url(client.port), "--user", "bot", "--password-stdin"],
                                         stdin: ([Self.password] + lines).joined(separator: "\n") + "\n")
            #expect(try await chat.waitForExit() == 0, "\(chat.stderr.text)")
            var received: [String] = []
            while received.count < lines.count {
                let event = try await socket.next("message")
                if event.user == "bot", let text = event.text { received.append(text) }
            }
            #expect(received == lines)
            await socket.close()
        }
    }

    @Test func pipedChatReportsARefusedLineAndExits1() async throws {
        var config = TestServer.config()
        config.maxMessageBytes = 32
        try await TestServer.run(config) { _, client in
            try await client.signUp("bot")
            let chat = try ClientProcess(["chat", "--url", Self.url(client.port), "--user", "bot"],
                                         environment: ["CHATCTL_PASSWORD": Self.password],
                                         stdin: "fine\n\(String(repeating: "x", count: 40))\nalso fine\n")
            #expect(try await chat.waitForExit() == 1)
            #expect(chat.stderr.text.contains("line 2 not sent: too long"), "\(chat.stderr.text)")
        }
    }

    @Test func interactiveChatOnATerminalSendsTypedLinesAndShowsIncomingOnes() async throws {
        var config = TestServer.config()
        config.maxMessageBytes = 32
        try await TestServer.run(config) { _, client in
            try await client.signUp("alice")
            let bob = try await client.signUp("bob")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: bob)
            let chat = try TerminalProcess(["chat", "--url", Self.url(client.port), "--user", "alice"],
                                           environment: ["CHATCTL_PASSWORD": Self.password, "NO_COLOR": "1"])
            try await chat.wait(for: "alice> ")
            chat.type("hello from a terminal\r")
            var event = try await socket.next("message")
            #expect(event.user == "alice" && event.text == "hello from a terminal")
            try await chat.wait(for: "(alice) hello from a terminal")

            // A half-typed line survives a message arriving above it.
            chat.type("draft")
            try await chat.wait(for: "alice> draft")
            socket.send("hi alice")
            try await chat.wait(for: "(bob) hi alice")
            try await chat.screen.wait(for: "redrawn draft") { _ in
                (chat.plainText.components(separatedBy: "(bob) hi alice").last ?? "").contains("alice> draft")
            }
            chat.type(" done\r")
            repeat { event = try await socket.next("message") } while event.user != "alice"
            #expect(event.text == "draft done")

            // Server errors are shown, not fatal.
            chat.type(String(repeating: "x", count: 40) + "\r")
            try await chat.wait(for: "error: too long")
            chat.type("still here\r")
            repeat { event = try await socket.next("message") } while event.user != "alice"
            #expect(event.text == "still here")

            // Up recalls the line sent last (readline's history).
            chat.type("\u{1B}[A")
            try await chat.screen.wait(for: "recalled line") { _ in
                (chat.plainText.components(separatedBy: "(alice) still here").last ?? "").contains("alice> still here")
            }
            chat.type(" again\r")
            repeat { event = try await socket.next("message") } while event.user != "alice"
            #expect(event.text == "still here again")
            chat.type("/quit\r")
            #expect(try await chat.waitForExit() == 0, "\(chat.plainText)")
            _ = try await socket.next("leave")
            await socket.close()
        }
    }
}

extension TerminalClientTests {
    @Test func onATerminalThePasswordIsAskedForWithoutEcho() async throws {
        try await TestServer.run { _, client in
            try await client.signUp("alice")
            let chat = try TerminalProcess(["chat", "--url", Self.url(client.port), "--user", "alice"], environment: ["NO_COLOR": "1"])
            try await chat.wait(for: "Password for alice")
            chat.type("correct horse\r")
            try await chat.wait(for: "alice> ")
            #expect(!chat.plainText.contains("correct horse"), "\(chat.plainText)")
            chat.type("\u{04}")  // Ctrl-D leaves
            #expect(try await chat.waitForExit() == 0, "\(chat.plainText)")
        }
    }
}

extension ServeClient {
    /// Logs in over raw HTTP and returns the session cookie.
    static func logIn(port: Int, login: String, password: String = "correct horse") async throws -> String {
        let body = "login=\(login)&password=\(password.replacingOccurrences(of: " ", with: "+"))"
        let response = try await RawHTTP.post(port: port, path: "/login", body: body)
        guard let line = response.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("set-cookie: chat_session=") }) else {
            throw RawSocket.Failure.refused(response)
        }
        return String(line.dropFirst("set-cookie: chat_session=".count).split(separator: ";")[0])
    }
}
