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
