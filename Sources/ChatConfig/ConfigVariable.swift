import Foundation
import Logging

/// One configuration variable: its name, default and meaning. The table drives loading, `chatctl check`,
/// `.env.example` and `chatctl config init`, so they cannot drift apart.
public struct ConfigVariable: Sendable {
    public let name: String
    public let defaultText: String
    public let help: String
    /// Written commented-out in a fresh `.env`.
    public let optional: Bool

    public static let all: [ConfigVariable] = [
        .init(name: "HOST", defaultText: "127.0.0.1", help: "listen address", optional: false),
        .init(name: "PORT", defaultText: "8080", help: "listen port", optional: false),
        .init(name: "SECRET_KEY", defaultText: "", help: "session-cookie key: 32 random bytes, base64 or hex (chatctl config init makes one)", optional: false),
        .init(name: "MONGO_HOST", defaultText: "mongodb://127.0.0.1:27017", help: "MongoDB URI; when set, MongoDB is the store instead of SQLite", optional: true),
        .init(name: "MONGO_DB_NAME", defaultText: "chat", help: "MongoDB database name", optional: true),
        .init(name: "DATA_DIR", defaultText: "./data", help: "embedded SQLite store (chat.sqlite) and generated secret", optional: false),
        .init(name: "LOG_LEVEL", defaultText: "info", help: "trace, debug, info, notice, warning, error or critical", optional: false),
        .init(name: "ALLOW_SIGNUP", defaultText: "true", help: "whether /signin may create accounts", optional: false),
        .init(name: "ALLOWED_ORIGINS", defaultText: "", help: "comma-separated extra origins allowed to open the WebSocket and post forms (the server's own is always allowed)", optional: true),
        .init(name: "BCRYPT_COST", defaultText: "12", help: "bcrypt work factor for new passwords (4-31)", optional: true),
        .init(name: "SESSION_TTL", defaultText: "7d", help: "how long a login lasts (e.g. 12h, 7d)", optional: true),
        .init(name: "SECURE_COOKIES", defaultText: "false", help: "mark the session cookie Secure (set true behind HTTPS)", optional: true),
        .init(name: "MAX_MESSAGE_BYTES", defaultText: "4096", help: "largest chat message accepted, in bytes", optional: true),
        .init(name: "RATE_LIMIT", defaultText: "5", help: "messages per second one user may send across all their sockets, sustained", optional: true),
        .init(name: "RATE_BURST", defaultText: "20", help: "messages one user may send at once above RATE_LIMIT", optional: true),
        .init(name: "OUTBOUND_BUFFER_BYTES", defaultText: "1048576", help: "bytes queued for one slow WebSocket before it is disconnected", optional: true),
        .init(name: "HEADER_TIMEOUT", defaultText: "10s", help: "time a client has to send a request's headers, the first request's too", optional: true),
        .init(name: "BODY_TIMEOUT", defaultText: "30s", help: "time a client has to send a request's body", optional: true),
        .init(name: "KEEPALIVE_TIMEOUT", defaultText: "60s", help: "how long an idle keep-alive HTTP connection stays open", optional: true),
        .init(name: "DRAIN_TIMEOUT", defaultText: "10s", help: "on SIGTERM, the longest the server waits for clients before it exits", optional: true),
        .init(name: "MAX_CONNECTIONS", defaultText: "10000", help: "open connections (HTTP and WebSocket) the server accepts in all", optional: true),
        .init(name: "MAX_CONNECTIONS_PER_ADDRESS", defaultText: "256", help: "open connections one client address may hold", optional: true),
        .init(name: "SIGNUPS_PER_ADDRESS", defaultText: "5", help: "accounts one client address may create before it waits (a minute, doubling up to an hour)", optional: true),
        .init(name: "MAX_SOCKETS_PER_USER", defaultText: "20", help: "open WebSockets (tabs, clients) one user may hold", optional: true),
    ]

    public static let names: Set<String> = Set(all.map(\.name))
}
