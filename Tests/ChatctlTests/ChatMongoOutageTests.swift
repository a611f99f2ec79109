@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Glibc
import Logging
import Testing

/// The same outage seen from the chat: `/ready` says 503, sends are refused with an error frame and not
/// broadcast, and the chat works again by itself once MongoDB is back.
@Suite("Chat server through a MongoDB outage", .enabled(if: MongoTestEnvironment.uri != nil && OwnSecantus.isInstalled, MongoTestEnvironment.skipReason))
struct ChatMongoOutageTests {
    @Test func sendsAreRefusedDuringTheOutageAndServiceResumes() async throws {
        let port = try OwnSecantus.freePort()
        let storage = TestPaths.temporaryDirectory()
        let mongo = ServerProcessBox(try OwnSecantus.start(port: port, storagePath: storage))
        defer { OwnSecantus.kill(mongo.process) }
        let config = TestServer.config {
            $0.mongoURI = "mongodb://127.0.0.1:\(port)/?replicaSet=secantus&serverSelectionTimeoutMS=1000"
            $0.mongoDatabase = "outage"
        }
        let probe = try MongoStore(uri: config.mongoURI ?? "", database: "outage", threads: 1, logger: Logger(label: "test"))
        try await OwnSecantus.waitUntilReachable(probe)
        await probe.close()
        try await TestServer.run(config) { server, client in
            let cookie = try await client.signUp("alice")
            let (sender, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            let (watcher, _) = try await TestSocket.connect(port: client.port, cookie: cookie)
            sender.send("before")
            #expect(try await watcher.next("message").text == "before")

            OwnSecantus.kill(mongo.process)
            #expect(try await client.request("/ready").status == .serviceUnavailable)
            sender.send("during")
            let refused = try await sender.next("error")
            #expect(refused.code == .notStored)
            #expect(refused.error?.hasPrefix("not stored") == true)

            mongo.process = try OwnSecantus.start(port: port, storagePath: storage)
            var stored = false
            for attempt in 0..<150 where !stored {
                sender.send("after \(attempt)")
                let event = try await sender.next()
                stored = event.type == "message"
                if !stored { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(stored)
            #expect(try await client.request("/ready").status == .ok)
            // The watcher saw "before" and then only what was stored: never the refused message.
            let next = try await watcher.next("message")
            #expect(next.text?.hasPrefix("after") == true)
            #expect(try await server.store.messages(before: nil, limit: 10).map(\.text).contains("during") == false)
            await sender.close()
            await watcher.close()
        }
    }
}
