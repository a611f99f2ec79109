@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Testing


/// What the server does for itself while it serves: WAL checkpoints off the commit path, loop sizing.
@Suite("Serving upkeep")
struct ServingUpkeepTests {
    @Test func theWALStaysBoundedWhileCommitsNoLongerCheckpointThemselves() async throws {
        try await withSQLiteStore { store in
            #expect(try await store.walAutoCheckpoint() == 1000)
            let maintenance = try await Self.maintenanceUnderWay(store)
            let ids = ObjectIdGenerator()
            let text = String(repeating: "x", count: 4_000)
            let batches = 24, perBatch = 250   // ~1 MB per batch, ~24 MB in all
            for _ in 0..<batches {
                let now = Date()
                try await store.appendMessages((0..<perBatch).map { _ in ChatMessage(id: ids.next(), user: "alice", text: text, time: now) })
                // Room for the checkpointer (every 100 ms) between commits, as between bursts of a real room.
                try await Task.sleep(for: .milliseconds(250))
            }
            let written = batches * perBatch * text.utf8.count
            let wal = Self.fileSize(store.path + "-wal") ?? .max
            // Without checkpoints the WAL would hold everything written; with them it is reused from the start.
            #expect(wal < written / 3, "WAL is \(wal) bytes after \(written) bytes written")
            maintenance.cancel()
            await maintenance.value   // returns once cancelled, restoring automatic checkpoints
            #expect(try await store.walAutoCheckpoint() == 1000)
            #expect(try await store.countMessages(matching: MessageFilter()) == batches * perBatch)
        }
    }

    /// The checkpointer sleeps until a commit: the message writer's commits (blocking, on its own thread)
    /// must wake it, and the last ones before a quiet spell must still reach the database file.
    @Test func theWritersLastCommitBeforeAQuietSpellIsCheckpointed() async throws {
        try await withSQLiteStore { store in
            let maintenance = try await Self.maintenanceUnderWay(store)
            let fileSize = { Self.fileSize(store.path) ?? 0 }
            let before = fileSize()
            let ids = ObjectIdGenerator()
            let messages = (0..<500).map { _ in ChatMessage(id: ids.next(), user: "alice", text: String(repeating: "x", count: 4_000), time: Date()) }
            try await onThreadOfItsOwn { try store.appendMessagesBlocking(messages) }
            // Pages reach the database file only through a checkpoint.
            try await poll(within: .seconds(10)) { fileSize() >= before + 1_500_000 }
            #expect(fileSize() >= before + 1_500_000, "database file \(fileSize()) bytes, \(before) before 2 MB were committed")
            maintenance.cancel()
            await maintenance.value
        }
    }

    /// Starts the store's upkeep and returns once it has taken checkpoints over from the commits.
    private static func maintenanceUnderWay(_ store: SQLiteStore) async throws -> Task<Void, Never> {
        let maintenance = Task { await store.runMaintenance() }
        while try await store.walAutoCheckpoint() != 0 { try await Task.sleep(for: .milliseconds(10)) }
        return maintenance
    }

    private static func fileSize(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    @Test func maintenanceReturnsWhenCancelledAtOnce() async throws {
        try await withSQLiteStore { store in
            let maintenance = Task { await store.runMaintenance() }
            maintenance.cancel()
            await maintenance.value
            try await store.appendMessages([ChatMessage(id: ObjectIdGenerator().next(), user: "alice", text: "after", time: Date())])
        }
    }

    @Test(arguments: [("0", 1), ("0-1", 2), ("0-3,8,10-11", 7), ("5", 1), (" 2 - 3 ", 2)])
    func cpuListsAreCounted(list: String, count: Int) {
        #expect(EventLoopSizing.cpuCount(list: Substring(list)) == count)
    }

    @Test(arguments: ["", "a", "3-1", "0-", "-1", "1-2-3", "0,,1x"])
    func malformedCPUListsAreRefused(list: String) {
        #expect(EventLoopSizing.cpuCount(list: Substring(list)) == nil)
    }

    @Test func thisProcessHasAtLeastOneUsableCore() throws {
        #if os(Linux)
        let cores = try #require(EventLoopSizing.usableCores())
        #expect(cores >= 1 && cores <= ProcessInfo.processInfo.processorCount)
        #endif
    }
}
