import ChatModel
import Foundation

/// A store that reports every message inserted into it, by any process, in one order shared by every
/// follower: what several `chatctl serve` instances on one MongoDB replica set broadcast from (SPEC, Scale).
/// MongoStore follows the `messages` change stream; SQLiteStore has no such feed (one process owns the file),
/// so its writer broadcasts its own commits.
public protocol MessageFeed: ChatStore {
    /// The feed's current end: following from here delivers everything inserted after this call returns.
    /// Nil when the store cannot name one (the follower then starts from whenever it opens).
    func feedPosition() async throws -> FeedPosition?

    /// Delivers inserted messages in feed order, each batch with the position just after it, on a thread of
    /// the feed's own (so `deliver` must not block for long). Starts after `position` (from now when nil).
    /// Returns when the calling task is cancelled or the store closes; throws when the feed fails, after
    /// which a new call from the last delivered position misses and repeats nothing (while the store
    /// still remembers that far back).
    func followMessages(after position: FeedPosition?,
                        _ deliver: @escaping @Sendable (_ messages: [ChatMessage], _ position: FeedPosition) -> Void) async throws
}
