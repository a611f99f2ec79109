@testable import ChatModel
@testable import ChatAuth
@testable import ChatServer
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Testing


/// A real WebSocket client (HummingbirdWSClient) with a queue of what it received.
final class TestSocket: Sendable {
    enum Received: Sendable {
        case text(String)
        case binary
    }

    enum Outgoing: Sendable {
        case text(String)
        case binary([UInt8])
        case rawText([UInt8])
    }

    private let received: AsyncStream<Received>
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let iterator: IteratorBox
    let closed: Task<WebSocketCloseFrame?, any Error>

    private final class IteratorBox: @unchecked Sendable {
        // Only the test task that owns the socket reads from it.
        var iterator: AsyncStream<Received>.Iterator
        init(_ iterator: AsyncStream<Received>.Iterator) { self.iterator = iterator }
    }

    private init(received: AsyncStream<Received>, outgoing: AsyncStream<Outgoing>.Continuation,
                 closed: Task<WebSocketCloseFrame?, any Error>) {
        self.received = received
        self.outgoing = outgoing
        self.closed = closed
        iterator = IteratorBox(received.makeAsyncIterator())
    }

    /// Connects and waits for the first frame (the presence event), so the socket is registered when this returns.
    static func connect(port: Int, cookie: String?, query: String = "", headers: HTTPFields = [:]) async throws -> (TestSocket, ChatEvent) {
        let (receivedStream, receivedContinuation) = AsyncStream.makeStream(of: Received.self)
        let (outgoingStream, outgoingContinuation) = AsyncStream.makeStream(of: Outgoing.self)
        var headers = headers
        if let cookie { headers[.cookie] = "\(SessionCookie.name)=\(cookie)" }
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers)
        let logger = Logger(label: "test-socket")
        let closed = Task {
            defer { receivedContinuation.finish() }
            return try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/ws\(query)", configuration: configuration, logger: logger
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await frame in inbound {
                            switch frame.opcode {
                            case .text: receivedContinuation.yield(.text(String(buffer: frame.data)))
                            case .binary: receivedContinuation.yield(.binary)
                            default: break
                            }
                        }
                    }
                    group.addTask {
                        for await item in outgoingStream {
                            switch item {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .rawText(let bytes):
                                try await outbound.write(.custom(.init(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))))
                            }
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        let socket = TestSocket(received: receivedStream, outgoing: outgoingContinuation, closed: closed)
        let first = try await socket.next()
        return (socket, first)
    }

    func send(_ text: String) { outgoing.yield(.text(text)) }
    func sendBinary(_ bytes: [UInt8]) { outgoing.yield(.binary(bytes)) }
    func sendRawText(_ bytes: [UInt8]) { outgoing.yield(.rawText(bytes)) }

    /// Closes from the client side and waits for the close handshake.
    func close() async {
        outgoing.finish()
        _ = try? await closed.value
    }

    /// The next event; fails (rather than hangs) if none comes within `limit`.
    func next(within limit: Duration = .seconds(15)) async throws -> ChatEvent {
        guard let frame = try await nextFrame(within: limit) else {
            // Surface why the client ended (e.g. a refused upgrade) rather than a bare "closed".
            _ = try await closed.value
            throw SocketError.closed
        }
        guard case .text(let text) = frame else { throw SocketError.unexpectedBinary }
        guard let event = ChatEvent(json: text) else { throw SocketError.notJSON(text) }
        return event
    }

    /// The next event of `type`, skipping others (join/leave of unrelated sockets).
    func next(_ type: String, within limit: Duration = .seconds(15)) async throws -> ChatEvent {
        while true {
            let event = try await next(within: limit)
            if event.type == type { return event }
        }
    }

    /// Waits for the server to close; returns the close frame.
    func waitForClose() async throws -> WebSocketCloseFrame? {
        while try await nextFrame(within: .seconds(15)) != nil {}
        return try await closed.value
    }

    private func nextFrame(within limit: Duration) async throws -> Received? {
        let box = iterator
        return try await withThrowingTaskGroup(of: Received?.self) { group in
            group.addTask {
                var iterator = box.iterator
                let value = await iterator.next()
                box.iterator = iterator
                return value
            }
            group.addTask {
                try await Task.sleep(for: limit)
                throw SocketError.timedOut
            }
            let result = try await group.next() ?? nil
            group.cancelAll()
            return result
        }
    }

    enum SocketError: Error {
        case closed
        case timedOut
        case unexpectedBinary
        case notJSON(String)
    }
}
