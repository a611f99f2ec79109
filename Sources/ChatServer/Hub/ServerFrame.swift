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

    /// A close frame with `code` and as much of `reason` as fits a control frame (123 bytes, cut between
    /// characters, so it stays UTF-8). A code that may not be sent (`isValidCloseCode`: e.g. 1005 or 1006,
    /// which RFC 6455 §7.4.1 reserves for "no code" and "no close frame") goes out as 1011.
    public static func close(code: UInt16, reason: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        var length = 0
        for scalar in reason.unicodeScalars {
            guard length + scalar.utf8.count <= 123 else { break }
            length += scalar.utf8.count
        }
        let reasonBytes = Array(reason.utf8.prefix(length))
        appendHeader(opcode: 0x8, length: 2 + reasonBytes.count, to: &buffer)
        buffer.writeInteger(isValidCloseCode(code) ? code : 1011)
        buffer.writeBytes(reasonBytes)
        return buffer
    }

    /// The close codes allowed in a close frame (RFC 6455 §7.4): those defined (1000–1003, 1007–1011) and
    /// registered since (1012–1014), and 3000–4999 (libraries, applications). Never 0–999, 1004 (reserved),
    /// 1005, 1006, 1015 (for reports only, never on the wire), 1016–2999 (unassigned), 5000 and up.
    public static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
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
