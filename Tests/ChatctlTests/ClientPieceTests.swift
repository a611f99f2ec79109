@testable import ChatClient
@testable import ChatModel
@testable import ChatServer
import Foundation
import Synchronization
import Testing

@Suite("terminal client: pieces")
struct ClientPieceTests {
    @Test func endpointsParse() throws {
        #expect(try ChatEndpoint(parsing: "http://127.0.0.1:8080") == ChatEndpoint(tls: false, host: "127.0.0.1", port: 8080))
        #expect(try ChatEndpoint(parsing: "https://chat.example.com/") == ChatEndpoint(tls: true, host: "chat.example.com", port: 443))
        #expect(try ChatEndpoint(parsing: "localhost:9000") == ChatEndpoint(tls: false, host: "localhost", port: 9000))
        #expect(try ChatEndpoint(parsing: "ws://[::1]:8443/chat") == ChatEndpoint(tls: false, host: "::1", port: 8443, basePath: "/chat"))
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "https://127.0.0.1:8443") }
        let endpoint = try ChatEndpoint(parsing: "wss://example.com:8443/chat/")
        #expect(endpoint.webSocketURL(since: "0123456789abcdef01234567") == "wss://example.com:8443/chat/ws?since=0123456789abcdef01234567")
        #expect(try ChatEndpoint(parsing: "http://example.com").webSocketURL(since: nil) == "ws://example.com/ws")
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "ftp://example.com") }
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "http://example.com:99999") }
        #expect(throws: ChatClientError.self) { try ChatEndpoint(parsing: "http://example.com/?x=1") }
        #expect(try ChatEndpoint.fromConfiguration(host: "0.0.0.0", port: "9000") == ChatEndpoint(tls: false, host: "127.0.0.1", port: 9000))
    }

    @Test func messagesFormatAsClockUserText() throws {
        let event = try #require(ChatEvent(json: #"{"type":"message","id":"0123456789abcdef01234567","user":"alice","text":"hi there","time":"2026-11-24T19:00:05.123Z"}"#))
        let line = try #require(EventFormatter(colors: false).line(for: event))
        #expect(line.wholeMatch(of: /\[\d\d:\d\d:05\] \(alice\) hi there/) != nil, "\(line)")
        let join = try #require(ChatEvent(json: #"{"type":"join","user":"bob","time":"2026-11-24T19:00:00.000Z"}"#))
        #expect(EventFormatter(colors: false).line(for: join)?.hasSuffix("] bob joined") == true)
        let dimmed = try #require(EventFormatter(colors: true).line(for: join))
        #expect(dimmed.hasPrefix("\u{1B}[2m") && dimmed.hasSuffix("\u{1B}[0m"))
        #expect(ChatEvent(json: "not json") == nil)
        #expect(ChatEvent(json: #"{"type":"reaction","emoji":"+1"}"#) == nil, "a newer server's event is skipped")
    }

    @Test func coloursOnlyOnATerminalWithoutNoColor() {
        #expect(EventFormatter.wantsColors(isTerminal: true, environment: ["TERM": "xterm"]))
        #expect(!EventFormatter.wantsColors(isTerminal: false, environment: ["TERM": "xterm"]))
        #expect(!EventFormatter.wantsColors(isTerminal: true, environment: ["TERM": "xterm", "NO_COLOR": "1"]))
    }

    @Test func controlCharactersCannotReachTheTerminal() throws {
        let sanitized = EventFormatter.sanitize("a\u{1B}[2Jb\r\nc\u{9B}d\u{202E}e")
        #expect(!sanitized.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) || $0 == "\u{202E}" })
        #expect(sanitized.hasPrefix("a\u{241B}[2Jb"))
    }

    @Test func historyMessagesReencodeExactlyAsTheServerSendsThem() throws {
        let message = ChatMessage(id: ObjectIdGenerator().next(), user: "al<ice>", text: "line\n\"quoted\" & more", time: Date())
        let json = #"{"messages":["# + ChatEvent.message(message).json + #"],"hasMore":false}"#
        let page = try #require(MessagePage(json: Array(json.utf8)))
        #expect(page.messages == [message])
        #expect(page.json == json)
    }

    @Test func backoffGrowsToItsCap() {
        let backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(10))
        #expect(backoff.delay(attempt: 1, jitter: 1) == .milliseconds(250))
        #expect(backoff.delay(attempt: 3, jitter: 1) == .milliseconds(1000))
        #expect(backoff.delay(attempt: 50, jitter: 1) == .seconds(10))
        #expect(backoff.delay(attempt: 3, jitter: 0.5) == .milliseconds(500))
    }

    @Test func seenIDsForgetTheOldestBeyondCapacity() {
        var seen = SeenIDs(capacity: 2)
        let results = ["a", "a", "b", "c", "a", "c"].map { seen.insert($0) }
        #expect(results == [true, false, true, true, true, false])
    }

    @Test func theBareWordCloseIsNotSent() {
        #expect(ChatConnection.problem(sending: "close") != nil)
        #expect(ChatConnection.problem(sending: "  ") != nil)
        #expect(ChatConnection.problem(sending: "close the door") == nil)
    }
}
