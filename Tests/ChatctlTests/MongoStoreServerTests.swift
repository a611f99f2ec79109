import CMongoc
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Synchronization
import Testing

/// Tests of MongoStore that need a server (MONGO_TEST_URI, exported by scripts/with-mongo.sh).
@Suite("MongoStore against a server", .enabled(if: MongoTestEnvironment.uri != nil, MongoTestEnvironment.skipReason))
struct MongoStoreServerTests {
    let uri = MongoTestEnvironment.uri ?? ""

    @Test func createsIndexesIdempotently() async throws {
        try await withMongoStore(uri: uri, prepare: false) { store in
            #expect(try await store.missingIndexes().count == RequiredIndex.all.count, "a new database has none")
            try await store.prepare()
            try await store.prepare()
            #expect(try await store.missingIndexes() == [])
        }
    }

    @Test func servesADatabaseWrittenByTheOriginalApp() async throws {
        try await withMongoStore(uri: uri, prepare: false) { store in
            // What the aiohttp app wrote through motor: ObjectId _ids, no extra fields, plain-text passwords.
            let generator = ObjectIdGenerator()
            let userID = generator.next()
            let times: [Int64] = [1_450_000_000_000, 1_450_000_001_500, 1_450_000_001_500]
            let messageIDs = times.map { _ in generator.next() }
            try RawMongo.insert(uri: uri, database: store.database, collection: "users", [
                BSONDocument(["_id": .oid(userID), "login": .string("OldUser"), "email": .string("old@example.com"),
                              "password": .string("hunter2")]),
            ])
            try RawMongo.insert(uri: uri, database: store.database, collection: "messages", zip(messageIDs, times).reversed().map { id, time in
                BSONDocument(["_id": .oid(id), "user": .string("OldUser"), "msg": .string("hello from 2015 at \(time)"),
                              "time": .date(Date(millisecondsSince1970: time))])
            })

            try await store.prepare()  // start-up on the old database

            let history = try await store.messages(before: nil, limit: 10)
            #expect(history.map(\.id) == messageIDs.reversed())
            #expect(history.allSatisfy { $0.user == "OldUser" })
            let exported = try await store.messages(matching: MessageFilter(user: "OldUser"), after: nil, limit: 10)
            #expect(exported.map(\.id) == messageIDs)

            let user = try #require(try await store.user(login: "olduser"))
            #expect(user == UserRecord(id: userID, login: "OldUser", email: "old@example.com", password: "hunter2", created: nil))
            #expect(user.hasLegacyPlainTextPassword)
            #expect(try await store.allUsers().map(\.login) == ["OldUser"])
            #expect(try await store.allUsers().filter(\.hasLegacyPlainTextPassword).count == 1)

            await #expect(throws: StoreError.loginTaken("OLDUSER")) {
                try await store.createUser(UserRecord(id: generator.next(), login: "OLDUSER", email: "new@example.com", password: "x", created: nil))
            }

            let hash = "$2b$12$" + String(repeating: "c", count: 53)
            #expect(try await store.setPassword(userID: userID, password: hash))
            #expect(try await store.allUsers().filter(\.hasLegacyPlainTextPassword).isEmpty)
        }
    }

    @Test func concurrentWritersShareThePool() async throws {
        try await withMongoStore(uri: uri, prepare: true) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<20 {
                    group.addTask { try await store.appendMessages(makeMessages(50, users: ["writer\(writer)"])) }
                }
                try await group.waitForAll()
            }
            #expect(try await store.countMessages(matching: MessageFilter()) == 1000)
            #expect(try await store.countMessages(matching: MessageFilter(user: "writer7")) == 50)
        }
    }

    /// An unordered bulk insert stores what it can: with a unique index on the text (made here, outside
    /// chatctl), a batch holding the same text twice is stored but for its second copy. The writer must
    /// count the rest as stored (the feed will broadcast them), not answer their senders "not stored".
    @Test func aBatchStoredInPartIsReportedAsStoredForThoseMessages() async throws {
        try await withMongoStore(uri: uri, prepare: true) { store in
            try RawMongo.command(uri: uri, database: store.database, BSONDocument([
                "createIndexes": .string("messages"),
                "indexes": .array([.document(BSONDocument([
                    "key": .document(BSONDocument(["msg": .int32(1)])), "name": .string("msg_unique"), "unique": .bool(true),
                ]))]),
            ]))
            final class Commits: Sendable {
                let messages = Mutex<[ChatMessage]>([])
            }
            let commits = Commits()
            let metrics = ChatMetrics()
            let writer = standaloneWriter(store, metrics: metrics, broadcastsCommits: false,
                                          committed: { batch in commits.messages.withLock { $0 += batch } })
            // Queued before the writer runs, so they make one batch.
            for text in ["before", "after", "before"] {
                #expect(writer.submit(user: "alice", text: text, origin: nil) == .queued)
            }
            let running = Task { try await writer.run() }
            try await poll(within: .seconds(60)) { metrics.storeFailures.load(ordering: .relaxed) > 0 }
            running.cancel()
            try await running.value
            #expect(metrics.storeFailures.load(ordering: .relaxed) == 1)
            #expect(commits.messages.withLock { $0 }.map(\.text) == ["before", "after"])
            #expect(metrics.messagesStored.load(ordering: .relaxed) == 2)
            #expect(try await store.messages(before: nil, limit: 10).map(\.text).sorted() == ["after", "before"])
        }
    }

    @Test func droppingTheDatabaseEndsTheFeedWithAnErrorNotACrash() async throws {
        try await withMongoStore(uri: uri, prepare: true) { store in
            let delivered = Atomic<Int>(0)
            let follower = Task {
                try await store.followMessages(after: nil) { messages, _ in delivered.add(messages.count, ordering: .relaxed) }
            }
            // Following has begun once a message stored now comes through.
            let deadline = ContinuousClock.now + .seconds(30)
            while delivered.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
                try await store.appendMessages(makeMessages(1))
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(delivered.load(ordering: .relaxed) > 0)
            try await store.dropDatabase()
            switch await follower.result {
            case .success:
                Issue.record("the feed went on after its database was dropped")
            case .failure(let error):
                // SecantusDB fails the resume; a real server first sends `invalidate`, which ends it the same way.
                #expect(error is StoreError, "\(error)")
            }
        }
    }

    @Test func aClosedStoreRefusesWork() async throws {
        let store = try MongoStore(uri: uri, database: MongoTestEnvironment.uniqueDatabaseName(), threads: 1, logger: Logger(label: "test"))
        try await store.ping()
        await store.close()
        await store.close()  // twice is harmless
        await #expect(throws: StoreError.self) { try await store.ping() }
    }

    @Test func storeFactoryOpensMongoWhenConfigured() async throws {
        var config = AppConfig()
        config.mongoURI = uri
        config.mongoDatabase = MongoTestEnvironment.uniqueDatabaseName()
        let store = try await StoreFactory.open(config, logger: Logger(label: "test"))
        let mongo = try #require(store as? MongoStore)
        #expect(try await mongo.missingIndexes() == [])
        try await mongo.dropDatabase()
        await store.close()
    }
}
