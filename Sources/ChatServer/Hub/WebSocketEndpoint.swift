import ChatAuth
import ChatConfig
import ChatModel
import ChatStorage
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The `/ws` endpoint: decides the upgrade (path, Origin, `since`, session), then hands the channel to a
/// `ChatWebSocketHandler`. After the upgrade a connection holds no Swift task, only channel handlers:
/// an idle socket then costs a few KB instead of a suspended task stack (~20 KB each, measured).
struct WebSocketEndpoint: Sendable {
    let server: ServerContext
    private let authorizer: RequestAuthorizer
    private let shared: ChatWebSocketHandler.Shared
    static let replayPageSize = 500

    init(server: ServerContext) {
        self.server = server
        authorizer = RequestAuthorizer(server: server)
        shared = ChatWebSocketHandler.Shared(server: server)
    }

    /// What the upgrade request carries that the decision needs.
    struct UpgradeRequest: Sendable {
        var target: String
        var origin: String?
        var secFetchSite: String?
        var host: String?
        var cookieHeaders: [String]

        init(target: String, origin: String? = nil, secFetchSite: String? = nil, host: String? = nil, cookieHeaders: [String] = []) {
            self.target = target
            self.origin = origin
            self.secFetchSite = secFetchSite
            self.host = host
            self.cookieHeaders = cookieHeaders
        }

        init(_ head: HTTPRequestHead) {
            self.init(target: head.uri, origin: head.headers.first(name: "Origin"),
                      secFetchSite: head.headers.first(name: "Sec-Fetch-Site"), host: head.headers.first(name: "Host"),
                      cookieHeaders: head.headers["Cookie"])
        }
    }

    /// An upgrade refused with a plain HTTP answer: `status`, `{"error": message}`, and `headers` besides
    /// the content type and `Connection: close` (which `headers` may replace).
    struct Refusal: Sendable, Equatable {
        let status: HTTPResponseStatus
        let message: String
        var headers: HTTPFields = [:]
    }

    enum Decision: Sendable, Equatable {
        /// `session`: the session the cookie named, whose end closes the connection.
        case accept(login: String, session: SessionID, since: ObjectId?)
        case refuse(Refusal)
    }

    /// Async only because the session's user is looked up in the store.
    func decide(_ request: UpgradeRequest, logger: Logger) async -> Decision {
        guard let target = URLComponents(string: request.target) else {
            return .refuse(.init(status: .badRequest, message: "the request target is not a URL path"))
        }
        guard target.path == "/ws" else { return .refuse(.init(status: .notFound, message: "not a WebSocket endpoint; use /ws")) }
        let verdict = await authorizer.authorize(.init(
            method: .get, path: target.path, cookieHeaders: request.cookieHeaders, origin: request.origin,
            secFetchSite: request.secFetchSite, host: request.host, isUpgrade: true))
        if case .crossOrigin(let why) = verdict {
            logger.notice("WebSocket refused", metadata: ["why": "\(why)"])
            return .refuse(.init(status: .forbidden, message: "cross-origin WebSocket refused"))
        }
        var since: ObjectId?
        if let text = target.queryItems?.first(where: { $0.name == "since" })?.value, !text.isEmpty {
            guard let id = ObjectId(hex: text) else {
                return .refuse(.init(status: .badRequest, message: "since must be a message id (24 hex digits)"))
            }
            since = id
        }
        switch verdict {
        case .allowed(let signedIn?):
            let open = server.hub.connectionCount(of: signedIn.user.login)
            guard open < server.config.maxSocketsPerUser else {
                return .refuse(.init(status: .tooManyRequests,
                                     message: "\(open) WebSockets open for this user already (at most \(server.config.maxSocketsPerUser)); close one"))
            }
            logger.info("GET /ws 101", metadata: ["user": "\(LogValue.escaped(signedIn.user.login))"])
            return .accept(login: signedIn.user.login, session: signedIn.session.id, since: since)
        case .storeUnavailable:
            return .refuse(.init(status: .serviceUnavailable, message: "store unavailable"))
        case .allowed(nil), .needsLogin, .crossOrigin:
            return .refuse(.init(status: .unauthorized, message: "log in first"))
        }
    }

    /// On the channel's loop, once the upgrade response is out: registers the connection and installs its handler.
    func attach(channel: any Channel, login: String, session: SessionID, since: ObjectId?, logger: Logger) throws {
        channel.eventLoop.assertInEventLoop()
        let (connection, state) = try server.hub.register(login: login, session: session, channel: channel, replaying: since != nil)
        let handler = ChatWebSocketHandler(shared: shared, connection: connection, state: state)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            server.hub.unregister(connection)
            throw error
        }
        if let since {
            // The only task a connection ever gets, and only while history is read from the store.
            let server = self.server
            Task {
                do {
                    try await Self.replay(server: server, after: since, to: connection)
                } catch {
                    logger.debug("WebSocket replay ended", metadata: ["error": "\(error)"])
                    connection.sendClose(code: 1011, reason: "history unavailable")
                }
            }
        }
    }

    /// Everything stored after `since`, in order, then live: the hub holds live events back meanwhile.
    private static func replay(server: ServerContext, after since: ObjectId, to connection: HubConnection) async throws {
        var cursor = since
        var floor: ChatMessage?
        do {
            // With several instances, this one's feed may still be behind the one the client was on:
            // what it broadcasts late up to the cursor, the client has seen already.
            floor = try await server.store.message(id: since)
            guard floor != nil else { throw StoreError.unknownCursor(since.hex) }
            while true {
                let page = try await server.store.messages(after: cursor, limit: replayPageSize)
                guard let last = page.last else { break }
                try await connection.writeReplay(page)
                cursor = last.id
            }
        } catch StoreError.unknownCursor {
            connection.send(.error(code: .unknownSince, message: "unknown since id \(since.hex): history before now is not replayed"))
        }
        try await connection.finishReplay(after: floor)
    }

    /// Frames above the message limit still get a polite error; far above it the socket closes (1009).
    static func frameLimit(_ config: AppConfig) -> Int {
        max(config.maxMessageBytes * 4, 64 * 1024)
    }
}
