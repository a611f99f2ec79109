import ChatModel
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// HTTP/1.1 with the `/ws` upgrade, set up like HummingbirdCore's `HTTP1Channel` and HummingbirdWebSocket's
/// `HTTP1WebSocketUpgradeChannel`, except that an upgraded socket is handed to `ChatWebSocketHandler` on
/// its event loop and its child-channel task ends at once: no task per WebSocket (see `ChatWebSocketHandler`).
/// A refused upgrade gets our own status and a JSON reason, not a bare 400.
struct ChatHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case webSocket
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, WebSocketEndpoint.Refusal, Logger)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let endpoint: WebSocketEndpoint
    let configuration: HTTP1Channel.Configuration

    let limiter: ConnectionLimiter
    let timeouts: HTTPConnectionGuard.Timeouts

    init(responder: @escaping HTTPChannelHandler.Responder, endpoint: WebSocketEndpoint,
         configuration: HTTP1Channel.Configuration = .init()) {
        self.responder = Self.upgradeRedirectingResponder(responder)
        self.endpoint = endpoint
        self.configuration = configuration
        let config = endpoint.server.config
        limiter = endpoint.server.connections
        timeouts = .init(header: TimeAmount(config.headerTimeout), body: TimeAmount(config.bodyTimeout),
                         keepAlive: TimeAmount(config.keepAliveTimeout))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let address = channel.remoteAddress?.ipAddress ?? "unknown"
            switch limiter.admit(address: address) {
            case .admitted:
                channel.closeFuture.whenComplete { _ in limiter.release(address: address) }
            case .tooManyInAll, .tooManyFromAddress:
                try channel.pipeline.syncOperations.addHandler(ConnectionRefusalHandler())
                return Value(upgradeResult: channel.eventLoop.makeFailedFuture(ConnectionRefused()), channel: channel)
            }
            // NIO keeps each channel's last receive buffer for reuse, sized by this allocator (2 KB by default):
            // most sockets are idle WebSockets, so start small and let busy ones grow.
            try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.receiveSizes)
            let connectionGuard = NIOLoopBound(HTTPConnectionGuard(timeouts: timeouts, logger: logger), eventLoop: channel.eventLoop)
            // Set by shouldUpgrade, read by the upgrade or not-upgraded handler, all on this channel's loop.
            let decision = NIOLoopBoundBox<WebSocketEndpoint.Decision?>(nil, eventLoop: channel.eventLoop)
            let endpoint = self.endpoint
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: WebSocketEndpoint.frameLimit(endpoint.server.config),
                enableAutomaticErrorHandling: false,  // ChatWebSocketHandler answers protocol errors
                shouldUpgrade: { channel, head in
                    let request = WebSocketEndpoint.UpgradeRequest(head)
                    return channel.eventLoop.makeFutureWithTask {
                        await endpoint.decide(request, logger: logger)
                    }.map { verdict -> HTTPHeaders? in
                        decision.value = verdict
                        if case .accept = verdict { return HTTPHeaders() }
                        return nil
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .accept(let login, let session, let since) = decision.value else {
                            throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget
                        }
                        channel.pipeline.syncOperations.removeHandler(connectionGuard.value).whenFailure { _ in }
                        try endpoint.attach(channel: channel, login: login, session: session, since: since, logger: logger)
                        return UpgradeResult.webSocket
                    }
                }
            )
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<UpgradeResult>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        connectionGuard.value.handOverErrorHandling()
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(self.configuration.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: self.configuration.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if case .refuse(let refusal) = decision.value {
                            return UpgradeResult.refused(asyncChannel, refusal, logger)
                        }
                        return UpgradeResult.notUpgraded(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgradeConfiguration)
            pipeline.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            pipeline.enableErrorHandling = false  // Hummingbird handles errors
            pipeline.enableResponseHeaderValidation = false  // Swift HTTP Types validate already
            pipeline.decoderConfiguration.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(connectionGuard.value, position: .after(decoder))
            // RFC 6455's rules for the handshake, ahead of NIO's upgrader, which looks at the first request only.
            let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<UpgradeResult>.self)
            try channel.pipeline.syncOperations.addHandler(HandshakeGate(decision: decision), position: .before(upgradeHandler))
            return Value(upgradeResult: result, channel: channel)
        }
    }

    static let receiveSizes = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 64 * 1024)

    /// A connection over `MAX_CONNECTIONS` or `MAX_CONNECTIONS_PER_ADDRESS`.
    struct ConnectionRefused: Error {}


    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let refusal, let logger):
                await writeRefusal(refusal, to: http1, logger: logger)
            case .webSocket:
                // The channel's handlers run the connection from here on; this task ends.
                break
            }
        } catch is ConnectionRefused {
            logger.debug("connection refused: too many connections")
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("Upgrade failed as input was closed")
            value.channel.close(promise: nil)
        } catch {
            // E.g. NIO's upgrader refusing a request it cannot parse as one: nothing else would close it.
            logger.debug("Error handling upgrade result", metadata: ["error.type": "\(error)"])
            value.channel.close(promise: nil)
        }
    }

    /// A refusal as it is sent: its status, `{"error":…}`, `Connection: close` (or what the refusal says).
    static func response(to refusal: WebSocketEndpoint.Refusal) -> (HTTPResponse, ByteBuffer) {
        let body = ByteBuffer(string: #"{"error":"# + JSONText.quoted(refusal.message) + "}")
        var fields: HTTPFields = [
            .contentType: "application/json; charset=utf-8",
            .contentLength: "\(body.readableBytes)",
            .connection: "close",
        ]
        for field in refusal.headers { fields[field.name] = field.value }
        let head = HTTPResponse(status: .init(code: Int(refusal.status.code), reasonPhrase: refusal.status.reasonPhrase), headerFields: fields)
        return (head, body)
    }

    private func writeRefusal(_ refusal: WebSocketEndpoint.Refusal, to asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>,
                              logger: Logger) async {
        let (head, body) = Self.response(to: refusal)
        do {
            try await asyncChannel.executeThenClose { _, outbound in
                try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
            }
        } catch {
            logger.trace("Failed to write the refused upgrade's response", metadata: ["error": "\(error)"])
        }
    }

    /// NIO's upgrader only sees a connection's first request: a later upgrade request on a kept-alive
    /// connection is redirected to the same URI with the connection closed, so the client retries on a
    /// fresh one (as HummingbirdWebSocket does). One that breaks RFC 6455's rules (or asks for `/ws`
    /// without being a handshake) gets the same refusal as a first request would.
    private static func upgradeRedirectingResponder(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct RedirectCloseError: Error {}
        return { request, responseWriter, channel in
            let handshake = WebSocketHandshake.Request(request.head)
            if WebSocketHandshake.isAttempt(handshake) {
                if let refusal = WebSocketHandshake.problem(handshake) {
                    let (head, body) = response(to: refusal)
                    try await responseWriter.write(response: head, body: .init(byteBuffer: body))
                } else {
                    var path = request.uri.path
                    if let query = request.uri.query { path += "?\(query)" }
                    let response = HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: path])
                    try await responseWriter.writeResponse(response)
                }
                throw RedirectCloseError()
            }
            try await responder(request, responseWriter, channel)
        }
    }
}

extension ChatHTTPChannel {
    /// Holds a connection's first request to RFC 6455's handshake rules (`WebSocketHandshake`) before NIO's
    /// upgrader sees it, then leaves the pipeline. The upgrader checks only the key's presence and the version,
    /// and answers neither failure (the request fell through to the HTTP side); a refused handshake goes on
    /// without its `Upgrade` field, so that the upgrader hands it to the HTTP side, which sends the refusal.
    final class HandshakeGate: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart

        private let decision: NIOLoopBoundBox<WebSocketEndpoint.Decision?>

        init(decision: NIOLoopBoundBox<WebSocketEndpoint.Decision?>) {
            self.decision = decision
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(var head) = unwrapInboundIn(data) else {
                context.fireChannelRead(data)
                return
            }
            let request = WebSocketHandshake.Request(head)
            if WebSocketHandshake.isAttempt(request), let refusal = WebSocketHandshake.problem(request) {
                decision.value = .refuse(refusal)
                head.headers.remove(name: "Upgrade")
                context.fireChannelRead(wrapInboundOut(.head(head)))
            } else {
                context.fireChannelRead(data)
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension ChatHTTPChannel.HandshakeGate: Sendable {}
