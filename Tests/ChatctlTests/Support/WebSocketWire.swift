@testable import ChatModel
import NIOCore
import NIOEmbedded
import NIOWebSocket

/// WebSocket frames as bytes, for tests that read and write a channel below the frame codec: what the server
/// wrote is decoded by NIO's own `WebSocketFrameDecoder` (not by the server's encoder run backwards), and
/// client frames are masked as RFC 6455 requires of a client.
enum WebSocketWire {
    enum Failure: Error, CustomStringConvertible {
        case leftoverBytes(Int)
        case notText(WebSocketOpcode)
        case notAnEvent(String)

        var description: String {
            switch self {
            case .leftoverBytes(let count): "\(count) bytes after the last whole frame"
            case .notText(let opcode): "a \(opcode) frame where a text frame was expected"
            case .notAnEvent(let text): "a text frame that is no chat event: \(text)"
            }
        }
    }

    /// Every frame in `bytes`, which must end on a frame boundary.
    static func decode(_ bytes: ByteBuffer) throws -> [WebSocketFrame] {
        let decoder = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 24)))
        defer { _ = try? decoder.finish(acceptAlreadyClosed: true) }
        try decoder.writeInbound(bytes)
        var frames: [WebSocketFrame] = []
        while let frame = try decoder.readInbound(as: WebSocketFrame.self) { frames.append(frame) }
        let decoded = frames.reduce(0) { $0 + headerLength($1.length) + $1.length }
        guard decoded == bytes.readableBytes else { throw Failure.leftoverBytes(bytes.readableBytes - decoded) }
        return frames
    }

    /// The chat event of each frame, all of which must be text.
    static func events(_ frames: [WebSocketFrame]) throws -> [ChatEvent] {
        try frames.map { frame in
            guard frame.opcode == .text else { throw Failure.notText(frame.opcode) }
            let text = String(buffer: frame.unmaskedData)
            guard let event = ChatEvent(json: text) else { throw Failure.notAnEvent(text) }
            return event
        }
    }

    /// The status code of a close frame, nil when it has none.
    static func closeCode(_ frame: WebSocketFrame) -> UInt16? {
        var data = frame.unmaskedData
        return frame.opcode == .connectionClose ? data.readInteger(as: UInt16.self) : nil
    }

    /// The reason text of a close frame that has a status code.
    static func closeReason(_ frame: WebSocketFrame) -> String? {
        var data = frame.unmaskedData
        guard frame.opcode == .connectionClose, data.readInteger(as: UInt16.self) != nil else { return nil }
        return data.readString(length: data.readableBytes)
    }

    /// A client's frame, masked as RFC 6455 requires unless `masked` is false; `rsv` is ORed into the first
    /// byte (0x40, 0x20, 0x10: RSV1, RSV2, RSV3).
    static func clientFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
                            masked: Bool = true) -> ByteBuffer {
        clientFrame(rawOpcode: UInt8(webSocketOpcode: opcode), payload, fin: fin, rsv: rsv, masked: masked)
    }

    /// A client's frame with any 4-bit opcode, the reserved ones (0x3–0x7, 0xB–0xF) too.
    static func clientFrame(rawOpcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
                            masked: Bool = true) -> ByteBuffer {
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        let maskBit: UInt8 = masked ? 0x80 : 0
        var buffer = ByteBuffer()
        buffer.writeInteger((fin ? 0x80 : 0) | rsv | rawOpcode)
        if payload.count < 126 {
            buffer.writeInteger(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            buffer.writeInteger(UInt8(maskBit | 126))
            buffer.writeInteger(UInt16(payload.count))
        } else {
            buffer.writeInteger(UInt8(maskBit | 127))
            buffer.writeInteger(UInt64(payload.count))
        }
        if masked {
            buffer.writeBytes(mask)
            buffer.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        } else {
            buffer.writeBytes(payload)
        }
        return buffer
    }

    /// A close frame's payload: the code (big-endian) and then the reason's bytes.
    static func closePayload(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + reason
    }

    /// Only the header of a client's frame that announces `length` payload bytes.
    static func clientHeader(_ opcode: WebSocketOpcode, announcing length: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        buffer.writeInteger(UInt8(0x80 | 127))
        buffer.writeInteger(UInt64(length))
        buffer.writeBytes([0x37, 0xFA, 0x21, 0x3D])
        return buffer
    }

    /// An unmasked frame's header length for a payload of `length` bytes.
    private static func headerLength(_ length: Int) -> Int {
        length < 126 ? 2 : length <= 0xFFFF ? 4 : 10
    }
}
