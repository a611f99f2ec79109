import ChatModel
import Foundation
import NIOCore
import NIOWebSocket

/// The chat protocol of one WebSocket, run synchronously on its event loop.
///
/// A connection holds no Swift task: a suspended task per socket cost ~20 KB of async frames (measured
/// with heaptrack), most of an idle connection's memory. Frames arrive here already decoded and bounded
/// by `WebSocketFrameDecoder(maxFrameSize:)`; what goes out is written by the hub below the frame encoder.
final class ChatWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What every connection shares: one reference, not a copy of `ServerContext` per socket (~400 bytes).
    final class Shared: Sendable {
        let server: ServerContext
        let frameLimit: Int
        let rules: MessageRules

        init(server: ServerContext) {
            self.server = server
            frameLimit = WebSocketEndpoint.frameLimit(server.config)
            rules = MessageRules(maxBytes: server.config.maxMessageBytes)
        }
    }

    private let shared: Shared
    private var server: ServerContext { shared.server }
    private var frameLimit: Int { shared.frameLimit }
    private let connection: HubConnection
    private let state: ConnectionState
    private var limiter: RateLimiter
    /// A fragmented message being reassembled, and whether it started as text.
    private var partial: ByteBuffer?
    private var partialIsText = false

    init(shared: Shared, connection: HubConnection, state: ConnectionState) {
        self.shared = shared
        self.connection = connection
        self.state = state
        limiter = RateLimiter(rate: shared.server.config.rateLimitPerSecond, burst: shared.server.config.rateLimitBurst)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        state.lastHeard = .now()
        switch frame.opcode {
        case .text, .binary:
            guard partial == nil else { return fail(code: 1002, reason: "a new message began before the last one ended") }
            if frame.fin {
                received(frame.unmaskedData, isText: frame.opcode == .text)
            } else {
                partial = frame.unmaskedData
                partialIsText = frame.opcode == .text
            }
        case .continuation:
            guard var message = partial else { return fail(code: 1002, reason: "continuation frame without a message") }
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= frameLimit else {
                partial = nil
                return fail(code: 1009, reason: "message too big")
            }
            message.writeBuffer(&data)
            if frame.fin {
                partial = nil
                received(message, isText: partialIsText)
            } else {
                partial = message
            }
        case .ping:
            guard !state.closing else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            closeReceived(frame, context: context)
        default:
            fail(code: 1002, reason: "unknown opcode")
        }
    }

    /// The client's close: the answer to ours ends the connection; otherwise echo its code, then close.
    private func closeReceived(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if state.closing {
            context.close(promise: nil)
            return
        }
        var payload = frame.unmaskedData
        var reply = ByteBuffer()
        if let code = payload.readInteger(as: UInt16.self) {
            reply.writeBytes([0x88, 0x02])
            reply.writeInteger(code)
        } else {
            reply.writeBytes([0x88, 0x00])
        }
        state.markClosing()
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        state.context.writeAndFlush(NIOAny(reply), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    /// One complete message.
    private func received(_ data: ByteBuffer, isText: Bool) {
        // After our close frame the client cannot be told what became of a message: drop it.
        guard !state.closing else { return }
        guard isText else { return reject(.binaryFrame, "binary frames are not accepted; send text") }
        guard let text = Self.validUTF8(data) else { return fail(code: 1007, reason: "text is not valid UTF-8") }
        if text == MessageRules.closeCommand { return fail(code: 1000, reason: "") }
        if let (code, message) = shared.rules.problem(text) { return reject(code, message) }
        guard limiter.allow() else { return reject(.rateLimited, "too fast: slow down") }
        switch server.writer.submit(user: connection.login, text: text, origin: connection) {
        case .queued: break
        case .busy: reject(.serverBusy, "not stored: server busy, try again")
        case .shuttingDown: reject(.shuttingDown, "not stored: server shutting down")
        }
    }

    private func reject(_ code: ErrorCode, _ message: String) {
        server.metrics.messagesRejected.add(1, ordering: .relaxed)
        connection.shard.value.write(ServerFrame.text(ChatEvent.error(code: code, message: message).json), to: connection.id)
    }

    /// Closes with `code` through the closing handshake.
    private func fail(code: UInt16, reason: String) {
        state.beginClose(frame: ServerFrame.close(code: code, reason: reason), timeout: server.hub.closeTimeout)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Sent to every connection when the HTTP server stops; ChatHubService also sends 1001 to any it misses.
        if event is ChannelShouldQuiesceEvent {
            fail(code: 1001, reason: "server shutting down")
            return
        }
        // The server allows half-closed HTTP connections; a WebSocket whose client has shut its sending side
        // can never send another frame, not even a close, so it is gone: closing now frees it and tells the
        // room at once rather than at the next unanswered ping.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? NIOWebSocketError else {
            context.close(promise: nil)
            return
        }
        // The decoder stops at a protocol error: say why, then close without waiting for an answer.
        // (Done here rather than by NIO's WebSocketProtocolErrorHandler: one handler less per socket.)
        let code: UInt16 = error == .invalidFrameLength ? 1009 : 1002
        let alreadyClosing = state.closing
        state.markClosing()
        let channel = context.channel
        guard !alreadyClosing else {
            channel.close(promise: nil)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        state.context.writeAndFlush(NIOAny(ServerFrame.close(code: code, reason: "")), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.hub.unregister(connection)
        context.fireChannelInactive()
    }

    private static func validUTF8(_ data: ByteBuffer) -> String? {
        data.withUnsafeReadableBytes { bytes in
            String(validating: bytes, as: UTF8.self)
        }
    }
}

@available(*, unavailable)
extension ChatWebSocketHandler: Sendable {}
