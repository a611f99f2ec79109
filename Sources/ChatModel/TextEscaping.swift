import Foundation

/// The loop under JSON's and HTML's escapers.
package enum TextEscaping {
    /// Appends `text` to `out` with what `replacement` names replaced. It is asked at every UTF-8 byte and
    /// returns the replacement and the index after what it replaces, or nil to keep the byte; it may only
    /// match at an ASCII byte or a scalar's first byte (continuation bytes are 0x80–0xBF, never those).
    /// Plain runs are appended as whole slices: appending scalar by scalar was most of /api/messages' CPU.
    package static func append(_ text: String, to out: inout String, replacing replacement: (String, String.Index) -> (String, String.Index)?) {
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
