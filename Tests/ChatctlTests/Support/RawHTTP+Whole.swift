@testable import ChatModel
@testable import ChatAuth
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix
import Testing

extension RawHTTP {
    /// The whole response, up to the server's close.
    static func getWhole(port: Int, path: String, headers: HTTPFields) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            let socket = try RawSocket(port: port)
            defer { socket.close() }
            try socket.send(getRequest(port: port, path: path, headers: headers))
            return String(decoding: try socket.readAll(), as: UTF8.self)
        }
    }
}
