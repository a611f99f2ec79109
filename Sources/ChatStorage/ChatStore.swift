import ChatModel
import Foundation
import Synchronization

/// Everything chatctl keeps. SQLite and MongoDB implement it; one contract test suite runs against both.
///
/// History order is (time, id) ascending: the original app sorted by `time`, and the id breaks ties
/// so that cursors are exact.
public protocol ChatStore: Sendable {
    /// Creates tables/collections and indexes; safe to call on every start.
    func prepare() async throws
    /// Throws when the store cannot be reached.
    func ping() async throws
    func close() async
    /// Upkeep that runs beside serving and returns when its task is cancelled (SQLite: WAL checkpoints
    /// off the commit path). Stores that need none return at once.
    func runMaintenance() async

    /// Throws `StoreError.loginTaken` / `.emailTaken` (case-insensitive), enforced by the store itself.
    func createUser(_ user: UserRecord) async throws
    func user(id: ObjectId) async throws -> UserRecord?
    /// Case-insensitive.
    func user(login: String) async throws -> UserRecord?
    func allUsers() async throws -> [UserRecord]
    /// Returns false when no such user exists.
    func setPassword(userID: ObjectId, password: String) async throws -> Bool
    /// Removes the account; its messages stay in history. Returns false when no such user exists.
    func removeUser(login: String) async throws -> Bool

    // Sessions (see `SessionRecord`): every request resolves its cookie to one of these, and every instance
    // polls `sessionsEnded` to close the WebSockets of sessions that ended anywhere.

    func createSession(_ session: SessionRecord) async throws
    /// The session with this id, whatever its state; nil when there is none.
    func session(id: SessionID) async throws -> SessionRecord?
    /// Sets `lastSeen` to `time` if that is later than the stored one.
    func touchSession(id: SessionID, at time: Date) async throws
    /// The user's sessions, whatever their state, newest first.
    func sessions(userID: ObjectId) async throws -> [SessionRecord]
    /// Ends the session at `time`. Returns false when there is none or it had ended already.
    func endSession(id: SessionID, at time: Date) async throws -> Bool
    /// Ends every session of the user that is active at `time`; returns how many.
    func endSessions(userID: ObjectId, at time: Date) async throws -> Int
    /// Sessions ended at or after `since` (indexed on the end time), and those that expired between `since`
    /// and `now` without being ended (indexed on the expiry), in no particular order.
    func sessionsEnded(since: Date, now: Date) async throws -> [SessionRecord]
    /// Deletes sessions that expired before `cutoff` (ended ones too: a session ends before it expires, or
    /// never); returns how many.
    func purgeSessions(expiredBefore cutoff: Date) async throws -> Int

    /// Group commit: all messages in one transaction (SQLite: all or nothing), or one unordered bulk insert
    /// (MongoDB), which throws `StoreError.partiallyStored` naming the messages that did make it.
    func appendMessages(_ messages: [ChatMessage]) async throws
    /// `appendMessages` for a caller that owns its thread (the message writer), blocking that thread.
    /// SQLite commits right there instead of handing off to its queue and back; the default waits for
    /// `appendMessages`.
    func appendMessagesBlocking(_ messages: [ChatMessage]) throws
    /// The newest `limit` messages before `cursor` (all when nil), newest first.
    /// Throws `StoreError.unknownCursor` when the cursor names no stored message.
    func messages(before cursor: ObjectId?, limit: Int) async throws -> [ChatMessage]
    /// The message with this id, if stored.
    func message(id: ObjectId) async throws -> ChatMessage?
    /// Up to `limit` messages after `cursor` in history order, oldest first.
    /// Throws `StoreError.unknownCursor` when the cursor names no stored message.
    func messages(after cursor: ObjectId, limit: Int) async throws -> [ChatMessage]
    /// A page of the messages matching `filter`, in history order, strictly after `position`.
    func messages(matching filter: MessageFilter, after position: ChatMessage?, limit: Int) async throws -> [ChatMessage]
    func countMessages(matching filter: MessageFilter) async throws -> Int
    /// Every message matching `filter` strictly after `position`, in history order, in pages of up to
    /// `pageSize`, each read when the consumer asks for it. Drop or finish the stream before `close()`.
    func messagePages(matching filter: MessageFilter, after position: ChatMessage?, pageSize: Int) -> AsyncThrowingStream<[ChatMessage], any Error>
    /// Writes imported messages; `_id`s decide what is a duplicate.
    func importMessages(_ messages: [ChatMessage], mode: ImportMode) async throws -> ImportOutcome
}

extension ChatStore {
    public func runMaintenance() async {}

    public func appendMessagesBlocking(_ messages: [ChatMessage]) throws {
        try waitBlocking { try await self.appendMessages(messages) }
    }

    /// One keyset query per page: cheap where (time, _id) is indexed and the planner uses it (SQLite).
    public func messagePages(matching filter: MessageFilter, after position: ChatMessage?, pageSize: Int) -> AsyncThrowingStream<[ChatMessage], any Error> {
        let pager = KeysetPager(store: self, filter: filter, position: position, pageSize: max(1, pageSize))
        return AsyncThrowingStream { try await pager.next() }
    }
}

/// Runs async work from a thread the caller owns (never from a task: it blocks the calling thread).
func waitBlocking<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
    let outcome = BlockingOutcome<Value>()
    Task.detached {
        do {
            outcome.finish(.success(try await body()))
        } catch {
            outcome.finish(.failure(error))
        }
    }
    return try outcome.wait()
}
