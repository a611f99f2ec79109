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
    let server: ChatServer
    do {
        server = try await ChatServer(config: config, store: store, secret: secret, logger: logger)
    } catch {
        await store.close()
        throw error
    }
    return buildApplication(server)
}

/// The application around an already-built server (tests reach the hub and store through `server`).
public func buildApplication(_ server: ChatServer) -> some ApplicationProtocol {
    let config = server.config
    let router = Router(context: ChatRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: server.metrics))
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: CrossOriginMiddleware(policy: server.origins))
    router.add(middleware: AuthorizeMiddleware(server: server))
    AuthRoutes(server: server).register(on: router)
    ChatRoutes(server: server).register(on: router)

    // Services shut down in reverse order, after the HTTP server (which Hummingbird adds last): WebSockets
    // are closed (1001), the writer stores what it accepted, the feed stops following the change stream,
    // then the store closes.
    var services: [any Service] = [StoreService(store: server.store)]
    if let feed = server.feed { services.append(feed) }
    services.append(server.writer)
    services.append(ChatHubService(hub: server.hub))

    let endpoint = WebSocketEndpoint(server: server)
    return Application(
        router: router,
        server: HTTPServerBuilder { responder in
            ChatHTTPChannel(responder: responder, endpoint: endpoint)
        },
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        services: services,
        logger: server.logger
    )
}

/// Runs the store's upkeep while serving, and closes the store after everything that writes to it has
/// stopped: services shut down in reverse order.
struct StoreService: Service {
    let store: any ChatStore

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await store.runMaintenance() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await store.close()
    }
}
