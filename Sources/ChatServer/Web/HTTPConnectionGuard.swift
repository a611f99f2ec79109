import ChatModel
import Logging
import NIOCore
import NIOHTTP1

/// Keeps an HTTP connection from holding the server: a request's headers must arrive within
/// `headerTimeout` of the connection opening (or of the previous response), its body within `bodyTimeout`,
/// and an idle keep-alive connection closes after `keepAliveTimeout`. It also answers what NIO's upgrader
/// would swallow on a connection's first request — a malformed request or an overlong target get
/// 400/414/431 and a close — closes HTTP/1.0 connections after their response, and closes idle connections
/// at once when the server starts shutting down. It sits right after the HTTP decoder and removes itself
/// when the connection becomes a WebSocket.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    struct Timeouts: Sendable {
        var header: TimeAmount
        var body: TimeAmount
        var keepAlive: TimeAmount
    }

    /// Longer request targets get 414: no route of the chat takes one this long.
    static let maxTargetBytes = 8 * 1024

    private let timeouts: Timeouts
    private let logger: Logger
    private var timer: Scheduled<Void>?
    /// Requests read whose response has not ended.
    private var inFlight = 0
    private var readingBody = false
    private var closeAfterResponse = false
    /// Until Hummingbird's own HTTP handlers take over (after the first request's upgrade decision), parse
    /// errors are answered here: NIO's upgrader would leave them unanswered, the connection open.
    private var answersParseErrors = true
    /// A request is refused here: what follows of it is dropped until the connection closes.
    private var refused = false

    init(timeouts: Timeouts, logger: Logger) {
        self.timeouts = timeouts
        self.logger = logger
    }

    /// Hummingbird's handlers are in place: from now on they answer malformed requests.
    func handOverErrorHandling() {
        answersParseErrors = false
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(timeouts.header, context, reason: "no request headers") }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(timeouts.header, context, reason: "no request headers")
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.uri.utf8.count > Self.maxTargetBytes {
                return refuse(.uriTooLong, "request target longer than \(Self.maxTargetBytes) bytes", context)
            }
            inFlight += 1
            readingBody = true
            // HTTP/1.0 closes after the response unless the client asked to keep it; so does `Connection: close`.
            if !head.isKeepAlive { closeAfterResponse = true }
            arm(timeouts.body, context, reason: "request body too slow")
        case .body:
            break
        case .end:
            readingBody = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0 && closeAfterResponse {
                let channel = context.channel
                context.writeAndFlush(data).whenComplete { _ in channel.close(promise: nil) }
                promise?.succeed()
                return
            }
            if inFlight == 0 && !readingBody { arm(timeouts.keepAlive, context, reason: "idle") }
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Shutting down: an idle connection (or one that never sent a request) goes now; one busy with a
            // request closes after its response.
            if inFlight == 0 && !readingBody {
                context.close(promise: nil)
                return
            }
            closeAfterResponse = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard answersParseErrors, let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        switch parseError {
        case .headerOverflow:
            refuse(.requestHeaderFieldsTooLarge, "request headers too large", context)
        default:
            refuse(.badRequest, "malformed request", context)
        }
    }

    /// Answers `status` with a short JSON reason and closes: the request cannot be read on from here.
    private func refuse(_ status: HTTPResponseStatus, _ reason: String, _ context: ChannelHandlerContext) {
        guard !refused else { return }
        refused = true
        disarm()
        logger.debug("HTTP request refused", metadata: ["status": "\(status.code)", "why": "\(reason)"])
        let body = ByteBuffer(string: #"{"error":"# + JSONText.quoted(reason) + "}")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        headers.add(name: "Connection", value: "close")
        SecurityHeaders.all.forEach { headers.add(name: $0.name, value: $0.value) }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in Self.closeAfterAnswer(channel) }
    }

    /// Closes a connection whose request was not read to its end: closing at once would reset it (unread
    /// input), and a client may lose the answer with the reset. So the server stops writing (FIN) and closes
    /// for good when the client does, or after a grace period.
    static func closeAfterAnswer(_ channel: any Channel) {
        channel.close(mode: .output, promise: nil)
        channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    private func arm(_ timeout: TimeAmount, _ context: ChannelHandlerContext, reason: String) {
        disarm()
        let logger = self.logger
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) {
            logger.debug("HTTP connection closed", metadata: ["why": "\(reason)"])
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension HTTPConnectionGuard: Sendable {}
