@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Glibc
import Logging
import Testing

/// A server that goes away during service and comes back: the store reports `unavailable` meanwhile and
/// recovers by itself, without being re-created. Runs its own SecantusDB (the one scripts/with-mongo.sh installed).
@Suite("MongoStore reconnects", .enabled(if: MongoTestEnvironment.uri != nil && OwnSecantus.isInstalled, MongoTestEnvironment.skipReason))
struct MongoReconnectTests {
    @Test func recoversWhenTheServerComesBack() async throws {
        let port = try OwnSecantus.freePort()
        var server = try OwnSecantus.start(port: port)
        defer { OwnSecantus.kill(server) }
        let store = try MongoStore(uri: "mongodb://127.0.0.1:\(port)/?replicaSet=secantus&serverSelectionTimeoutMS=1000",
                                   database: "reconnect", threads: 2, logger: Logger(label: "test"))
        try await OwnSecantus.waitUntilReachable(store)
        try await store.prepare()
        try await store.appendMessages(makeMessages(5))

        OwnSecantus.kill(server)  // a crash, not a polite shutdown: it would wait for our open connections
        let down = await #expect(throws: StoreError.self) { try await store.appendMessages(makeMessages(1)) }
        #expect(down.map { "\($0)".contains("127.0.0.1:\(port)") } == true, "names the host: \(String(describing: down))")
        await #expect(throws: StoreError.self) { try await store.ping() }

        server = try OwnSecantus.start(port: port)  // in memory: a fresh, empty server on the same address
        try await OwnSecantus.waitUntilReachable(store)
        try await store.prepare()
        try await store.appendMessages(makeMessages(3))
        #expect(try await store.countMessages(matching: MessageFilter()) == 3)
        await store.close()
    }
}
