import Foundation
import HTTPTypes
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The `/ws` endpoint: decides the upgrade (session, Origin, `since`), then runs one connection.
struct WebSocketEndpoint: Sendable {
    let server: ChatServer
    static let replayPageSize = 500

    func shouldUpgrade(_ head: HTTPRequest, channel: any Channel, logger: Logger) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let (path, query) = Self.split(head.path ?? "")
        guard path == "/ws" else {
            return try await refuse(channel, status: .notFound, "not a WebSocket endpoint; use /ws")
        }
        let verdict = server.origins.checkOrigin(
            secFetchSite: head.headerFields[.secFetchSite], origin: head.headerFields[.origin], host: head.authority)
        if case .crossOrigin(let why) = verdict {
            logger.notice("WebSocket refused", metadata: ["why": "\(why)"])
            return try await refuse(channel, status: .forbidden, "cross-origin WebSocket refused")
        }
        var since: ObjectId?
        if let text = query["since"], !text.isEmpty {
            guard let id = ObjectId(hex: text) else {
                return try await refuse(channel, status: .badRequest, "since must be a message id (24 hex digits)")
            }
            since = id
        }
        let cookies = head.headerFields[values: .cookie].flatMap { $0.split(separator: ";") }
        let sessionCookie = cookies.lazy.compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == SessionCodec.cookieName else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }.first
        let user: UserRecord?
        do {
            user = try await server.user(fromCookie: sessionCookie)
        } catch {
            return try await refuse(channel, status: .serviceUnavailable, "store unavailable")
        }
        guard let user else { return try await refuse(channel, status: .unauthorized, "log in first") }
        logger.info("GET /ws 101", metadata: ["user": "\(user.login)"])
        let login = user.login
        let replayFrom = since
        return .upgrade([:]) { inbound, outbound, context in
            try await self.run(login: login, since: replayFrom, channel: channel, inbound: inbound, outbound: outbound, logger: context.logger)
        }
    }

    private func run(login: String, since: ObjectId?, channel: any Channel, inbound: WebSocketInboundStream,
                     outbound: WebSocketOutboundWriter, logger: Logger) async throws {
        let connection: HubConnection
        do {
            connection = try await server.hub.register(login: login, channel: channel, replaying: since != nil)
        } catch {
            logger.debug("WebSocket closed before it was registered", metadata: ["error": "\(error)"])
            return
        }
        let ended: (any Error)? = await withGracefulShutdownHandler {
            do {
                if let since { try await replay(after: since, to: connection) }
                try await receive(inbound, from: connection)
                return nil
            } catch {
                logger.debug("WebSocket ended", metadata: ["error": "\(error)"])
                return error
            }
        } onGracefulShutdown: {
            connection.sendClose(code: 1001, reason: "server shutting down")
        }
        await server.hub.unregister(connection)
        // The WebSocket layer turns protocol errors (invalid UTF-8, oversized message) into close codes.
        if let ended { throw ended }
    }

    /// Everything stored after `since`, in order, then live: the hub holds live events back meanwhile.
    private func replay(after since: ObjectId, to connection: HubConnection) async throws {
        var cursor = since
        var floor: ChatMessage?
        do {
            // With several instances, this one's feed may still be behind the one the client was on:
            // what it broadcasts late up to the cursor, the client has seen already.
            floor = try await server.store.message(id: since)
            guard floor != nil else { throw StoreError.unknownCursor(since.hex) }
            while true {
                let page = try await server.store.messages(after: cursor, limit: Self.replayPageSize)
                guard let last = page.last else { break }
                try await connection.writeReplay(page)
                cursor = last.id
            }
        } catch StoreError.unknownCursor {
            connection.send(.error("unknown since id \(since.hex): history before now is not replayed"))
        }
        try await connection.finishReplay(after: floor)
    }

    private func receive(_ inbound: WebSocketInboundStream, from connection: HubConnection) async throws {
        let config = server.config
        var limiter = RateLimiter(rate: config.rateLimitPerSecond, burst: config.rateLimitBurst)
        for try await message in inbound.messages(maxSize: Self.frameLimit(config)) {
            guard case .text(let text) = message else {
                reject(connection, "binary frames are not accepted; send text")
                continue
            }
            if text == "close" { return }
            if text.utf8.count > config.maxMessageBytes {
                reject(connection, "too long: at most \(config.maxMessageBytes) bytes")
                continue
            }
            if text.allSatisfy(\.isWhitespace) {
                reject(connection, "empty message")
                continue
            }
            guard limiter.allow() else {
                reject(connection, "too fast: slow down")
                continue
            }
            switch server.writer.submit(user: connection.login, text: text, origin: connection) {
            case .queued: break
            case .busy: reject(connection, "not stored: server busy, try again")
            case .shuttingDown: reject(connection, "not stored: server shutting down")
            }
        }
    }

    private func reject(_ connection: HubConnection, _ reason: String) {
        server.metrics.messagesRejected.add(1, ordering: .relaxed)
        connection.send(.error(reason))
    }

    /// Frames above the message limit still get a polite error; far above it the socket closes (1009).
    static func frameLimit(_ config: AppConfig) -> Int {
        max(config.maxMessageBytes * 4, 64 * 1024)
    }

    /// Answers the upgrade request with a plain HTTP error and closes: HummingbirdWebSocket would
    /// otherwise answer every refused upgrade with 400.
    private func refuse(_ channel: any Channel, status: HTTPResponse.Status, _ message: String) async throws
        -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>
    {
        let body = #"{"error":"# + JSONText.quoted(message) + "}"
        let response = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\nContent-Type: application/json; charset=utf-8\r\n"
            + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        try await channel.eventLoop.submit {
            let context = try channel.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
            // HummingbirdWebSocket then writes its own 400 and closes; clients stop reading at this
            // response's end (Content-Length, Connection: close).
            context.writeAndFlush(NIOAny(ByteBuffer(string: response)), promise: nil)
        }.get()
        return .dontUpgrade
    }

    static func split(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            if query[name] == nil { query[name] = value }
        }
        return (String(target[..<mark]), query)
    }
}
