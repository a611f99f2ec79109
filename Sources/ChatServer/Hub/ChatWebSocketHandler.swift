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
    /// A fragmented message being reassembled, and whether it started as text.
    private var partial: ByteBuffer?
    private var partialIsText = false
    /// The payload of the latest ping not answered yet because the channel was not writable: one pong,
    /// for the most recent ping only (RFC 6455 §5.5.3), goes out once it is, so pings never queue pongs.
    private var pendingPong: ByteBuffer?
    /// The connection failed (a protocol error): nothing the client sends is looked at any more (§7.1.7).
    private var failed = false

    init(shared: Shared, connection: HubConnection, state: ConnectionState) {
        self.shared = shared
        self.connection = connection
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !failed else { return }
        state.lastHeard = .now()
        if let problem = Self.framingProblem(frame) { return failConnection(code: 1002, reason: problem, context: context) }
        switch frame.opcode {
        case .text, .binary:
            guard partial == nil else {
                return failConnection(code: 1002, reason: "a new message began before the last one ended", context: context)
            }
            if frame.fin {
                received(frame.unmaskedData, isText: frame.opcode == .text, context: context)
            } else {
                partial = frame.unmaskedData
                partialIsText = frame.opcode == .text
            }
        case .continuation:
            guard var message = partial else { return failConnection(code: 1002, reason: "continuation frame without a message", context: context) }
            var data = frame.unmaskedData
            guard message.readableBytes + data.readableBytes <= frameLimit else {
                return failConnection(code: 1009, reason: "message too big", context: context)
            }
            message.writeBuffer(&data)
            if frame.fin {
                partial = nil
                received(message, isText: partialIsText, context: context)
            } else {
                partial = message
            }
        case .ping:
            guard !state.closing else { return }
            if context.channel.isWritable {
                pendingPong = nil
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
            } else {
                // A client that pings without reading would otherwise grow the outbound queue past its bound.
                pendingPong = frame.unmaskedData
            }
        case .pong:
            break
        case .connectionClose:
            closeReceived(frame, context: context)
        default:
            failConnection(code: 1002, reason: "unknown opcode", context: context)
        }
    }

    /// What RFC 6455 forbids in any client frame, whatever its opcode; nil when nothing.
    static func framingProblem(_ frame: WebSocketFrame) -> String? {
        // §5.2: no extension is negotiated (the server accepts none), so every reserved bit must be clear.
        guard frame.reservedBits.isEmpty else { return "reserved bits set without an extension" }
        // §5.1: a client masks every frame; NIO's decoder accepts unmasked ones.
        guard frame.maskKey != nil else { return "client frames must be masked" }
        // §5.5: NIO's decoder already fails these (NIOWebSocketError, see errorCaught); checked again so
        // that the rule does not hang on it.
        if frame.opcode.isControlOpcode {
            guard frame.fin else { return "fragmented control frame" }
            guard frame.length <= 125 else { return "control frame over 125 bytes" }
        }
        return nil
    }

    /// The client's close: the answer to ours ends the connection; otherwise echo its code, then close.
    /// A payload that breaks §5.5.1 (one byte, a code not allowed on the wire, a reason not UTF-8) fails the
    /// connection instead; such a code is never echoed.
    private func closeReceived(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if state.closing {
            context.close(promise: nil)
            return
        }
        var payload = frame.unmaskedData
        var reply = ByteBuffer()
        switch payload.readableBytes {
        case 0:
            reply.writeBytes([0x88, 0x00])
        case 1:
            return failConnection(code: 1002, reason: "a close payload of one byte", context: context)
        default:
            let code = payload.readInteger(as: UInt16.self)!
            guard ServerFrame.isValidCloseCode(code) else {
                return failConnection(code: 1002, reason: "close code \(code) is not allowed on the wire", context: context)
            }
            guard Self.validUTF8(payload) != nil else {
                return failConnection(code: 1007, reason: "close reason is not valid UTF-8", context: context)
            }
            reply.writeBytes([0x88, 0x02])
            reply.writeInteger(code)
        }
        state.markClosing()
        pendingPong = nil
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        state.context.writeAndFlush(NIOAny(reply), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    /// One complete message.
    private func received(_ data: ByteBuffer, isText: Bool, context: ChannelHandlerContext) {
        // After our close frame the client cannot be told what became of a message: drop it.
        guard !state.closing else { return }
        guard isText else { return reject(.binaryFrame, "binary frames are not accepted; send text") }
        guard let text = Self.validUTF8(data) else { return failConnection(code: 1007, reason: "text is not valid UTF-8", context: context) }
        if text == MessageRules.closeCommand { return close(code: 1000, reason: "") }
        if let (code, message) = shared.rules.problem(text) { return reject(code, message) }
        guard server.hub.rateLimits.allow(connection.login) else { return reject(.rateLimited, "too fast: slow down") }
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
    private func close(code: UInt16, reason: String) {
        pendingPong = nil
        state.beginClose(frame: ServerFrame.close(code: code, reason: reason), timeout: server.hub.closeTimeout)
    }

    /// _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): our close frame with `code`, then the TCP connection
    /// closes without processing anything more from the client, not even its answering close. Our side is shut
    /// first (a FIN after the frame) and what still arrives is read and dropped until the client closes too or
    /// `closeTimeout` passes: closing at once with unread input would reset the connection, and a reset can
    /// destroy the close frame before the client reads it.
    private func failConnection(code: UInt16, reason: String, context: ChannelHandlerContext) {
        guard !failed else { return }
        failed = true
        partial = nil
        pendingPong = nil
        let channel = context.channel
        if state.closing {
            // Our close frame is out already; nothing more may follow it.
            channel.close(promise: nil)
            return
        }
        state.markClosing()
        let written = context.eventLoop.makePromise(of: Void.self)
        state.context.writeAndFlush(NIOAny(ServerFrame.close(code: code, reason: reason)), promise: written)
        written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        channel.eventLoop.scheduleTask(in: server.hub.closeTimeout) { channel.close(promise: nil) }
    }

    /// The pong held back while the channel could not take more (see `pendingPong`).
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let payload = pendingPong {
            pendingPong = nil
            if !state.closing {
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: payload)), promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Sent to every connection when the HTTP server stops; ChatHubService also sends 1001 to any it misses.
        if event is ChannelShouldQuiesceEvent {
            close(code: 1001, reason: "server shutting down")
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
        // The decoder stops at a protocol error (a frame over the limit; §5.5: a fragmented control frame, or
        // one over 125 bytes): say why, then fail the connection. (Done here rather than by NIO's
        // WebSocketProtocolErrorHandler: one handler less per socket.)
        switch error {
        case .invalidFrameLength: failConnection(code: 1009, reason: "frame too big", context: context)
        case .fragmentedControlFrame: failConnection(code: 1002, reason: "fragmented control frame", context: context)
        case .multiByteControlFrameLength: failConnection(code: 1002, reason: "control frame over 125 bytes", context: context)
        }
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
