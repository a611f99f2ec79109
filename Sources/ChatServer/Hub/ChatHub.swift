import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// Fans events out to every WebSocket.
///
/// Measured (SPEC, Performance notes): sending through `WebSocketOutboundWriter` costs a flush and a
/// syscall per frame, as much CPU as the Python baseline. So each event is encoded once, and the hub
/// writes the same bytes to every connection's channel *below* the WebSocket frame encoder, one flush per
/// batch, on each connection's own event loop. A connection's outbound bound is its channel's write-buffer
/// high-water mark: one that is still unwritable when the next batch comes is cut off, never buffered.
public final class ChatHub: Sendable {
    private struct Registry {
        var shards: [ObjectIdentifier: NIOLoopBound<LoopShard>] = [:]
        var shardList: [NIOLoopBound<LoopShard>] = []
        var online: [String: Int] = [:]
        /// Sessions ended lately, with when the hub was told: a connection registered with one of them is closed
        /// at once (its upgrade may have been decided just before the session ended). See `closeSessions`.
        var endedSessions: [SessionID: ContinuousClock.Instant] = [:]
    }

    private let registry = Mutex(Registry())
    private let nextConnectionID = Atomic<UInt64>(1)
    let metrics: ChatMetrics
    let outboundBufferBytes: Int
    /// What each user may send, across all of their sockets.
    let rateLimits: UserRateLimits
    /// Live events held for a connection that is still replaying history, before it is cut off.
    let replayBacklogLimit: Int
    /// Every connection is pinged this often; one silent for two intervals is closed.
    let pingInterval: TimeAmount
    /// How long a closing connection waits for the client's close frame.
    let closeTimeout: TimeAmount

    public init(metrics: ChatMetrics, outboundBufferBytes: Int, replayBacklogLimit: Int = 50_000,
                pingInterval: Duration = .seconds(30), closeTimeout: Duration = .seconds(3),
                rateLimitPerSecond: Double = 5, rateLimitBurst: Int = 20) {
        self.metrics = metrics
        rateLimits = UserRateLimits(rate: rateLimitPerSecond, burst: rateLimitBurst)
        self.outboundBufferBytes = outboundBufferBytes
        self.replayBacklogLimit = replayBacklogLimit
        self.pingInterval = TimeAmount(pingInterval)
        self.closeTimeout = TimeAmount(closeTimeout)
    }

    /// Logins with at least one open connection, sorted.
    public var onlineUsers: [String] {
        registry.withLock { $0.online.keys.sorted() }
    }

    public var connectionCount: Int { metrics.connections.load(ordering: .relaxed) }

    /// Open connections of one user (`MAX_SOCKETS_PER_USER` caps them).
    public func connectionCount(of login: String) -> Int {
        registry.withLock { $0.online[login] ?? 0 }
    }

    // MARK: connections

    /// Adds an upgraded WebSocket channel; runs on the channel's event loop, so a connection needs no task.
    /// The presence frame is its first frame; while `replaying`, live events are held back until `finishReplay`.
    /// `session` is the session it was opened with (nil: none that can end, as in tests of the hub alone).
    func register(login: String, session: SessionID? = nil, channel: any Channel,
                  replaying: Bool) throws -> (HubConnection, ConnectionState) {
        channel.eventLoop.assertInEventLoop()
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (shard, isFirst, users, sessionEnded) = registry.withLock { registry -> (NIOLoopBound<LoopShard>, Bool, [String], Bool) in
            let key = ObjectIdentifier(channel.eventLoop)
            let shard: NIOLoopBound<LoopShard>
            if let existing = registry.shards[key] {
                shard = existing
            } else {
                shard = NIOLoopBound(LoopShard(loop: channel.eventLoop, hub: self), eventLoop: channel.eventLoop)
                registry.shards[key] = shard
                registry.shardList.append(shard)
            }
            registry.online[login, default: 0] += 1
            let ended = session.map { registry.endedSessions[$0] != nil } ?? false
            return (shard, registry.online[login] == 1, registry.online.keys.sorted(), ended)
        }
        let state: ConnectionState
        do {
            let context = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            try channel.syncOptions?.setOption(
                ChannelOptions.writeBufferWaterMark, value: .init(low: outboundBufferBytes / 2, high: outboundBufferBytes))
            state = ConnectionState(id: id, login: login, session: session, channel: channel, context: context)
        } catch {
            // Not announced yet (the join comes last), so not taken back either: a leave here would tell the
            // room that someone it never saw join has left.
            _ = registryLeave(login)
            throw error
        }
        if replaying { state.replay = ReplayState() }
        shard.value.add(state)
        state.context.writeAndFlush(NIOAny(ServerFrame.text(ChatEvent.presence(users: users).json)), promise: nil)
        metrics.connections.add(1, ordering: .relaxed)
        metrics.connectionsTotal.add(1, ordering: .relaxed)
        if isFirst { broadcast(events: [.join(user: login, time: Date())], excluding: id) }
        if sessionEnded {
            metrics.sessionCloses.add(1, ordering: .relaxed)
            state.beginClose(frame: Self.sessionEndedFrame, timeout: closeTimeout)
        }
        return (HubConnection(id: id, login: login, shard: shard), state)
    }

    /// On the connection's loop, when its channel goes inactive.
    func unregister(_ connection: HubConnection) {
        guard connection.shard.value.remove(connection.id) != nil else { return }
        metrics.connections.subtract(1, ordering: .relaxed)
        leave(login: connection.login)
    }

    private func leave(login: String) {
        if registryLeave(login) { broadcast(events: [.leave(user: login, time: Date())]) }
    }

    // MARK: broadcast

    /// Stored messages, in commit order, to everyone.
    public func broadcast(messages: [ChatMessage]) {
        broadcast(events: messages.map(ChatEvent.message))
    }

    public func broadcast(events: [ChatEvent], excluding: UInt64? = nil) {
        guard !events.isEmpty else { return }
        let batch = OutboundBatch(events: events, excluding: excluding)
        let shards = registry.withLock { $0.shardList }
        for shard in shards {
            shard.eventLoop.execute { shard.value.deliver(batch) }
        }
    }

    /// Sends going-away (1001) to every connection: each closes when its client answers, or after `closeTimeout`.
    public func closeAll(code: UInt16 = 1001, reason: String = "server shutting down") async {
        let shards = registry.withLock { $0.shardList }
        let frame = ServerFrame.close(code: code, reason: reason)
        for shard in shards {
            try? await shard.eventLoop.submit { shard.value.closeAll(frame: frame) }.get()
        }
    }

    /// The close frame of a connection whose session ended: the web page goes to /login on it.
    static let sessionEndedCode: UInt16 = 4401
    static let sessionEndedFrame = ServerFrame.close(code: sessionEndedCode, reason: "session ended")

    /// Closes (4401 "session ended", through the close handshake) every connection opened with one of these
    /// sessions, on every loop, and any that registers with one of them until `forgetEndedSessions` drops it.
    /// Telling the hub twice about a session is harmless. Not on the delivery path: it costs a walk over each
    /// loop's connections, once per batch of ended sessions.
    public func closeSessions(_ sessions: Set<SessionID>) {
        guard !sessions.isEmpty else { return }
        let now = ContinuousClock.now
        let shards = registry.withLock { registry in
            for session in sessions { registry.endedSessions[session] = now }
            return registry.shardList
        }
        let frame = Self.sessionEndedFrame
        for shard in shards {
            shard.eventLoop.execute {
                let closed = shard.value.closeSessions(sessions, frame: frame)
                if closed > 0 { self.metrics.sessionCloses.add(closed, ordering: .relaxed) }
            }
        }
    }

    /// Forgets sessions the hub was told about before `cutoff` (a registration that old has long been decided).
    func forgetEndedSessions(before cutoff: ContinuousClock.Instant) {
        registry.withLock { registry in
            registry.endedSessions = registry.endedSessions.filter { $0.value >= cutoff }
        }
    }

    var endedSessionCount: Int { registry.withLock { $0.endedSessions.count } }

    /// Closes every channel now, without a handshake: the end of a graceful shutdown.
    func closeChannels() async {
        let shards = registry.withLock { $0.shardList }
        for shard in shards {
            try? await shard.eventLoop.submit { shard.value.closeChannels() }.get()
        }
    }
}

extension ChatHub {
    /// Presence must stay balanced although the handler's own unregister finds nothing left to remove.
    func droppedSlow(login: String) {
        leave(login: login)
    }

    private func registryLeave(_ login: String) -> Bool {
        registry.withLock { registry -> Bool in
            guard let count = registry.online[login] else { return false }
            if count <= 1 {
                registry.online[login] = nil
                return true
            }
            registry.online[login] = count - 1
            return false
        }
    }
}
