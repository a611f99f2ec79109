import ChatModel
import Foundation
import Mustache

public enum HTMLText {
    /// Appends `text` with `<`, `>`, `&`, `"` and `'` escaped: safe in element content and quoted attributes.
    public static func appendEscaped(_ text: String, to out: inout String) {
        TextEscaping.append(text, to: &out) { text, index in
            let escape: String
            switch text.utf8[index] {
            case UInt8(ascii: "<"): escape = "&lt;"
            case UInt8(ascii: ">"): escape = "&gt;"
            case UInt8(ascii: "&"): escape = "&amp;"
            case UInt8(ascii: "\""): escape = "&quot;"
            case UInt8(ascii: "'"): escape = "&#39;"
            default: return nil
            }
            return (escape, text.utf8.index(after: index))
        }
    }
}
