import ChatConfig
import ChatStorage
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The whole chat server, as `chatctl serve` runs it and as the tests drive it.
public func buildApplication(_ config: AppConfig, logger: Logger? = nil) async throws -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "chatctl")
    logger.logLevel = config.logLevel
    let secret = try SecretKeyStore.resolve(config, logger: logger)
    let store = try await StoreFactory.open(config, logger: logger)
    let server: ServerContext
    do {
        server = try await ServerContext(config: config, store: store, secret: secret, logger: logger)
    } catch {
        await store.close()
        throw error
    }
    return buildApplication(server)
}

/// The application around an already-built server (tests reach the hub and store through `server`).
public func buildApplication(_ server: ServerContext) -> some ApplicationProtocol {
    let endpoint = WebSocketEndpoint(server: server)
    return Application(
        router: buildRouter(server),
        server: HTTPServerBuilder { responder in
            ChatHTTPChannel(responder: responder, endpoint: endpoint)
        },
        configuration: .init(address: .hostname(server.config.host, port: server.config.port), serverName: nil),
        services: buildServices(server),
        logger: server.logger
    )
}

/// Every HTTP route behind the same middleware: the WebSocket upgrade is decided by `WebSocketEndpoint`
/// with the same session and origin checks (see `AuthorizeMiddleware`).
func buildRouter(_ server: ServerContext) -> Router<ChatRequestContext> {
    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: server.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: AuthorizeMiddleware(authorizer: RequestAuthorizer(server: server)))
    AuthRoutes(server: server).register(on: router)
    ChatRoutes(server: server).register(on: router)
    return router
}

/// Services shut down in reverse order, after the HTTP server (which Hummingbird adds last): WebSockets
/// are closed (1001), the writer stores what it accepted, the session watch stops polling, the feed stops
/// following the change stream, then the store closes.
func buildServices(_ server: ServerContext) -> [any Service] {
    var services: [any Service] = [StoreService(store: server.store)]
    if let feed = server.feed { services.append(feed) }
    services.append(SessionWatchService(store: server.store, hub: server.hub, metrics: server.metrics, logger: server.logger))
    services.append(server.writer)
    services.append(ChatHubService(hub: server.hub, shutdown: server.shutdown))
    return services
}
