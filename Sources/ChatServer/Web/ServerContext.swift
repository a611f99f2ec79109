import ChatAuth
import ChatConfig
import ChatModel
import ChatStorage
import Foundation
import NIOCore
import Logging

/// Everything the routes and the WebSocket handler share, built once per server.
public struct ServerContext: Sendable {
    public let config: AppConfig
    public let store: any ChatStore
    public let hub: ChatHub
    public let writer: MessageWriter
    /// Broadcasts from the store's change stream when the store has one (MongoDB); nil for SQLite,
    /// whose writer broadcasts its own commits.
    public let feed: MessageFeedService?
    public let sessions: SessionCodec
    public let passwords: PasswordHasher
    public let origins: OriginPolicy
    public let metrics: ChatMetrics
    /// Open connections, in all and per client address (`MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_ADDRESS`).
    let connections: ConnectionLimiter
    let shutdown = ShutdownState()
    /// Failed log-ins per login (5 free, then a back-off) and per client address (20), sign-ups per address.
    let loginFailures = FailureThrottle(allowed: 5)
    let addressFailures = FailureThrottle(allowed: 20)
    let signups: FailureThrottle
    /// At most one bcrypt computation per core at a time, and a short queue behind them.
    let bcrypt = BcryptGate(limit: System.coreCount, queue: 8 * System.coreCount)
    public let pages: PageRenderer
    let assets = StaticAssets()
    public let logger: Logger
    /// A hash of a random password, checked when a log-in names no account, so that timing does not
    /// reveal which logins exist.
    let decoyHash: String

    public init(config: AppConfig, store: any ChatStore, secret: SecretKey, logger: Logger) async throws {
        self.config = config
        self.store = store
        self.logger = logger
        metrics = ChatMetrics()
        signups = FailureThrottle(allowed: config.signupsPerAddress, firstBlock: .seconds(60), maximumBlock: .seconds(3600),
                                  forgetAfter: .seconds(3600))
        connections = ConnectionLimiter(maxTotal: config.maxConnections, maxPerAddress: config.maxConnectionsPerAddress)
        hub = ChatHub(metrics: metrics, outboundBufferBytes: config.outboundBufferBytes, pingInterval: config.pingInterval,
                      rateLimitPerSecond: config.rateLimitPerSecond, rateLimitBurst: config.rateLimitBurst)
        var start: FeedPosition?? = nil
        if let messageFeed = store as? any MessageFeed {
            do {
                // Taken now, before the HTTP server accepts anyone: whatever is stored from here on is broadcast,
                // even if it is stored before the follower's own stream is open.
                start = .some(try await messageFeed.feedPosition())
            } catch StoreError.feedUnsupported(let why) {
                logger.warning("messages are broadcast to this instance's clients only", metadata: ["why": "\(why)"])
            }
        }
        if let messageFeed = store as? any MessageFeed, let start {
            let service = MessageFeedService(feed: messageFeed, start: start, hub: hub, metrics: metrics, logger: logger)
            feed = service
            writer = MessageWriter(store: store, hub: hub, metrics: metrics, logger: logger, broadcastsCommits: false,
                                   committed: { service.expect($0) })
        } else {
            feed = nil
            writer = MessageWriter(store: store, hub: hub, metrics: metrics, logger: logger)
        }
        sessions = SessionCodec(secret: secret, lifetime: config.sessionLifetime)
        passwords = PasswordHasher(cost: config.bcryptCost)
        origins = OriginPolicy(trustedOrigins: config.allowedOrigins)
        pages = try PageRenderer()
        decoyHash = try await passwords.hash(SecretKey.random().base64)
    }

    /// The session a cookie names and its user: nil unless the cookie is sealed by this server's key and not past
    /// its lifetime, the store holds that session for that user, active (not ended, not expired), and the account
    /// still exists. Records the session's `lastSeen` when it is a minute or more old (a write at most once a
    /// minute per session, not one per request).
    func user(fromCookie cookie: String?, now: Date = Date()) async throws -> SignedIn? {
        guard let cookie, let sealed = sessions.decode(cookie, now: now) else { return nil }
        guard var session = try await store.session(id: sealed.sessionID), session.userID == sealed.userID,
            session.isActive(at: now), let user = try await store.user(id: session.userID)
        else { return nil }
        if now.timeIntervalSince(session.lastSeen) >= SessionRecord.lastSeenResolution {
            let seen = Date(millisecondsSince1970: now.millisecondsSince1970)
            do {
                try await store.touchSession(id: session.id, at: seen)
                session.lastSeen = seen
            } catch {
                // Only bookkeeping: the request goes on, and the next one tries again.
                logger.debug("session last-seen not recorded", metadata: ["error": "\(error)"])
            }
        }
        return SignedIn(session: session, user: user)
    }
}
