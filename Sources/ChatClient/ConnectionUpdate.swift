import ChatModel
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

/// What a running session reports, in order, from one task at a time.
public enum ConnectionUpdate: Sendable {
    /// The WebSocket is open (its first frame arrived); `reconnected` after a drop.
    case connected(reconnected: Bool)
    /// A server event (or a message from history), each message at most once, with the JSON text it came
    /// as (a history message: the text the server would have sent for it).
    case event(ChatEvent, json: String)
    /// The connection dropped; the next attempt starts after `retryIn`.
    case disconnected(reason: String, retryIn: Duration)
}
