import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Broadcasts what the store's message feed reports (SPEC, Scale): with several `chatctl serve` instances on
/// one MongoDB replica set, every instance — the one that stored a message included — broadcasts it from the
/// `messages` change stream, so every client of every instance gets each message once, in the stream's order.
/// MessageWriter then only stores (see `ChatServer`).
///
/// The feed hands over events on its own thread; they are queued here and broadcast by this service's task,
/// all that arrived since the last broadcast in one batch (one flush per connection), in arrival order.
/// On a feed failure it logs, backs off and resumes from the last position it was given: nothing is missed
/// or repeated while the server still holds that position.
public final class MessageFeedService: Service, Sendable {
    /// Only live chat is broadcast: an inserted message whose time is older than this is history being
    /// imported (`chatctl history import` of old messages), not something to push to browsers.
    /// It must stay below the hub's replay/live overlap (`LoopShard.liveOverlap`, 120 s): a message broadcast
    /// live is then always young enough for a `?since=` replay to remember it and drop the live copy.
    public static let liveHorizon: TimeInterval = 60

    private struct State {
        var pending: [ChatMessage] = []
        var position: FeedPosition?
    }

    private let feed: any MessageFeed
    private let hub: ChatHub
    private let metrics: ChatMetrics
    private let logger: Logger
    private let state: Mutex<State>
    private let wakeUp: AsyncStream<Void>
    private let wakeUpContinuation: AsyncStream<Void>.Continuation
    let initialBackoff: Duration
    let maximumBackoff: Duration

    /// - Parameter start: where to start following (from `feed.feedPosition()` taken before the server
    ///   accepts connections, so that nothing stored after start-up can be missed); nil: from when it opens.
    public init(feed: any MessageFeed, start: FeedPosition?, hub: ChatHub, metrics: ChatMetrics, logger: Logger,
                initialBackoff: Duration = .milliseconds(200), maximumBackoff: Duration = .seconds(10)) {
        self.feed = feed
        self.hub = hub
        self.metrics = metrics
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        state = Mutex(State(position: start))
        (wakeUp, wakeUpContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.drainUntilFinished()
            }
            // Cancelled on graceful shutdown, which the HTTP server (listed after this service) has finished by then.
            await cancelWhenGracefulShutdown {
                await self.followWithRetries()
            }
            self.wakeUpContinuation.finish()
        }
    }

    private func followWithRetries() async {
        var backoff = initialBackoff
        while !Task.isCancelled {
            let from = state.withLock { $0.position }
            do {
                try await feed.followMessages(after: from) { messages, position in
                    self.received(messages, at: position)
                }
                return  // cancelled, or the store closed
            } catch StoreError.feedLost(let why) {
                metrics.feedFailures.add(1, ordering: .relaxed)
                logger.error("message feed lost its place: starting over from now; clients that reconnect with ?since= recover what they missed",
                             metadata: ["error": "\(why)"])
                state.withLock { $0.position = nil }
            } catch {
                metrics.feedFailures.add(1, ordering: .relaxed)
                // Store errors name the hosts, never the credentials.
                logger.warning("message feed failed; resuming", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
            }
            do {
                try await Task.sleep(for: backoff)
            } catch {
                return
            }
            // A follow that delivered something reset the backoff in `received`; otherwise it grows.
            let moved = state.withLock { $0.position } != from
            backoff = moved ? initialBackoff : min(backoff * 2, maximumBackoff)
        }
    }

    /// On the feed's thread.
    private func received(_ messages: [ChatMessage], at position: FeedPosition) {
        let horizon = Date().addingTimeInterval(-Self.liveHorizon)
        let live = messages.filter { $0.time >= horizon }
        if live.count < messages.count {
            metrics.feedSkippedOld.add(messages.count - live.count, ordering: .relaxed)
        }
        state.withLock { state in
            state.pending.append(contentsOf: live)
            state.position = position
        }
        if !live.isEmpty { wakeUpContinuation.yield() }
    }

    private func drainUntilFinished() async {
        for await _ in wakeUp {
            broadcastPending()
        }
        broadcastPending()
    }

    private func broadcastPending() {
        let batch = state.withLock { state -> [ChatMessage] in
            defer { state.pending = [] }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        metrics.feedMessages.add(batch.count, ordering: .relaxed)
        hub.broadcast(messages: batch)
    }
}
