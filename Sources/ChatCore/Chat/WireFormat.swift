import Foundation
import NIOCore

/// What the server sends over the WebSocket: one JSON object per text frame (SPEC, WebSocket protocol).
public enum ChatEvent: Sendable, Equatable {
    case message(ChatMessage)
    case join(user: String, time: Date)
    case leave(user: String, time: Date)
    case presence(users: [String])
    case error(String)

    /// The JSON text, written by hand: this runs once per broadcast on the hot path.
    public var json: String {
        var out = ""
        out.reserveCapacity(96)
        switch self {
        case .message(let message):
            out += #"{"type":"message","id":""#
            out += message.id.hex
            out += #"","user":"#
            JSONText.appendQuoted(message.user, to: &out)
            out += #","text":"#
            JSONText.appendQuoted(message.text, to: &out)
            out += #","time":""#
            out += ISO8601Millis.format(message.time)
            out += #""}"#
        case .join(let user, let time), .leave(let user, let time):
            out += #"{"type":""#
            if case .join = self { out += "join" } else { out += "leave" }
            out += #"","user":"#
            JSONText.appendQuoted(user, to: &out)
            out += #","time":""#
            out += ISO8601Millis.format(time)
            out += #""}"#
        case .presence(let users):
            out += #"{"type":"presence","users":["#
            for (index, user) in users.enumerated() {
                if index > 0 { out += "," }
                JSONText.appendQuoted(user, to: &out)
            }
            out += "]}"
        case .error(let reason):
            out += #"{"type":"error","error":"#
            JSONText.appendQuoted(reason, to: &out)
            out += "}"
        }
        return out
    }
}

public enum JSONText {
    /// Appends `text` as a JSON string literal. `<`, `>`, `&` and U+2028/9 are escaped too, so the
    /// output is safe wherever it lands (a script, an HTML attribute).
    public static func appendQuoted(_ text: String, to out: inout String) {
        out.append("\"")
        let bytes = text.utf8
        var plainStart = bytes.startIndex
        var index = plainStart
        // Plain runs are appended as whole slices: scalar-by-scalar appending was most of /api/messages' CPU.
        while index != bytes.endIndex {
            let byte = bytes[index]
            var next = bytes.index(after: index)
            let escape: String?
            switch byte {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x7F: escape = unicodeEscape(UInt32(byte))
            case 0xE2:
                // U+2028 and U+2029 (E2 80 A8/A9) end a line in JavaScript.
                var lookahead = next
                if lookahead != bytes.endIndex, bytes[lookahead] == 0x80 {
                    lookahead = bytes.index(after: lookahead)
                    if lookahead != bytes.endIndex, bytes[lookahead] == 0xA8 || bytes[lookahead] == 0xA9 {
                        escape = unicodeEscape(bytes[lookahead] == 0xA8 ? 0x2028 : 0x2029)
                        next = bytes.index(after: lookahead)
                    } else {
                        escape = nil
                    }
                } else {
                    escape = nil
                }
            default: escape = nil
            }
            if let escape {
                out += text[plainStart..<index]
                out += escape
                plainStart = next
            }
            index = next
        }
        out += text[plainStart..<bytes.endIndex]
        out.append("\"")
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    public static func quoted(_ text: String) -> String {
        var out = ""
        appendQuoted(text, to: &out)
        return out
    }
}

/// `2026-11-24T19:00:00.123Z`, without Foundation's formatter cost.
public enum ISO8601Millis {
    public static func format(_ date: Date) -> String {
        let ms = date.millisecondsSince1970
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

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
