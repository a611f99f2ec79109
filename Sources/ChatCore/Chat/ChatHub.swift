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
        var shards: [ObjectIdentifier: LoopShard] = [:]
        var shardList: [LoopShard] = []
        var online: [String: Int] = [:]
    }

    private let registry = Mutex(Registry())
    private let nextConnectionID = Atomic<UInt64>(1)
    let metrics: ChatMetrics
    let outboundBufferBytes: Int
    /// Live events held for a connection that is still replaying history, before it is cut off.
    let replayBacklogLimit: Int
    /// Every connection is pinged this often; one silent for two intervals is closed.
    let pingInterval: TimeAmount
    /// How long a closing connection waits for the client's close frame.
    let closeTimeout: TimeAmount

    public init(metrics: ChatMetrics, outboundBufferBytes: Int, replayBacklogLimit: Int = 50_000,
                pingInterval: Duration = .seconds(30), closeTimeout: Duration = .seconds(3)) {
        self.metrics = metrics
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

    // MARK: connections

    /// Adds an upgraded WebSocket channel; runs on the channel's event loop, so a connection needs no task.
    /// The presence frame is its first frame; while `replaying`, live events are held back until `finishReplay`.
    func register(login: String, channel: any Channel, replaying: Bool) throws -> (HubConnection, ConnectionState) {
        channel.eventLoop.assertInEventLoop()
        let id = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (shard, isFirst, users) = registry.withLock { registry -> (LoopShard, Bool, [String]) in
            let key = ObjectIdentifier(channel.eventLoop)
            let shard: LoopShard
            if let existing = registry.shards[key] {
                shard = existing
            } else {
                shard = LoopShard(loop: channel.eventLoop, hub: self)
                registry.shards[key] = shard
                registry.shardList.append(shard)
            }
            registry.online[login, default: 0] += 1
            return (shard, registry.online[login] == 1, registry.online.keys.sorted())
        }
        let state: ConnectionState
        do {
            let context = try channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
            try channel.syncOptions?.setOption(
                ChannelOptions.writeBufferWaterMark, value: .init(low: outboundBufferBytes / 2, high: outboundBufferBytes))
            state = ConnectionState(id: id, login: login, channel: channel, context: context)
        } catch {
            leave(login: login)
            throw error
        }
        if replaying { state.replay = ReplayState() }
        shard.add(state)
        state.context.writeAndFlush(NIOAny(ServerFrame.text(ChatEvent.presence(users: users).json)), promise: nil)
        metrics.connections.add(1, ordering: .relaxed)
        metrics.connectionsTotal.add(1, ordering: .relaxed)
        if isFirst { broadcast(events: [.join(user: login, time: Date())], excluding: id) }
        return (HubConnection(id: id, login: login, shard: shard), state)
    }

    /// On the connection's loop, when its channel goes inactive.
    func unregister(_ connection: HubConnection) {
        connection.shard.loop.assertInEventLoop()
        guard connection.shard.remove(connection.id) != nil else { return }
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
            shard.loop.execute { shard.deliver(batch) }
        }
    }

    /// Sends going-away (1001) to every connection: each closes when its client answers, or after `closeTimeout`.
    public func closeAll(code: UInt16 = 1001, reason: String = "server shutting down") async {
        let shards = registry.withLock { $0.shardList }
        let frame = ServerFrame.close(code: code, reason: reason)
        for shard in shards {
            try? await shard.loop.submit { shard.closeAll(frame: frame) }.get()
        }
    }

    /// Closes every channel now, without a handshake: the end of a graceful shutdown.
    func closeChannels() async {
        let shards = registry.withLock { $0.shardList }
        for shard in shards {
            try? await shard.loop.submit { shard.closeChannels() }.get()
        }
    }
}

/// Closes every WebSocket with going-away (1001) when the server stops. Connections have no task of their
/// own to notice shutdown, so this one service does it for all of them.
struct ChatHubService: Service {
    let hub: ChatHub
    /// How long clients get to answer the close frame before their channels are cut.
    var grace: Duration = .seconds(1)

    func run() async throws {
        try? await gracefulShutdown()
        await hub.closeAll(code: 1001, reason: "server shutting down")
        let deadline = ContinuousClock.now + grace
        while hub.connectionCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await hub.closeChannels()
    }
}

/// One batch of events, encoded once: each item's frame is a slice of `combined`.
struct OutboundBatch: Sendable {
    struct Item: Sendable {
        let messageID: ObjectId?
        let messageTime: Date?
        let frame: ByteBuffer
    }

    let items: [Item]
    let combined: ByteBuffer
    let excluding: UInt64?

    init(events: [ChatEvent], excluding: UInt64?) {
        var combined = ByteBuffer()
        var ranges: [(ObjectId?, Date?, Int, Int)] = []
        ranges.reserveCapacity(events.count)
        for event in events {
            let start = combined.writerIndex
            ServerFrame.appendText(event.json, to: &combined)
            if case .message(let message) = event {
                ranges.append((message.id, message.time, start, combined.writerIndex - start))
            } else {
                ranges.append((nil, nil, start, combined.writerIndex - start))
            }
        }
        self.combined = combined
        self.items = ranges.map { id, time, start, length in
            Item(messageID: id, messageTime: time, frame: combined.getSlice(at: start, length: length) ?? ByteBuffer())
        }
        self.excluding = excluding
    }
}

/// What the WebSocket handler holds of its connection; every method hops to the connection's event loop.
public struct HubConnection: Sendable {
    public let id: UInt64
    public let login: String
    let shard: LoopShard

    /// Sends one event to this connection only.
    public func send(_ event: ChatEvent) {
        let frame = ServerFrame.text(event.json)
        let shard = self.shard
        let id = self.id
        shard.loop.execute { shard.write(frame, to: id) }
    }

    /// Writes a page of history; returns once it is flushed to the socket, so replay follows the reader's pace.
    func writeReplay(_ messages: [ChatMessage]) async throws {
        let batch = OutboundBatch(events: messages.map(ChatEvent.message), excluding: nil)
        let shard = self.shard
        let id = self.id
        let future = try await shard.loop.submit { shard.writeReplay(batch, messages: messages, to: id) }.get()
        try await future.get()
    }

    /// Sends what arrived live during the replay and was neither part of it nor at or before its cursor
    /// `floor` (in history order), then goes live.
    func finishReplay(after floor: ChatMessage? = nil) async throws {
        let shard = self.shard
        let id = self.id
        let position = floor.map { ($0.time, $0.id) }
        try await shard.loop.submit { shard.finishReplay(id, after: position) }.get()
    }

    /// Writes a close frame and closes the channel (graceful shutdown).
    public func sendClose(code: UInt16, reason: String) {
        let frame = ServerFrame.close(code: code, reason: reason)
        let shard = self.shard
        let id = self.id
        shard.loop.execute { shard.close(id, frame: frame) }
    }
}

final class ReplayState {
    var pending: [OutboundBatch.Item] = []
    /// Ids of replayed messages young enough to also arrive live; older ones cannot be duplicated.
    var recentReplayed: Set<ObjectId> = []
    let registered = Date()
}

/// Loop-confined state of one connection.
final class ConnectionState {
    let id: UInt64
    let login: String
    let channel: any Channel
    /// The WebSocket frame encoder's context: writing through it skips the encoder.
    let context: ChannelHandlerContext
    var replay: ReplayState?
    /// When the client last sent anything (a pong counts): keepalive closes the silent.
    var lastHeard = NIODeadline.now()
    /// A close frame went out: nothing more may follow it.
    private(set) var closing = false

    init(id: UInt64, login: String, channel: any Channel, context: ChannelHandlerContext) {
        self.id = id
        self.login = login
        self.channel = channel
        self.context = context
    }

    /// Starts the closing handshake: the close frame, then nothing; the channel closes when the client
    /// answers (see `ChatWebSocketHandler`) or after `timeout`.
    func beginClose(frame: ByteBuffer, timeout: TimeAmount) {
        channel.eventLoop.assertInEventLoop()
        guard !closing else { return }
        closing = true
        replay = nil
        context.writeAndFlush(NIOAny(frame), promise: nil)
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    /// The protocol layer closed the connection itself (e.g. 1009): write nothing more.
    func markClosing() {
        channel.eventLoop.assertInEventLoop()
        closing = true
        replay = nil
    }
}

/// The connections of one event loop. Only ever touched on that loop, which is what makes it safe.
final class LoopShard: @unchecked Sendable {
    let loop: any EventLoop
    private unowned let hub: ChatHub
    private var connections: [UInt64: ConnectionState] = [:]
    /// One timer per loop pings all its connections: per-connection timers or tasks cost memory per socket.
    private var keepalive: RepeatedTask?
    /// A replayed message younger than this may also be in flight live. The message feed broadcasts nothing
    /// older than `MessageFeedService.liveHorizon` (60 s), so that a live copy is always remembered here.
    static let liveOverlap: TimeInterval = 120
    static let pingFrame = ByteBuffer(bytes: [0x89, 0x00])

    init(loop: any EventLoop, hub: ChatHub) {
        self.loop = loop
        self.hub = hub
    }

    func add(_ state: ConnectionState) {
        loop.assertInEventLoop()
        connections[state.id] = state
        if keepalive == nil {
            let interval = hub.pingInterval
            // Weak: a hub's shards outlive it on the shared event loops (tests run many hubs).
            keepalive = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] _ in
                self?.ping()
            }
        }
    }

    func remove(_ id: UInt64) -> ConnectionState? {
        loop.assertInEventLoop()
        let removed = connections.removeValue(forKey: id)
        if connections.isEmpty {
            // An idle loop keeps no timer, so a stopped hub leaves nothing scheduled behind.
            keepalive?.cancel()
            keepalive = nil
        }
        return removed
    }

    /// Pings everyone and closes those silent for two intervals (no pong, no frame): dead peers and
    /// half-open TCP connections would otherwise be held forever.
    private func ping() {
        loop.assertInEventLoop()
        let silentSince = NIODeadline.now() - hub.pingInterval - hub.pingInterval
        var silent: [ConnectionState] = []
        for state in connections.values where !state.closing {
            if state.lastHeard < silentSince {
                silent.append(state)
            } else {
                state.context.writeAndFlush(NIOAny(Self.pingFrame), promise: nil)
            }
        }
        for state in silent {
            state.channel.close(promise: nil)
        }
    }

    func deliver(_ batch: OutboundBatch) {
        loop.assertInEventLoop()
        var delivered = 0
        for state in connections.values where state.id != batch.excluding && !state.closing {
            if let replay = state.replay {
                replay.pending.append(contentsOf: batch.items)
                if replay.pending.count > hub.replayBacklogLimit { dropSlow(state) }
                continue
            }
            guard state.channel.isWritable else {
                dropSlow(state)
                continue
            }
            state.context.write(NIOAny(batch.combined), promise: nil)
            state.context.flush()
            delivered += batch.items.count
        }
        if delivered > 0 { hub.metrics.deliveries.add(delivered, ordering: .relaxed) }
    }

    func write(_ frame: ByteBuffer, to id: UInt64) {
        loop.assertInEventLoop()
        guard let state = connections[id], state.channel.isActive, !state.closing else { return }
        state.context.writeAndFlush(NIOAny(frame), promise: nil)
    }

    func writeReplay(_ batch: OutboundBatch, messages: [ChatMessage], to id: UInt64) -> EventLoopFuture<Void> {
        loop.assertInEventLoop()
        guard let state = connections[id], let replay = state.replay else {
            return loop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        let horizon = replay.registered.addingTimeInterval(-Self.liveOverlap)
        for message in messages where message.time >= horizon {
            replay.recentReplayed.insert(message.id)
        }
        let promise = loop.makePromise(of: Void.self)
        state.context.writeAndFlush(NIOAny(batch.combined), promise: promise)
        return promise.futureResult
    }

    func finishReplay(_ id: UInt64, after floor: (Date, ObjectId)?) {
        loop.assertInEventLoop()
        guard let state = connections[id], let replay = state.replay else { return }
        state.replay = nil
        var buffer = ByteBuffer()
        for item in replay.pending {
            if let messageID = item.messageID, replay.recentReplayed.contains(messageID) { continue }
            if let floor, let messageID = item.messageID, let time = item.messageTime, (time, messageID) <= floor { continue }
            var frame = item.frame
            buffer.writeBuffer(&frame)
        }
        if buffer.readableBytes > 0 { state.context.writeAndFlush(NIOAny(buffer), promise: nil) }
    }

    func close(_ id: UInt64, frame: ByteBuffer) {
        loop.assertInEventLoop()
        guard let state = connections[id] else { return }
        state.beginClose(frame: frame, timeout: hub.closeTimeout)
    }

    func closeAll(frame: ByteBuffer) {
        loop.assertInEventLoop()
        for state in connections.values {
            state.beginClose(frame: frame, timeout: hub.closeTimeout)
        }
    }

    func closeChannels() {
        loop.assertInEventLoop()
        for state in connections.values {
            state.channel.close(promise: nil)
        }
    }

    private func dropSlow(_ state: ConnectionState) {
        hub.metrics.slowDisconnects.add(1, ordering: .relaxed)
        state.replay = nil
        _ = remove(state.id)
        state.channel.close(promise: nil)
        hub.metrics.connections.subtract(1, ordering: .relaxed)
        hub.droppedSlow(login: state.login)
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
