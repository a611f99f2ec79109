import ChatModel
import Foundation
import Logging

/// The validated configuration every command runs with.
public struct AppConfig: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// nil: use (or generate) `DATA_DIR/secret_key`.
    public var secretKey: SecretKey?
    public var mongoURI: String?
    public var mongoDatabase: String = "chat"
    public var dataDirectory: String = "./data"
    public var logLevel: Logger.Level = .info
    public var allowSignup: Bool = true
    /// Empty: only the server's own origin.
    public var allowedOrigins: [String] = []
    public var bcryptCost: Int = 12
    public var sessionLifetime: Duration = .seconds(7 * 24 * 3600)
    public var secureCookies: Bool = false
    public var maxMessageBytes: Int = MessageRules.defaultMaxBytes
    public var historyPageSize: Int = 100
    /// Sustained messages per second per connection, and the burst allowed above it.
    public var rateLimitPerSecond: Double = 5
    public var rateLimitBurst: Int = 20
    /// Bytes queued for one WebSocket before it is cut off as too slow.
    public var outboundBufferBytes: Int = 1 << 20
    public var pingInterval: Duration = .seconds(30)
    /// A request's headers (the first request's too) must arrive within this, its body within `bodyTimeout`.
    public var headerTimeout: Duration = .seconds(10)
    public var bodyTimeout: Duration = .seconds(30)
    /// An idle keep-alive connection is closed after this.
    public var keepAliveTimeout: Duration = .seconds(60)
    /// On SIGTERM the server exits within this, whatever its clients do.
    public var drainTimeout: Duration = .seconds(10)
    public var maxConnections: Int = 10_000
    public var maxConnectionsPerAddress: Int = 256
    public var maxSocketsPerUser: Int = 20
    /// Sign-ups one client address may make before it is made to wait.
    public var signupsPerAddress: Int = 5
    public var mongoThreads: Int = 4

    public init() {}

    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("chat.sqlite") }
    public var secretKeyPath: String { (dataDirectory as NSString).appendingPathComponent("secret_key") }
    public var usesMongo: Bool { mongoURI != nil }
}
