@testable import ChatModel
@testable import ChatAuth
@testable import ChatServer
import Foundation
import HTTPTypes
import NIOCore
import NIOPosix
import Testing

extension RawSocket {
    func read(atMost count: Int) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = recv(descriptor, &buffer, count, 0)
        guard received >= 0 else { throw Failure.system("recv") }
        return Array(buffer.prefix(received))
    }

    /// Everything until the server closes the connection.
    func readAll() throws -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = try read(atMost: 4096), !chunk.isEmpty { result += chunk }
        return result
    }

    func readToEnd() async throws -> [UInt8] {
        try await NIOThreadPool.singleton.runIfActive { try self.readAll() }
    }

    func readExactly(_ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        while result.count < count {
            guard let chunk = try read(atMost: count - result.count), !chunk.isEmpty else { throw Failure.system("closed") }
            result += chunk
        }
        return result
    }

    /// One unmasked server frame.
    func readFrame() async throws -> (opcode: UInt8, payload: [UInt8]) {
        try await NIOThreadPool.singleton.runIfActive {
            let header = try self.readExactly(2)
            var length = Int(header[1] & 0x7F)
            if length == 126 {
                length = try self.readExactly(2).reduce(0) { $0 << 8 | Int($1) }
            } else if length == 127 {
                length = try self.readExactly(8).reduce(0) { $0 << 8 | Int($1) }
            }
            return (header[0] & 0x0F, try self.readExactly(length))
        }
    }

    /// Any client frame as it goes on the wire (see `WebSocketWire.clientFrame`: long payloads, reserved bits,
    /// reserved opcodes, no mask).
    func send(frame: ByteBuffer) async throws {
        let bytes = Array(frame.readableBytesView)
        try await NIOThreadPool.singleton.runIfActive { try self.send(bytes) }
    }

    /// One masked client frame (payloads under 126 bytes).
    func sendFrame(opcode: UInt8, fin: Bool = true, payload: [UInt8]) async throws {
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        let frame: [UInt8] = [(fin ? 0x80 : 0) | opcode, 0x80 | UInt8(payload.count)] + mask
            + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try await NIOThreadPool.singleton.runIfActive { try self.send(frame) }
    }
}
