@testable import ChatModel
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

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
