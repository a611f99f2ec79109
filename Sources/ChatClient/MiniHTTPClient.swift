import ChatModel
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/1.1 request per connection, on NIO, with TLS for https: all the terminal clients need
/// (log in, read a page of history) without an HTTP client library.
public enum MiniHTTPClient {
    public struct Response: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func headers(_ name: String) -> [String] {
            headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
        }

        /// The value of cookie `name` when a Set-Cookie header sets a non-empty one.
        public func cookie(_ name: String) -> String? {
            for header in headers("set-cookie") {
                let first = header.split(separator: ";", maxSplits: 1)[0]
                let parts = first.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name, !parts[1].isEmpty {
                    return String(parts[1])
                }
            }
            return nil
        }
    }

    static let maxBody = 4 << 20

    /// Sends one request and reads the whole response; every failure is a `ChatClientError`.
    public static func request(
        _ method: HTTPMethod, _ endpoint: ChatEndpoint, path: String, headers: [(String, String)] = [],
        body: [UInt8]? = nil, timeout: Duration = .seconds(10)
    ) async throws -> Response {
        let url = endpoint.description
        let channelBox = NIOLockedValueBox<(any Channel)?>(nil)
        do {
            return try await withDeadline(timeout, onTimeout: { channelBox.withLockedValue { $0?.close(promise: nil) } }) {
                let channel = try await connect(endpoint, timeout: timeout)
                channelBox.withLockedValue { $0 = channel.channel }
                return try await channel.executeThenClose { inbound, outbound in
                    var head = HTTPRequestHead(version: .http1_1, method: method, uri: endpoint.path(path))
                    head.headers.add(name: "Host", value: endpoint.authority)
                    head.headers.add(name: "User-Agent", value: "chatctl/\(ChatctlVersion.current)")
                    head.headers.add(name: "Connection", value: "close")
                    for (name, value) in headers { head.headers.add(name: name, value: value) }
                    if let body { head.headers.add(name: "Content-Length", value: "\(body.count)") }
                    do {
                        try await outbound.write(.head(head))
                        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                        try await outbound.write(.end(nil))
                    } catch ChannelError.ioOnClosedChannel {
                        // The channel closed under the request. Why (a failed TLS handshake, say) is what
                        // ended the inbound side; which of the two a caller sees first is a race.
                        for try await _ in inbound {}
                        throw ChannelError.ioOnClosedChannel
                    }
                    var response: Response?
                    for try await part in inbound {
                        switch part {
                        case .head(let head):
                            response = Response(status: Int(head.status.code), reason: head.status.reasonPhrase,
                                                headers: head.headers.map { ($0.name, $0.value) }, body: [])
                        case .body(let buffer):
                            guard response != nil, response!.body.count + buffer.readableBytes <= maxBody else {
                                throw ChatClientError.notAChatServer(url: url, detail: "response too large")
                            }
                            response!.body += buffer.readableBytesView
                        case .end:
                            if let response { return response }
                        }
                    }
                    throw ChatClientError.notAChatServer(url: url, detail: "the connection closed before a complete HTTP response")
                }
            }
        } catch let error as ChatClientError {
            throw error
        } catch is DeadlineExceeded {
            throw ChatClientError.timedOut(url: url, what: "\(method) \(path)")
        } catch let error as HTTPParserError {
            throw ChatClientError.notAChatServer(url: url, detail: "not an HTTP answer: \(error)")
        } catch let error as NIOSSLError {
            throw ChatClientError.unreachable(url: url, reason: "TLS failed: \(error)")
        } catch let error as BoringSSLError {
            throw ChatClientError.unreachable(url: url, reason: "TLS failed: \(error)")
        } catch {
            throw ChatClientError.unreachable(url: url, reason: describe(error))
        }
    }

    private static func connect(_ endpoint: ChatEndpoint, timeout: Duration) async throws
        -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    {
        let seconds = max(1, Int64(timeout.components.seconds))
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(seconds))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if endpoint.tls {
                        let context = try NIOSSLContext(configuration: ClientTLS.configuration())
                        let isAddress = (try? SocketAddress(ipAddress: endpoint.host, port: 0)) != nil
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : endpoint.host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// A short human reason for a connection failure ("connection refused", "host not found").
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH, ENETUNREACH: return "no route to host"
            default: return error.description
            }
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if error.dnsAAAAError != nil || error.dnsAError != nil { return "host \(error.host) not found" }
            return "could not connect to \(error.host):\(error.port)"
        }
        if let error = error as? SocketAddressError {
            return "host not found (\(error))"
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return "connection timed out"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
