import CMongoc
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Synchronization
import Testing

/// Tests that need no server at all.
@Suite("MongoStore without a server")
struct MongoStoreOfflineTests {
    @Test func unreachableServerFailsFastNamingTheHostNotThePassword() async throws {
        let store = try MongoStore(uri: "mongodb://chatuser:s3cretPassw0rd@127.0.0.1:1/?serverSelectionTimeoutMS=1000",
                                   database: "chat", threads: 1, logger: Logger(label: "test"))
        #expect(store.hosts == "127.0.0.1:1")
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) { try await store.prepare() }
        #expect(ContinuousClock.now - started < .seconds(4))
        let message = error.map(String.init(describing:)) ?? ""
        #expect(message.contains("127.0.0.1:1"), "names the host: \(message)")
        #expect(!message.contains("s3cretPassw0rd"), "never the password: \(message)")
        #expect(!message.contains("chatuser"), "nor the user: \(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
        await store.close()
    }

    @Test func serverSelectionTimeoutDefaultsToFiveSeconds() async throws {
        let store = try MongoStore(uri: "mongodb://127.0.0.1:1/", database: "chat", threads: 1, logger: Logger(label: "test"))
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.ping() }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .seconds(4) && elapsed < .seconds(9), "took \(elapsed)")
        await store.close()
    }

    @Test func invalidURIIsRefusedWithoutThePassword() {
        let error = #expect(throws: StoreError.self) {
            _ = try MongoStore(uri: "mongodb://chatuser:topSecretPw@/nohost", database: "chat", logger: Logger(label: "test"))
        }
        let message = error.map(String.init(describing:)) ?? ""
        #expect(!message.contains("topSecretPw"), "\(message)")
    }
}
