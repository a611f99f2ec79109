import ChatModel
import ChatStorage
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Broadcasts what the store's message feed reports (SPEC, Scale): with several `chatctl serve` instances on
/// one MongoDB replica set, every instance — the one that stored a message included — broadcasts it from the
/// `messages` change stream, so every client of every instance gets each message once, in the stream's order.
/// MessageWriter then only stores (see `ServerContext`).
///
/// The feed hands over events on its own thread; they are queued here and broadcast by this service's task,
/// all that arrived since the last broadcast in one batch (one flush per connection), in arrival order.
///
/// Failures:
/// - the feed fails (network, failover): log, back off, resume from the last position it reported, so
///   nothing is missed or repeated;
/// - the feed cannot resume (history lost) or stalls (a message this instance stored is not reported within
///   `stallTimeout`, e.g. the server lost its oplog in a crash): start over from now and catch up from the
///   store on what was stored within `liveHorizon` and not yet broadcast.
/// Ids broadcast in the last two horizons are remembered, so a catch-up never broadcasts a message twice.
public final class MessageFeedService: Service, Sendable {
    /// Only live chat is broadcast: an inserted message whose time is older than this is history being
    /// imported (`chatctl history import` of old messages), not something to push to browsers.
    /// It must stay below the hub's replay/live overlap (`LoopShard.liveOverlap`, 120 s): a message broadcast
    /// live is then always young enough for a `?since=` replay to remember it and drop the live copy.
    public static let liveHorizon: TimeInterval = 60

    private struct State {
        var pending: [ChatMessage] = []
        var position: FeedPosition?
        /// Broadcast (or queued) ids: this generation and the previous, rotated every `liveHorizon`.
        var seen: Set<ObjectId> = []
        var seenBefore: Set<ObjectId> = []
        var rotated = ContinuousClock.now
        /// This instance's commits that the feed has not reported yet, with when they were committed.
        var expected: [ObjectId: ContinuousClock.Instant] = [:]
        var stalled = false
        var attempt: Task<Void, any Error>?

        func wasSeen(_ id: ObjectId) -> Bool { seen.contains(id) || seenBefore.contains(id) }
    }

    private let feed: any MessageFeed
    private let hub: ChatHub
    private let metrics: ChatMetrics
    private let logger: Logger
    private let state: Mutex<State>
    private let started = Date()
    private let wakeUp: AsyncStream<Void>
    private let wakeUpContinuation: AsyncStream<Void>.Continuation
    let initialBackoff: Duration
    let maximumBackoff: Duration
    let stallTimeout: Duration

    /// - Parameter start: where to start following (from `feed.feedPosition()` taken before the server
    ///   accepts connections, so that nothing stored after start-up can be missed); nil: from when it opens.
    public init(feed: any MessageFeed, start: FeedPosition?, hub: ChatHub, metrics: ChatMetrics, logger: Logger,
                initialBackoff: Duration = .milliseconds(200), maximumBackoff: Duration = .seconds(10),
                stallTimeout: Duration = .seconds(5)) {
        self.feed = feed
        self.hub = hub
        self.metrics = metrics
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.stallTimeout = stallTimeout
        state = Mutex(State(position: start))
        (wakeUp, wakeUpContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// MessageWriter's stored batches: the feed must report them within `stallTimeout`.
    func expect(_ messages: [ChatMessage]) {
        let now = ContinuousClock.now
        state.withLock { state in
            for message in messages where !state.wasSeen(message.id) { state.expected[message.id] = now }
        }
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.drainUntilFinished() }
            // Cancelled on graceful shutdown, which the HTTP server (listed after this service) has finished by then.
            await cancelWhenGracefulShutdown {
                await withTaskGroup(of: Void.self) { inner in
                    inner.addTask { await self.watchForStalls() }
                    await self.followWithRetries()
                    inner.cancelAll()
                }
            }
            self.wakeUpContinuation.finish()
        }
    }

    private func followWithRetries() async {
        var backoff = initialBackoff
        while !Task.isCancelled {
            let stalled = state.withLock { state -> Bool in
                defer { state.stalled = false }
                if state.stalled { state.position = nil }
                return state.stalled
            }
            if stalled {
                metrics.feedFailures.add(1, ordering: .relaxed)
                logger.error("message feed stalled: a stored message was not reported within \(stallTimeout); starting over from now")
            }
            var from = state.withLock { $0.position }
            do {
                if from == nil {
                    // Starting over: open at "now", then catch up on the recent past the stream will not report.
                    from = try await feed.feedPosition()
                    try await catchUp(at: from)
                }
                let start = from
                let attempt = Task {
                    try await self.feed.followMessages(after: start) { messages, position in
                        self.received(messages, at: position)
                    }
                }
                state.withLock { $0.attempt = attempt }
                try await withTaskCancellationHandler {
                    try await attempt.value
                } onCancel: {
                    attempt.cancel()
                }
                if Task.isCancelled { return }
                // Stopped by the stall watchdog: start over (above); otherwise the store closed.
                if state.withLock({ $0.stalled }) { continue }
                return
            } catch StoreError.feedLost(let why) {
                metrics.feedFailures.add(1, ordering: .relaxed)
                logger.error("message feed lost its place: starting over from now", metadata: ["error": "\(why)"])
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
            // A follow that got somewhere resets the backoff; one that failed at once doubles it.
            let moved = state.withLock { $0.position } != from
            backoff = moved ? initialBackoff : min(backoff * 2, maximumBackoff)
        }
    }

    /// Everything stored within the live horizon (and since this service started) that was not broadcast.
    private func catchUp(at position: FeedPosition?) async throws {
        let since = max(Date().addingTimeInterval(-Self.liveHorizon), started)
        var after: ChatMessage?
        var found: [ChatMessage] = []
        while true {
            let page = try await feed.messages(matching: MessageFilter(since: since), after: after, limit: 1000)
            found += page
            guard page.count == 1000, let last = page.last else { break }
            after = last
        }
        let caught = state.withLock { state in found.filter { !state.wasSeen($0.id) }.count }
        if caught > 0 { logger.warning("message feed caught up from the store", metadata: ["messages": "\(caught)"]) }
        deliver(found, at: position)
    }

    private func watchForStalls() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .milliseconds(500))
            } catch {
                return
            }
            let limit = ContinuousClock.now - stallTimeout
            let attempt = state.withLock { state -> Task<Void, any Error>? in
                guard !state.stalled, state.expected.values.contains(where: { $0 < limit }) else { return nil }
                state.stalled = true
                state.expected = [:]
                return state.attempt
            }
            attempt?.cancel()
        }
    }

    /// On the feed's thread.
    private func received(_ messages: [ChatMessage], at position: FeedPosition) {
        deliver(messages, at: position)
    }

    private func deliver(_ messages: [ChatMessage], at position: FeedPosition?) {
        let horizon = Date().addingTimeInterval(-Self.liveHorizon)
        let queued = state.withLock { state -> Bool in
            if let position { state.position = position }
            let now = ContinuousClock.now
            if now - state.rotated > .seconds(Self.liveHorizon) {
                state.seenBefore = state.seen
                state.seen = []
                state.rotated = now
            }
            var queued = false
            for message in messages {
                state.expected[message.id] = nil
                guard message.time >= horizon else {
                    // Not live: never broadcast, so not remembered either (imports can be large).
                    metrics.feedSkippedOld.add(1, ordering: .relaxed)
                    continue
                }
                guard state.seen.insert(message.id).inserted, !state.seenBefore.contains(message.id) else { continue }
                state.pending.append(message)
                queued = true
            }
            return queued
        }
        if queued { wakeUpContinuation.yield() }
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
