@testable import ChatModel
@testable import ChatServer
import Foundation
import NIOCore
import NIOEmbedded
import NIOWebSocket

/// One event loop of chat WebSockets on `EmbeddedChannel`s: nothing runs until the test runs the loop
/// (`run()`, `advanceTime(by:)`), so every interleaving is the test's choice.
///
/// An `EmbeddedEventLoop` may only be used, and freed, on the thread that made it; a hub keeps its loops for as
/// long as it lives. So a test makes the loop, its hub and its sockets on one thread (see `EmbeddedLoopActor`),
/// and calls `finish()`.
final class EmbeddedChatLoop {
    let loop = EmbeddedEventLoop()
    private var sockets: [EmbeddedWebSocket] = []

    /// A socket registered with `hub` below a bare `WebSocketFrameEncoder`, as `ChatHub.register` needs, without
    /// the protocol handler: when the channel closes, the hub is told as the handler's `channelInactive` would.
    /// `session`: the session it was opened with, as `WebSocketEndpoint` passes it (nil: none).
    func connect(_ hub: ChatHub, as login: String, session: SessionID? = nil, replaying: Bool = false) throws -> EmbeddedWebSocket {
        let channel = try openChannel(WebSocketFrameEncoder())
        let (connection, state) = try hub.register(login: login, session: session, channel: channel, replaying: replaying)
        channel.closeFuture.whenComplete { _ in hub.unregister(connection) }
        return remember(EmbeddedWebSocket(channel: channel, connection: connection, state: state))
    }

    /// A socket with the whole stack: the encoder and decoder that `NIOTypedWebSocketServerUpgrader` adds (see
    /// `ChatHTTPChannel`), then what `WebSocketEndpoint.attach` does for a connection without `since`.
    func attach(_ server: ServerContext, as login: String) throws -> EmbeddedWebSocket {
        let channel = try openChannel(
            WebSocketFrameEncoder(),
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketEndpoint.frameLimit(server.config))))
        let (connection, state) = try server.hub.register(login: login, channel: channel, replaying: false)
        let handler = ChatWebSocketHandler(shared: ChatWebSocketHandler.Shared(server: server), connection: connection, state: state)
        try channel.pipeline.syncOperations.addHandler(handler)
        return remember(EmbeddedWebSocket(channel: channel, connection: connection, state: state))
    }

    /// Runs what is due now: hops to the loop (broadcasts, sends) and callbacks.
    func run() {
        loop.run()
    }

    func advanceTime(by amount: TimeAmount) {
        loop.advanceTime(by: amount)
    }

    /// Closes every socket still open, runs what that schedules, and shuts the loop down (cancelling timers).
    func finish() {
        for socket in sockets {
            _ = try? socket.channel.finish(acceptAlreadyClosed: true)
        }
        loop.run()
        try? loop.syncShutdownGracefully()
    }

    /// A connected channel on this loop with `handlers`, not registered with any hub.
    func openChannel(_ handlers: any ChannelHandler...) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandlers(handlers)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000 + sockets.count)).wait()
        return channel
    }

    private func remember(_ socket: EmbeddedWebSocket) -> EmbeddedWebSocket {
        sockets.append(socket)
        return socket
    }
}
