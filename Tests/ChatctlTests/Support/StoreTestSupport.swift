@testable import ChatAdmin
@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Logging
import Testing

/// The stores the contract suite runs against.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case sqlite, mongo
    var testDescription: String { rawValue }
}

/// Where the Mongo tests find their server: `scripts/with-mongo.sh` exports MONGO_TEST_URI.
enum MongoTestEnvironment {
    static let uri: String? = {
        guard let uri = ProcessInfo.processInfo.environment["MONGO_TEST_URI"], !uri.isEmpty else { return nil }
        return uri
    }()
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let skipReason: Comment = "MONGO_TEST_URI is not set: run `scripts/with-mongo.sh swift test` to include the MongoDB store"

    /// Locally without a server only SQLite runs (the Mongo suites show as skipped with the reason above);
    /// under CI the Mongo cases stay in, so a missing server fails them instead of passing silently.
    static var storeKinds: [StoreKind] { uri == nil && !isCI ? [.sqlite] : [.sqlite, .mongo] }

    static func uniqueDatabaseName() -> String {
        "chatctl_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}

/// A prepared, empty store of the given kind for one test; removed (file deleted / database dropped) afterwards.
func withStore(_ kind: StoreKind, _ body: (any ChatStore) async throws -> Void) async throws {
    switch kind {
    case .sqlite:
        try await withSQLiteStore { try await body($0) }
    case .mongo:
        guard let uri = MongoTestEnvironment.uri else {
            Issue.record("MONGO_TEST_URI is not set under CI=true: the MongoDB store was not tested (run through scripts/with-mongo.sh)")
            return
        }
        try await withMongoStore(uri: uri, prepare: true) { try await body($0) }
    }
}

/// A prepared SQLiteStore in a file of its own, deleted afterwards (with its WAL and shared-memory files).
func withSQLiteStore(_ body: (SQLiteStore) async throws -> Void) async throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("chatctl-contract-\(UUID().uuidString).sqlite").path
    let store = try SQLiteStore(path: path)
    defer {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
    do {
        try await store.prepare()
        try await body(store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

/// A MongoStore on a database of its own, dropped afterwards.
func withMongoStore(uri: String, prepare: Bool, _ body: (MongoStore) async throws -> Void) async throws {
    let store = try MongoStore(uri: uri, database: MongoTestEnvironment.uniqueDatabaseName(), threads: 2,
                               logger: Logger(label: "chatctl.test.mongo"))
    do {
        if prepare { try await store.prepare() }
        try await body(store)
    } catch {
        await store.stopFollowers()
        try? await store.dropDatabase()
        await store.close()
        throw error
    }
    // Followers first: dropping a database ends the change streams on it.
    await store.stopFollowers()
    try await store.dropDatabase()
    await store.close()
}

/// Messages with ascending ids whose times are *not* in id order and often tie, so that (time, id) order
/// differs from id order and from insertion order.
func makeMessages(_ count: Int, users: [String] = ["alice"], base: Int64 = 1_795_000_000_000,
                  generator: ObjectIdGenerator = ObjectIdGenerator()) -> [ChatMessage] {
    let distinctTimes = max(1, count / 3)  // about three messages per instant
    return (0..<count).map { index in
        let offset = Int64((index * 7) % distinctTimes)  // scrambled against id order
        return ChatMessage(id: generator.next(), user: users[index % users.count], text: "message \(index)",
                           time: Date(millisecondsSince1970: base + offset * 1000))
    }
}

func historyOrder(_ messages: [ChatMessage]) -> [ChatMessage] {
    messages.sorted { ($0.time, $0.id) < ($1.time, $1.id) }
}

/// Runs blocking `body` on a thread of its own, as the message writer calls a store, and awaits its result.
func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Checks `condition` every `interval` until it holds or `limit` has passed; returns whether it held.
@discardableResult
func poll(within limit: Duration, every interval: Duration = .milliseconds(20), until condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
    return true
}

/// A message writer over `store` with a hub of its own and no connections: what it commits is seen through
/// `metrics` and `committed`.
func standaloneWriter(_ store: any ChatStore, metrics: ChatMetrics, maxBatch: Int = 2_000, broadcastsCommits: Bool = true,
                      committed: (@Sendable ([ChatMessage]) -> Void)? = nil) -> MessageWriter {
    MessageWriter(store: store, hub: ChatHub(metrics: metrics, outboundBufferBytes: 1 << 20), metrics: metrics,
                  logger: Logger(label: "chatctl.test.writer"), maxBatch: maxBatch, broadcastsCommits: broadcastsCommits,
                  committed: committed)
}

/// A fresh directory under the system temp dir, unique per call (tests run in parallel).
func makeTemporaryDirectory(_ label: String = "chatctl-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Closes a store made by `makeSQLiteStore` and deletes its directory.
func dispose(_ store: SQLiteStore) async {
    await store.close()
    try? FileManager.default.removeItem(atPath: (store.path as NSString).deletingLastPathComponent)
}

func makeSQLiteStore() async throws -> SQLiteStore {
    let dir = try makeTemporaryDirectory("chatctl-store")
    let store = try SQLiteStore(path: dir.appendingPathComponent("chat.sqlite").path)
    try await store.prepare()
    return store
}

/// Messages that exercise every corner of the format: escapes, unicode, dates before 1970 and after 9999,
/// identical timestamps, the largest message. `beyondYear9999: false` leaves out dates after 9999, which real
/// MongoDB stores but the Python test server (SecantusDB) cannot decode.
func sampleMessages(count: Int = 2500, beyondYear9999: Bool = true) -> [ChatMessage] {
    let generator = ObjectIdGenerator()
    let texts = ["hi", "quote \" backslash \\ slash /", "line\nbreak\ttab\r", "\u{1}\u{1F}\u{7F}", "é 漢字 😀 👩‍👩‍👧", "\u{2028}\u{2029}",
                 "<script>alert('x')</script>", String(repeating: "long ", count: 819)]
    let special: [Int64] = [-62_135_596_800_000, -1, 0, 253_402_300_799_999]
        + (beyondYear9999 ? [253_402_300_800_000, 4_000_000_000_000_000] : [-2_000_000, -86_400_000])
    var messages: [ChatMessage] = []
    for index in 0..<count {
        let ms = index < special.count ? special[index] : 1_795_546_800_000 + Int64(index / 3) * 250  // ties of three
        let time = Date(millisecondsSince1970: ms)
        messages.append(ChatMessage(id: generator.next(at: Date(timeIntervalSince1970: 1_795_546_800 + Double(index))),
                                    user: ["alice", "bob", "çarol"][index % 3], text: texts[index % texts.count] + " #\(index)", time: time))
    }
    return messages
}

/// Exports everything from `source` and imports it into an empty `destination`, then checks both hold exactly
/// the same history. Takes any two stores: SQLite → SQLite here, SQLite ↔ MongoDB where MongoDB is available.
func expectExactRoundTrip(from source: any ChatStore, to destination: any ChatStore, format: ExtendedJSONFormat, array: Bool) async throws {
    let before = try await HistoryRoundTrip.allMessages(source)
    let summary = try await HistoryRoundTrip.copy(from: source, to: destination, format: format, array: array)
    #expect(summary.read == before.count)
    #expect(summary.rejected == 0)
    #expect(summary.inserted + summary.duplicates == before.count)
    let after = try await HistoryRoundTrip.allMessages(destination)
    #expect(after.count == before.count)
    #expect(after == before)
    // Running it again changes nothing.
    let again = try await HistoryRoundTrip.copy(from: source, to: destination, format: format, array: array)
    #expect(again.inserted == 0)
    #expect(again.duplicates == before.count)
    #expect(try await HistoryRoundTrip.allMessages(destination) == before)
}
