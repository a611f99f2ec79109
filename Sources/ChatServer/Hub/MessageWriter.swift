import ChatModel
import ChatStorage
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Stores chat messages before they are broadcast, many at a time (group commit).
///
/// Senders enqueue; one loop takes everything waiting, gives it ids and times, writes it in one
/// transaction and only then hands it to the hub. While a commit runs the next batch gathers, so storage
/// cost is paid per batch, not per message. Commit order is broadcast order: every client sees the same order.
///
/// The loop runs on a thread of its own and commits there (`appendMessagesBlocking`). Measured with one
/// message per commit (sparse traffic), the async version's hand-offs (event loop → task → the store's
/// queue → task → event loop) cost more CPU than the commit itself; now it is event loop → this thread →
/// event loop.
///
/// When the store is a `MessageFeed` (MongoDB), the writer only stores: `MessageFeedService` broadcasts
/// every instance's commits, this one's included, in the change stream's single order, each exactly once.
/// A commit that fails is still answered here, with an `error` frame to each of its senders.
public final class MessageWriter: Service, Sendable {
    struct Pending: Sendable {
        let user: String
        let text: String
        let origin: HubConnection?
    }

    private struct Queue {
        var pending: [Pending] = []
        var closed = false
        /// The writer thread found nothing to do and waits for `wakeUp`.
        var idle = false

        /// Whether the caller must signal `wakeUp` for what it just changed; at most one signal per wait.
        mutating func takeIdle() -> Bool {
            defer { idle = false }
            return idle
        }
    }

    private enum NextStep {
        case commit([Pending])
        case wait
        case stop
    }

    private let store: any ChatStore
    private let hub: ChatHub
    private let metrics: ChatMetrics
    private let logger: Logger
    private let ids = ObjectIdGenerator()
    private let queue = Mutex(Queue())
    private let lastTime = Mutex(Date.distantPast)
    private let wakeUp = DispatchSemaphore(value: 0)
    public let capacity: Int
    public let maxBatch: Int
    /// False when a message feed broadcasts what is stored.
    public let broadcastsCommits: Bool
    /// Told of every stored batch (the feed, which then watches that it reports them).
    private let committed: (@Sendable ([ChatMessage]) -> Void)?

    public init(store: any ChatStore, hub: ChatHub, metrics: ChatMetrics, logger: Logger, capacity: Int = 100_000, maxBatch: Int = 2_000,
                broadcastsCommits: Bool = true, committed: (@Sendable ([ChatMessage]) -> Void)? = nil) {
        self.store = store
        self.broadcastsCommits = broadcastsCommits
        self.committed = committed
        self.hub = hub
        self.metrics = metrics
        self.logger = logger
        self.capacity = capacity
        self.maxBatch = maxBatch
    }

    public enum SubmitResult: Sendable, Equatable {
        case queued
        case busy
        case shuttingDown
    }

    public func submit(user: String, text: String, origin: HubConnection?) -> SubmitResult {
        let (result, wake) = queue.withLock { queue -> (SubmitResult, Bool) in
            if queue.closed { return (.shuttingDown, false) }
            if queue.pending.count >= capacity { return (.busy, false) }
            queue.pending.append(Pending(user: user, text: text, origin: origin))
            return (.queued, queue.takeIdle())
        }
        if wake { wakeUp.signal() }
        return result
    }

    /// Writes until shutdown; anything accepted before it is still written.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    Thread {
                        Thread.current.name = "chat-writer"  // for top -H and perf
                        self.writeUntilClosed()
                        finished.resume()
                    }.start()
                }
            } onGracefulShutdown: {
                self.close()
            }
        } onCancel: {
            self.close()
        }
    }

    private func close() {
        let wake = queue.withLock { queue -> Bool in
            queue.closed = true
            return queue.takeIdle()
        }
        if wake { wakeUp.signal() }
    }

    private func writeUntilClosed() {
        while true {
            let step = queue.withLock { queue -> NextStep in
                if queue.pending.isEmpty {
                    if queue.closed { return .stop }
                    queue.idle = true
                    return .wait
                }
                if queue.pending.count <= maxBatch {
                    defer { queue.pending = [] }
                    return .commit(queue.pending)
                }
                let taken = Array(queue.pending.prefix(maxBatch))
                queue.pending.removeFirst(maxBatch)
                return .commit(taken)
            }
            switch step {
            case .commit(let batch): commit(batch)
            case .wait: wakeUp.wait()
            case .stop: return
            }
        }
    }

    private func commit(_ batch: [Pending]) {
        let now = Date()
        // Wall clocks step backwards; history order must not.
        let time = lastTime.withLock { last -> Date in
            let time = max(now, last)
            last = time
            return time
        }
        let messages = batch.map { pending in
            ChatMessage(id: ids.next(at: time), user: pending.user, text: pending.text, time: time)
        }
        var stored = messages
        do {
            try store.appendMessagesBlocking(messages)
        } catch {
            metrics.storeFailures.add(1, ordering: .relaxed)
            // A MongoDB bulk insert can fail part-way: what made it into history is a stored message (the
            // feed broadcasts it), and telling its sender "not stored" would invite a duplicate.
            var survivors = Set<ObjectId>()
            if case StoreError.partiallyStored(let ids, _) = error { survivors = ids }
            stored = messages.filter { survivors.contains($0.id) }
            logger.error("messages not stored", metadata: [
                "count": "\(messages.count - stored.count)", "stored": "\(stored.count)", "error": "\(error)",
            ])
            for (pending, message) in zip(batch, messages) where !survivors.contains(message.id) {
                pending.origin?.send(.error(code: .notStored, message: "not stored: the store is unavailable, try again"))
            }
            if stored.isEmpty { return }
        }
        metrics.messagesStored.add(stored.count, ordering: .relaxed)
        metrics.commitBatches.add(1, ordering: .relaxed)
        committed?(stored)
        if broadcastsCommits { hub.broadcast(messages: stored) }
    }
}
