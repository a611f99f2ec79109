import ChatModel
import Foundation
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// Loop-confined state of one connection.
final class ConnectionState {
    let id: UInt64
    let login: String
    /// The session the WebSocket was opened with: when it ends, the connection is closed (4401).
    let session: SessionID?
    let channel: any Channel
    /// The WebSocket frame encoder's context: writing through it skips the encoder.
    let context: ChannelHandlerContext
    var replay: ReplayState?
    /// When the client last sent anything (a pong counts): keepalive closes the silent.
    var lastHeard = NIODeadline.now()
    /// A close frame went out: nothing more may follow it.
    private(set) var closing = false

    init(id: UInt64, login: String, session: SessionID?, channel: any Channel, context: ChannelHandlerContext) {
        self.id = id
        self.login = login
        self.session = session
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
