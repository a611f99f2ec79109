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
        TextEscaping.append(text, to: &out) { text, index in
            let byte = text.utf8[index]
            let escape: String
            switch byte {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x7F: escape = unicodeEscape(UInt32(byte))
            case 0xE2:
                // U+2028 and U+2029 (E2 80 A8/A9) end a line in JavaScript.
                let scalar = text.unicodeScalars[index]
                guard scalar == "\u{2028}" || scalar == "\u{2029}" else { return nil }
                return (unicodeEscape(scalar.value), text.unicodeScalars.index(after: index))
            default: return nil
            }
            return (escape, text.utf8.index(after: index))
        }
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

/// The loop under JSON's and HTML's escapers.
enum TextEscaping {
    /// Appends `text` to `out` with what `replacement` names replaced. It is asked at every UTF-8 byte and
    /// returns the replacement and the index after what it replaces, or nil to keep the byte; it may only
    /// match at an ASCII byte or a scalar's first byte (continuation bytes are 0x80–0xBF, never those).
    /// Plain runs are appended as whole slices: appending scalar by scalar was most of /api/messages' CPU.
    static func append(_ text: String, to out: inout String, replacing replacement: (String, String.Index) -> (String, String.Index)?) {
        let bytes = text.utf8
        var plainStart = bytes.startIndex
        var index = plainStart
        while index != bytes.endIndex {
            if let (escape, next) = replacement(text, index) {
                out += text[plainStart..<index]
                out += escape
                plainStart = next
                index = next
            } else {
                index = bytes.index(after: index)
            }
        }
        out += text[plainStart..<bytes.endIndex]
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
