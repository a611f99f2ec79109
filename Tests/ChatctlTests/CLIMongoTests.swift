@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Testing

/// The CLI against MongoDB (MONGO_HOST), when a test server is available.
@Suite struct CLIMongoTests {
    @Test(.enabled(if: MongoTestEnvironment.uri != nil || MongoTestEnvironment.isCI, MongoTestEnvironment.skipReason))
    func importExportAndUsersOnMongo() async throws {
        let uri = try #require(MongoTestEnvironment.uri)
        let database = MongoTestEnvironment.uniqueDatabaseName()
        let sqlite = try CLISandbox()
        let messages = sampleMessages(count: 1500, beyondYear9999: false)
        try await sqlite.seed(messages)
        let exported = try await sqlite.run(["history", "export", "--out", "from-sqlite.json"])
        #expect(exported.status == 0)

        let mongo = try CLISandbox()
        let env = ["MONGO_HOST": uri, "MONGO_DB_NAME": database, "MAX_MESSAGE_BYTES": "1048576"]
        let first = try await mongo.run(["history", "import", sqlite.path("from-sqlite.json")], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.hasSuffix("1500 read, 1500 inserted, 0 skipped as duplicates, 0 replaced, 0 rejected\n"), "\(first.stderr)")
        let again = try await mongo.run(["history", "import", sqlite.path("from-sqlite.json")], environment: env)
        #expect(again.stderr.hasSuffix("1500 read, 0 inserted, 1500 skipped as duplicates, 0 replaced, 0 rejected\n"), "\(again.stderr)")
        let back = try await mongo.run(["history", "export"], environment: env)
        #expect(back.stdoutBytes == (try Data(contentsOf: URL(fileURLWithPath: sqlite.path("from-sqlite.json")))))

        let add = try await mongo.run(["user", "add", "alice", "--email", "alice@example.com", "--password-stdin"], stdin: "long enough\n", environment: env)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(try await mongo.run(["user", "add", "alice", "--email", "b@example.com", "--password-stdin"], stdin: "long enough\n", environment: env).status == 1)
        let list = try await mongo.run(["user", "list", "--json"], environment: env)
        #expect(list.stdout.contains("\"login\":\"alice\""))
        let check = try await mongo.run(["check", "--json"], environment: env.merging(["PORT": "65003"]) { $1 })
        #expect(check.status == 0, "\(check.stdout)")
        #expect(try await mongo.run(["user", "remove", "alice", "--yes"], environment: env).status == 0)

        let store = try MongoStore(uri: uri, database: database, threads: 1, logger: Logger(label: "test"))
        try await store.dropDatabase()
        await store.close()
    }
}
