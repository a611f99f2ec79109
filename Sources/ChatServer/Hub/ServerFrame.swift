import Foundation
import NIOCore

/// Server-to-client WebSocket frames, encoded once and written to many channels below the frame encoder.
public enum ServerFrame {
    public static func text(_ payload: String, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.utf8.count + 10)
        appendText(payload, to: &buffer)
        return buffer
    }

    public static func appendText(_ payload: String, to buffer: inout ByteBuffer) {
        appendHeader(opcode: 0x1, length: payload.utf8.count, to: &buffer)
        buffer.writeString(payload)
    }

    public static func close(code: UInt16, reason: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        let reasonBytes = Array(reason.utf8.prefix(120))
        appendHeader(opcode: 0x8, length: 2 + reasonBytes.count, to: &buffer)
        buffer.writeInteger(code)
        buffer.writeBytes(reasonBytes)
        return buffer
    }

    static func appendHeader(opcode: UInt8, length: Int, to buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | opcode)
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }
}
