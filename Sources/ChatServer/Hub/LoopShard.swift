import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// The connections of one event loop, only ever touched on that loop: the hub and connections hold it as
/// `NIOLoopBound<LoopShard>`, so the compiler sees no sharing and the loop is checked at each access.
final class LoopShard {
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
            let this = NIOLoopBound(WeakShard(shard: self), eventLoop: loop)
            keepalive = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                this.value.shard?.ping()
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

    /// Begins the close of every connection opened with one of `sessions`; returns how many.
    func closeSessions(_ sessions: Set<SessionID>, frame: ByteBuffer) -> Int {
        loop.assertInEventLoop()
        var closed = 0
        for state in connections.values where !state.closing {
            guard let session = state.session, sessions.contains(session) else { continue }
            state.beginClose(frame: frame, timeout: hub.closeTimeout)
            closed += 1
        }
        return closed
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

@available(*, unavailable)
extension LoopShard: Sendable {}

/// The keepalive timer's reference to its shard, which must not keep the shard alive.
private struct WeakShard {
    weak var shard: LoopShard?
}
