@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing


/// The two escapers that put user text into responses: JSON (WebSocket events, /api/messages) and HTML
/// (the chat page's message list). Both work on UTF-8 bytes, so the cases below aim at byte boundaries.
@Suite("Text escaping")
struct TextEscapingTests {
    /// Escape characters next to combining marks, multi-byte neighbours of U+2028 (E2 80 A8), CRLF (one
    /// Character of two escaped bytes), lone controls, long runs, and the empty string.
    static let hostile = [
        "", "plain", "<\u{301}", "e\u{301}<", "\r\n", "a\r\nb", "\u{0}\u{1}\u{1F}\u{7F}", "\u{2028}", "\u{2029}",
        "…€\u{2027}\u{202A}", "x\u{2028}\u{2029}y", "\u{E2}", "<script>alert(\"x\")</script>", "o'brien & co",
        "é 漢字 😀 👩‍👩‍👧 🇫🇷", "\\\"\\", String(repeating: "<é>", count: 3000), "&amp;&lt;",
    ]

    @Test(arguments: hostile)
    func jsonQuotedTextParsesBackToTheSameString(_ text: String) throws {
        let quoted = JSONText.quoted(text)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(parsed == [text])
        for unsafe in ["<", ">", "&", "\u{2028}", "\u{2029}", "\n", "\r"] {
            #expect(!quoted.contains(unsafe), "\(unsafe.debugDescription) left raw in \(quoted.debugDescription)")
        }
        #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func jsonEscapesUseTheShortFormsWhereJSONHasThem() {
        #expect(JSONText.quoted("\"\\\n\r\t") == #""\"\\\n\r\t""#)
        #expect(JSONText.quoted("<>&\u{1}\u{7F}") == #""\u003c\u003e\u0026\u0001\u007f""#)
        #expect(JSONText.quoted("a\u{2028}b\u{2029}c…") == #""a\u2028b\u2029c…""#)
    }

    @Test(arguments: hostile)
    func htmlEscapedTextHasNoMarkupAndUnescapesToTheSameString(_ text: String) {
        var escaped = ""
        HTMLText.appendEscaped(text, to: &escaped)
        for unsafe in ["<", ">", "\"", "'"] {
            #expect(!escaped.contains(unsafe))
        }
        #expect(Self.unescapeHTML(Array(escaped.utf8)) == Array(text.utf8))
    }

    /// On bytes: Foundation's string replacement compares Characters, and "&lt;" + U+0301 is no match there.
    static func unescapeHTML(_ bytes: [UInt8]) -> [UInt8] {
        let entities: [([UInt8], UInt8)] = [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")]
            .map { (Array($0.utf8), UInt8(ascii: $1)) }
        var out: [UInt8] = []
        var index = 0
        scan: while index < bytes.count {
            for (entity, byte) in entities where bytes[index...].starts(with: entity) {
                out.append(byte)
                index += entity.count
                continue scan
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    @Test func theMessageListIsTheMarkupTheScriptBuilds() throws {
        let id = try #require(ObjectId(hex: "6543210fedcba98765432100"))
        let time = Date(millisecondsSince1970: 1_795_546_800_123)
        let messages = [
            ChatMessage(id: id, user: "o'brien", text: "<b>hi</b> & \"bye\"", time: time),
            ChatMessage(id: id, user: "bob", text: "é👩‍👩‍👧", time: time.addingTimeInterval(1)),
        ]
        #expect(MessageListHTML.render(messages) == """
            <li class="message" data-id="6543210fedcba98765432100"><time datetime="2026-11-24T19:00:00.123Z">[19:00:00]</time> \
            <span class="user">(o&#39;brien)</span> <span class="text">&lt;b&gt;hi&lt;/b&gt; &amp; &quot;bye&quot;</span></li>
            <li class="message" data-id="6543210fedcba98765432100"><time datetime="2026-11-24T19:00:01.123Z">[19:00:01]</time> \
            <span class="user">(bob)</span> <span class="text">é👩‍👩‍👧</span></li>

            """)
        #expect(MessageListHTML.render([ChatMessage]()) == "")
    }
}
