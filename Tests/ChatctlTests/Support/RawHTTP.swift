@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Plain sockets for what no client library will do: read a refused upgrade's status, or never read at all.
/// Blocking calls run on NIO's thread pool, never on the cooperative pool the server also uses.
enum RawHTTP {
    static func get(port: Int, path: String, headers: HTTPFields) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            try socket.send(getRequest(port: port, path: path, headers: headers))
            return String(decoding: try socket.receive(upTo: 4096), as: UTF8.self)
        }
    }

    /// A WebSocket upgrade request's own headers (RFC 6455's sample key), without a cookie or origin.
    static let upgradeHeaders: HTTPFields = [
        .upgrade: "websocket", .connection: "Upgrade", .secWebSocketVersion: "13",
        .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
    ]

    static func getRequest(port: Int, path: String, headers: HTTPFields) -> [UInt8] {
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for field in headers { request += "\(field.name.rawName): \(field.value)\r\n" }
        request += "\r\n"
        return Array(request.utf8)
    }
}

extension RawHTTP {
    static func post(port: Int, path: String, body: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            try socket.send(Array(request.utf8))
            return String(decoding: try socket.receive(upTo: 8192), as: UTF8.self)
        }
    }
}

enum RawWebSocket {
    /// Upgrades, then never reads again, with a tiny receive buffer: the slowest possible client.
    static func connectWithoutReading(port: Int, cookie: String) async throws -> RawSocket {
        try await connect(port: port, cookie: cookie, receiveBuffer: 4096)
    }

    /// Upgrades over a plain socket and returns it once the 101 has been read.
    static func connect(port: Int, cookie: String, receiveBuffer: Int32? = nil) async throws -> RawSocket {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port, receiveBuffer: receiveBuffer)
            var headers = RawHTTP.upgradeHeaders
            headers[.cookie] = "\(SessionCookie.name)=\(cookie)"
            try socket.send(RawHTTP.getRequest(port: port, path: "/ws", headers: headers))
            let response = String(decoding: try socket.receive(upTo: 512), as: UTF8.self)
            guard response.hasPrefix("HTTP/1.1 101") else { throw RawSocket.Failure.refused(response) }
            return socket
        }
    }
}

enum SessionCookie {
    static let name = "chat_session"
}

/// 127.0.0.1:`port`, as bind(2) and connect(2) take it.
func withLoopbackAddress<T>(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}

final class RawSocket: Sendable {
    enum Failure: Error {
        case system(String)
        case refused(String)
    }

    let descriptor: Int32

    init(port: Int, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.system("socket") }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withLoopbackAddress(port: port) { connect(descriptor, $0, $1) }
        guard result == 0 else {
            Glibc.close(descriptor)
            throw Failure.system("connect")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure.system("send") }
            offset += sent
        }
    }

    /// Reads what arrives until the peer closes, `limit` bytes arrive, or a response head is complete.
    func receive(upTo limit: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1)
        while result.count < limit {
            let count = recv(descriptor, &buffer, 1, 0)
            if count <= 0 { break }
            result.append(buffer[0])
            if result.suffix(4) == [13, 10, 13, 10] { break }
        }
        return result
    }

    func close() {
        Glibc.close(descriptor)
    }
}
