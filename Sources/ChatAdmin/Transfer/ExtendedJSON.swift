import ChatModel
import Foundation

public enum ExtendedJSON {
    /// Appends one message document (without a newline).
    public static func append(_ message: ChatMessage, format: ExtendedJSONFormat, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"_id":{"$oid":""#.utf8)
        out.append(contentsOf: message.id.hex.utf8)
        out.append(contentsOf: #""},"user":"#.utf8)
        appendString(message.user, to: &out)
        out.append(contentsOf: #","msg":"#.utf8)
        appendString(message.text, to: &out)
        out.append(contentsOf: #","time":"#.utf8)
        appendDate(milliseconds: message.time.millisecondsSince1970, format: format, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    public static func document(_ message: ChatMessage, format: ExtendedJSONFormat = .relaxed) -> String {
        var out: [UInt8] = []
        append(message, format: format, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func appendDate(milliseconds ms: Int64, format: ExtendedJSONFormat, to out: inout [UInt8]) {
        if format == .relaxed, let text = relaxedDate(milliseconds: ms) {
            out.append(contentsOf: #"{"$date":""#.utf8)
            out.append(contentsOf: text.utf8)
            out.append(contentsOf: #""}"#.utf8)
        } else {
            out.append(contentsOf: #"{"$date":{"$numberLong":""#.utf8)
            out.append(contentsOf: String(ms).utf8)
            out.append(contentsOf: #""}}"#.utf8)
        }
    }

    /// Go's `2006-01-02T15:04:05.999Z07:00` in UTC, or nil outside the years 1970-9999.
    public static func relaxedDate(milliseconds ms: Int64) -> String? {
        guard ms >= 0, ms <= 253_402_300_799_999 else { return nil }
        return isoDate(milliseconds: ms)
    }

    /// ISO-8601 in UTC with the fraction's trailing zeros dropped; any year from 0 to 9999.
    public static func isoDate(milliseconds ms: Int64) -> String {
        let (days, msOfDay) = floorDivMod(ms, 86_400_000)
        let (year, month, day) = CivilDate.fromDays(days)
        let seconds = msOfDay / 1000
        let millis = Int(msOfDay % 1000)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
        text += pad(Int(seconds / 3600), 2) + ":" + pad(Int(seconds / 60 % 60), 2) + ":" + pad(Int(seconds % 60), 2)
        if millis != 0 {
            var fraction = pad(millis, 3)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            text += "." + fraction
        }
        return text + "Z"
    }

    /// Escapes like the Go driver's `writeStringWithEscapes` with HTML escaping off (mongoexport's setting).
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        var utf8 = string.utf8.makeIterator()
        var pending: [UInt8] = []  // bytes of a multi-byte scalar being looked at for U+2028/2029
        while let byte = utf8.next() {
            if !pending.isEmpty || byte == 0xE2 {
                pending.append(byte)
                if pending.count < 3 { continue }
                if pending[0] == 0xE2 && pending[1] == 0x80 && (pending[2] == 0xA8 || pending[2] == 0xA9) {
                    out.append(contentsOf: Array(#"\u202"#.utf8))
                    out.append(pending[2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                } else {
                    out.append(contentsOf: pending)
                }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: Array(#"\u00"#.utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(contentsOf: pending)
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ string: String) -> String {
        var out: [UInt8] = []
        appendString(string, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        var q = a / b
        var r = a % b
        if r < 0 {
            q -= 1
            r += b
        }
        return (q, r)
    }
}
