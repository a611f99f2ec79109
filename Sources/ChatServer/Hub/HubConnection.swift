import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// What the WebSocket handler holds of its connection; every method hops to the connection's event loop.
public struct HubConnection: Sendable {
    public let id: UInt64
    public let login: String
    let shard: NIOLoopBound<LoopShard>

    /// Sends one event to this connection only.
    public func send(_ event: ChatEvent) {
        let frame = ServerFrame.text(event.json)
        let shard = self.shard
        let id = self.id
        shard.eventLoop.execute { shard.value.write(frame, to: id) }
    }

    /// Writes a page of history; returns once it is flushed to the socket, so replay follows the reader's pace.
    func writeReplay(_ messages: [ChatMessage]) async throws {
        let batch = OutboundBatch(events: messages.map(ChatEvent.message), excluding: nil)
        let shard = self.shard
        let id = self.id
        let future = try await shard.eventLoop.submit { shard.value.writeReplay(batch, messages: messages, to: id) }.get()
        try await future.get()
    }

    /// Sends what arrived live during the replay and was neither part of it nor at or before its cursor
    /// `floor` (in history order), then goes live.
    func finishReplay(after floor: ChatMessage? = nil) async throws {
        let shard = self.shard
        let id = self.id
        let position = floor.map { ($0.time, $0.id) }
        try await shard.eventLoop.submit { shard.value.finishReplay(id, after: position) }.get()
    }

    /// Writes a close frame and closes the channel (graceful shutdown).
    public func sendClose(code: UInt16, reason: String) {
        let frame = ServerFrame.close(code: code, reason: reason)
        let shard = self.shard
        let id = self.id
        shard.eventLoop.execute { shard.value.close(id, frame: frame) }
    }
}
