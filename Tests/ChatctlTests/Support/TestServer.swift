@testable import ChatModel
@testable import ChatAuth
@testable import ChatConfig
@testable import ChatServer
@testable import ChatStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A real chatctl server on a loopback port with its own SQLite file, for one test.
struct TestServer {
    static let secret = SecretKey.random()

    static func config(dataDirectory: String? = nil, _ adjust: (inout AppConfig) -> Void = { _ in }) -> AppConfig {
        var config = AppConfig()
        config.port = 0
        config.dataDirectory = dataDirectory ?? TestPaths.temporaryDirectory()
        config.secretKey = secret
        config.bcryptCost = 4
        config.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { .init(rawValue: $0) } ?? .warning
        if let uri = ProcessInfo.processInfo.environment["CHATCTL_TEST_STORE_URI"] {
            // The end-to-end suite runs again against MongoDB when the test script asks for it.
            config.mongoURI = uri
            config.mongoDatabase = "e2e_\(UInt32.random(in: 0...UInt32.max))"
        }
        adjust(&config)
        return config
    }

    static func makeServer(_ config: AppConfig) async throws -> ServerContext {
        var logger = Logger(label: "test")
        logger.logLevel = config.logLevel
        let secret = try SecretKeyStore.resolve(config, logger: logger)
        let store = try await StoreFactory.open(config, logger: logger)
        return try await ServerContext(config: config, store: store, secret: secret, logger: logger)
    }

    /// A server context without the HTTP server, for tests that drive its WebSocket handler on embedded channels:
    /// `body` runs on the caller's actor (an `EmbeddedEventLoop` is bound to one thread, and the context's hub keeps
    /// the loops it saw), nothing of it is started, and its store is closed and its data directory removed afterwards.
    static func withContext(
        _ config: AppConfig = TestServer.config(),
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ServerContext) throws -> Void
    ) async throws {
        let server = try await makeServer(config)
        let result = Result { try body(server) }
        await server.store.close()
        try? FileManager.default.removeItem(atPath: config.dataDirectory)
        try result.get()
    }

    /// Runs `body` against a live server; the server shuts down gracefully afterwards.
    static func run<T: Sendable>(
        _ config: AppConfig = TestServer.config(),
        _ body: @Sendable (ServerContext, LiveClient) async throws -> T
    ) async throws -> T {
        let server = try await makeServer(config)
        let app = buildApplication(server)
        return try await app.test(.live) { client in
            try await body(server, LiveClient(client: client, port: client.port ?? 0))
        }
    }
}

extension TestResponse {
    /// The session cookie's value when the response sets a non-empty one.
    var sessionCookie: String? {
        for header in headers[values: .setCookie] {
            let first = header.split(separator: ";")[0]
            let parts = first.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == SessionCookie.name, !parts[1].isEmpty { return String(parts[1]) }
        }
        return nil
    }

    var text: String { String(buffer: body) }
}
