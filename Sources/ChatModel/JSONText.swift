import Foundation

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
