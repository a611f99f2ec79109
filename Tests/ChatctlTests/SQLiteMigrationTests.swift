@testable import ChatModel
@testable import ChatStorage
import Foundation
import GRDB
import Testing

@Suite("SQLite schema migration")
struct SQLiteMigrationTests {
    /// The schema every file had before migrations, as the previous release created it.
    static let previousSchema = """
        CREATE TABLE users (
            id TEXT PRIMARY KEY NOT NULL,
            login TEXT NOT NULL COLLATE NOCASE UNIQUE,
            email TEXT NOT NULL COLLATE NOCASE UNIQUE,
            password TEXT NOT NULL,
            created INTEGER
        );
        CREATE TABLE messages (
            id TEXT PRIMARY KEY NOT NULL,
            user TEXT NOT NULL,
            msg TEXT NOT NULL,
            time INTEGER NOT NULL
        );
        CREATE INDEX messages_time ON messages(time, id);
        CREATE INDEX messages_user ON messages(user, time, id);
        """

    @Test func aFileOfThePreviousSchemaMigratesInPlaceWithNothingLost() async throws {
        let directory = try makeTemporaryDirectory("chatctl-migration")
        let path = directory.appendingPathComponent("chat.sqlite").path
        let userID = ObjectIdGenerator().next()
        let messageID = ObjectIdGenerator().next()
        do {
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: Self.previousSchema)
                try db.execute(sql: "INSERT INTO users (id, login, email, password, created) VALUES (?, 'alice', 'a@example.com', 'plain', NULL)",
                               arguments: [userID.hex])
                try db.execute(sql: "INSERT INTO messages (id, user, msg, time) VALUES (?, 'alice', 'kept', 1795546800000)",
                               arguments: [messageID.hex])
            }
        }
        let store = try SQLiteStore(path: path)
        try await store.prepare()
        #expect(try await store.appliedMigrations() == ["v1", "v2-sessions"])
        #expect(try await store.user(login: "alice")?.id == userID)
        #expect(try await store.message(id: messageID)?.text == "kept")
        let session = SessionRecord.start(userID: userID, address: "127.0.0.1", userAgent: "test", lifetime: .seconds(60))
        try await store.createSession(session)
        #expect(try await store.session(id: session.id) == session)
        await store.close()
        // A second start finds nothing left to do.
        let reopened = try SQLiteStore(path: path)
        try await reopened.prepare()
        #expect(try await reopened.appliedMigrations() == ["v1", "v2-sessions"])
        #expect(try await reopened.session(id: session.id) == session)
        await reopened.close()
    }

    /// The revocation poll runs every 300 ms on every server: it must read two indexes, never the whole table.
    @Test func theRevocationPollReadsItsIndexesOnly() async throws {
        let store = try await makeSQLiteStore()
        let plan = try await store.queryPlan(SQLiteStore.sessionsEndedSQL, [0, 0, 0]).joined(separator: "\n")
        #expect(plan.contains("sessions_ended"), "\(plan)")
        #expect(plan.contains("sessions_expires"), "\(plan)")
        #expect(!plan.contains("SCAN sessions"), "\(plan)")
        let byUser = try await store.queryPlan("SELECT * FROM sessions WHERE user_id = ? ORDER BY created DESC, id DESC", ["x"])
        #expect(byUser.joined().contains("sessions_user"), "\(byUser)")
        await dispose(store)
    }

    /// A `chatctl user` command and the server may open one new file at the same moment: both must come up.
    @Test func storesPreparingOneNewFileAtOnceAllSucceed() async throws {
        let directory = try makeTemporaryDirectory("chatctl-migration")
        for round in 0..<20 {
            let path = directory.appendingPathComponent("chat-\(round).sqlite").path
            let stores = try (0..<8).map { _ in try SQLiteStore(path: path) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.prepare() } }
                try await group.waitForAll()
            }
            for store in stores {
                #expect(try await store.appliedMigrations() == ["v1", "v2-sessions"])
                await store.close()
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
