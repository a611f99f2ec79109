@testable import ChatModel
@testable import ChatServer
import NIOCore
import NIOEmbedded
import NIOWebSocket

/// One chat WebSocket on an `EmbeddedChannel`, registered with a hub: its pipeline is what the `/ws` upgrade
/// leaves (see `EmbeddedChatLoop` for the two kinds). What the server writes is read back as frames; what the
/// client sends goes in as masked bytes.
final class EmbeddedWebSocket {
    let channel: EmbeddedChannel
    let connection: HubConnection
    /// The hub's loop-confined state of this connection (closing, lastHeard, replay).
    let state: ConnectionState

    init(channel: EmbeddedChannel, connection: HubConnection, state: ConnectionState) {
        self.channel = channel
        self.connection = connection
        self.state = state
    }

    var id: UInt64 { connection.id }
    var isOpen: Bool { channel.isActive }

    /// Everything written to the socket since the last read, as it would go on the wire.
    func readBytes() throws -> ByteBuffer {
        var bytes = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
        return bytes
    }

    /// Every frame written since the last read.
    func readFrames() throws -> [WebSocketFrame] {
        try WebSocketWire.decode(readBytes())
    }

    /// Every event written since the last read; anything but a text frame of an event fails.
    func readEvents() throws -> [ChatEvent] {
        try WebSocketWire.events(readFrames())
    }

    /// A frame from the client, through the decoder and the handler (if the pipeline has them).
    func send(_ opcode: WebSocketOpcode, _ payload: [UInt8] = [], fin: Bool = true) throws {
        try channel.writeInbound(WebSocketWire.clientFrame(opcode, payload, fin: fin))
    }

    func send(text: String) throws {
        try send(.text, Array(text.utf8))
    }

    /// The client goes away (its TCP connection closes).
    func disconnect() {
        channel.close(promise: nil)
        channel.embeddedEventLoop.run()
    }
}

/// What a failed expectation shows of a socket: Swift Testing reflects the values in an expression, and a
/// channel's pipeline does not survive being reflected (its debugDescription traps on an embedded channel).
extension EmbeddedWebSocket: CustomReflectable, CustomStringConvertible {
    var customMirror: Mirror {
        Mirror(self, children: ["login": connection.login, "id": id, "open": isOpen], displayStyle: .class)
    }

    var description: String { "\(connection.login)#\(id)\(isOpen ? "" : " (closed)")" }
}
