@testable import ChatModel
@testable import ChatServer
@testable import ChatStorage
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// SQLiteStore plus a scripted message feed: `.twice` reports every stored batch two times;
/// `.silentUntilRestarted` reports nothing on its first follow and everything on later ones.
final class ScriptedFeed: MessageFeed {
    enum Mode: Sendable { case twice, silentUntilRestarted }

    let mode: Mode
    let inner: SQLiteStore
    let follows = Atomic<Int>(0)
    private let sink = Mutex<(@Sendable ([ChatMessage], FeedPosition) -> Void)?>(nil)

    init(mode: Mode) throws {
        self.mode = mode
        inner = try SQLiteStore(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("chatctl-feed-\(UUID().uuidString).sqlite").path)
    }

    func feedPosition() async throws -> FeedPosition? { FeedPosition(token: [0]) }

    func followMessages(after position: FeedPosition?, _ deliver: @escaping @Sendable ([ChatMessage], FeedPosition) -> Void) async throws {
        let number = follows.wrappingAdd(1, ordering: .relaxed).newValue
        if mode == .twice || number > 1 { sink.withLock { $0 = deliver } }
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
        sink.withLock { $0 = nil }
    }

    func appendMessages(_ messages: [ChatMessage]) async throws {
        try await inner.appendMessages(messages)
        guard let deliver = sink.withLock({ $0 }) else { return }
        let position = FeedPosition(token: Array(messages.last?.id.hex.utf8 ?? "".utf8))
        deliver(messages, position)
        if mode == .twice { deliver(messages, position) }
    }

    func prepare() async throws { try await inner.prepare() }
    func ping() async throws { try await inner.ping() }
    func close() async { await inner.close() }
    func createUser(_ user: UserRecord) async throws { try await inner.createUser(user) }
    func user(id: ObjectId) async throws -> UserRecord? { try await inner.user(id: id) }
    func user(login: String) async throws -> UserRecord? { try await inner.user(login: login) }
    func allUsers() async throws -> [UserRecord] { try await inner.allUsers() }
    func setPassword(userID: ObjectId, password: String) async throws -> Bool { try await inner.setPassword(userID: userID, password: password) }
    func removeUser(login: String) async throws -> Bool { try await inner.removeUser(login: login) }
    func createSession(_ session: SessionRecord) async throws { try await inner.createSession(session) }
    func session(id: SessionID) async throws -> SessionRecord? { try await inner.session(id: id) }
    func touchSession(id: SessionID, at time: Date) async throws { try await inner.touchSession(id: id, at: time) }
    func sessions(userID: ObjectId) async throws -> [SessionRecord] { try await inner.sessions(userID: userID) }
    func endSession(id: SessionID, at time: Date) async throws -> Bool { try await inner.endSession(id: id, at: time) }
    func endSessions(userID: ObjectId, at time: Date) async throws -> Int { try await inner.endSessions(userID: userID, at: time) }
    func sessionsEnded(since: Date, now: Date) async throws -> [SessionRecord] { try await inner.sessionsEnded(since: since, now: now) }
    func purgeSessions(expiredBefore cutoff: Date) async throws -> Int { try await inner.purgeSessions(expiredBefore: cutoff) }
    func message(id: ObjectId) async throws -> ChatMessage? { try await inner.message(id: id) }
    func messages(before cursor: ObjectId?, limit: Int) async throws -> [ChatMessage] { try await inner.messages(before: cursor, limit: limit) }
    func messages(after cursor: ObjectId, limit: Int) async throws -> [ChatMessage] { try await inner.messages(after: cursor, limit: limit) }
    func messages(matching filter: MessageFilter, after position: ChatMessage?, limit: Int) async throws -> [ChatMessage] {
        try await inner.messages(matching: filter, after: position, limit: limit)
    }
    func countMessages(matching filter: MessageFilter) async throws -> Int { try await inner.countMessages(matching: filter) }
    func importMessages(_ messages: [ChatMessage], mode: ImportMode) async throws -> ImportOutcome {
        try await inner.importMessages(messages, mode: mode)
    }
}
