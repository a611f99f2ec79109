@testable import ChatServer
import Foundation
import HTTPTypes
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

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
