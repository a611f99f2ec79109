import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

public struct ChatConnectionOptions: Sendable {
    public var endpoint: ChatEndpoint
    public var login: String
    public var password: String
    /// Replay every message after this id on the first connect.
    public var since: String?
    /// Show the last N stored messages first.
    public var history: Int = 0
    /// Reconnect after a drop (with `since`), or end with `connectionLost`.
    public var reconnect: Bool = true
    /// Limit for connecting, logging in and the WebSocket handshake, each.
    public var timeout: Duration = .seconds(10)
    public var backoff = Backoff()
    /// The client pings this often and drops a connection that does not answer (a silently dead
    /// network would otherwise leave a client waiting forever).
    public var keepalive: Duration = .seconds(30)

    public init(endpoint: ChatEndpoint, login: String, password: String) {
        self.endpoint = endpoint
        self.login = login
        self.password = password
    }
}
