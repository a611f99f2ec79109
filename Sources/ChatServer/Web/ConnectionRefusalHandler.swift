import NIOCore

/// Answers a connection over the connection caps with a raw 503 as soon as it is active, then closes it:
/// the answer goes before any HTTP handler is in place, and the descriptor is freed at once.
final class ConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    static let answer = ByteBuffer(string:
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n"
        + "Retry-After: 5\r\nConnection: close\r\n\r\ntoo many connections\n")

    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
        context.fireChannelActive()
    }

    /// What the client sent is not read.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func answer(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let channel = context.channel
        context.writeAndFlush(NIOAny(Self.answer)).whenComplete { _ in HTTPConnectionGuard.closeAfterAnswer(channel) }
    }
}

@available(*, unavailable)
extension ConnectionRefusalHandler: Sendable {}
