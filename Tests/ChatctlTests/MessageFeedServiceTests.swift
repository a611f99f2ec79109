@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// MessageFeedService against a scripted feed (SQLite underneath): no MongoDB needed.
@Suite("Message feed service")
struct MessageFeedServiceTests {
    /// A feed that repeats every event (at-least-once) must still broadcast each message once.
    @Test func duplicateEventsAreBroadcastOnce() async throws {
        let store = try ScriptedFeed(mode: .twice)
        try await Self.run(store) { server, client in
            let cookie = try await client.signUp("ann")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            for index in 0..<20 { socket.send("m\(index)") }
            var texts: [String] = []
            while texts.count < 20 { texts.append(try await socket.next("message").text ?? "") }
            #expect(texts == (0..<20).map { "m\($0)" })
            await #expect(throws: TestSocket.SocketError.self) { _ = try await socket.next("message", within: .seconds(1)) }
            #expect(server.metrics.feedMessages.load(ordering: .relaxed) == 20)
            await socket.close()
        }
    }

    /// A feed that opens but reports nothing (a resume token the server no longer matches): the watchdog
    /// notices the writer's unreported commit, starts over and catches up from the store.
    @Test func aSilentFeedIsRestartedAndCaughtUpFromTheStore() async throws {
        let store = try ScriptedFeed(mode: .silentUntilRestarted)
        try await Self.run(store) { server, client in
            let cookie = try await client.signUp("ann")
            let (socket, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            socket.send("lost in the stream")
            #expect(try await socket.next("message", within: .seconds(12)).text == "lost in the stream")
            socket.send("after the restart")
            #expect(try await socket.next("message", within: .seconds(2)).text == "after the restart")
            await #expect(throws: TestSocket.SocketError.self) { _ = try await socket.next("message", within: .seconds(1)) }
            #expect(server.metrics.feedFailures.load(ordering: .relaxed) >= 1)
            #expect(store.follows.load(ordering: .relaxed) >= 2)
            await socket.close()
        }
    }

    static func run(_ store: ScriptedFeed, _ body: @Sendable (ServerContext, LiveClient) async throws -> Void) async throws {
        var config = TestServer.config()
        config.mongoURI = nil
        try await store.prepare()
        let server = try await ServerContext(config: config, store: store, secret: TestServer.secret, logger: Logger(label: "test"))
        #expect(server.feed != nil)
        try await buildApplication(server).test(.live) { client in
            try await body(server, LiveClient(client: client, port: client.port ?? 0))
        }
    }
}
