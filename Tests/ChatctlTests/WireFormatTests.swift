@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing

@Suite("Wire format")
struct WireFormatTests {
    @Test func eventsAreCompactJSON() throws {
        let id = try #require(ObjectId(hex: "6543210fedcba98765432100"))
        let time = Date(millisecondsSince1970: 1_795_546_800_123)
        let message = ChatEvent.message(ChatMessage(id: id, user: "alice", text: "hi \"there\"\n<b>&", time: time))
        #expect(message.json == #"{"type":"message","id":"6543210fedcba98765432100","user":"alice","text":"hi \"there\"\n\u003cb\u003e\u0026","time":"2026-11-24T19:00:00.123Z"}"#)
        #expect(ChatEvent.presence(users: ["a", "b"]).json == #"{"type":"presence","users":["a","b"]}"#)
        #expect(ChatEvent.error(code: .tooLong, message: "too long").json == #"{"type":"error","code":"too_long","error":"too long"}"#)
        #expect(ChatEvent.join(user: "x", time: time).json.hasPrefix(#"{"type":"join","user":"x","time":"#))
        for event in [message, .leave(user: "é😀\u{1}\u{2028}", time: time)] {
            let object = try JSONSerialization.jsonObject(with: Data(event.json.utf8)) as? [String: Any]
            #expect(object?["type"] != nil)
        }
    }

    @Test func datesFormatAcrossTheRange() {
        #expect(ISO8601Millis.format(Date(millisecondsSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Millis.format(Date(millisecondsSince1970: -1)) == "1969-12-31T23:59:59.999Z")
        #expect(ISO8601Millis.format(Date(millisecondsSince1970: 253_402_300_799_999)) == "9999-12-31T23:59:59.999Z")
    }

    @Test func serverFramesHaveTheRightLengthEncoding() {
        for (length, headerSize) in [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let frame = ServerFrame.text(String(repeating: "a", count: length))
            #expect(frame.readableBytes == length + headerSize)
            #expect(frame.getInteger(at: 0, as: UInt8.self) == 0x81)
        }
        let close = ServerFrame.close(code: 1001, reason: "bye")
        #expect(Array(close.readableBytesView) == [0x88, 5, 0x03, 0xE9, 0x62, 0x79, 0x65])
    }

    @Test func closeFramesNeverCarryACodeThatMayNotBeSent() {
        // RFC 6455 §7.4.1: 1005 and 1006 (and 1015) are for reporting, never sent; nor are the undefined ones.
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            let frame = ServerFrame.close(code: code, reason: "")
            #expect(Array(frame.readableBytesView) == [0x88, 2, 0x03, 0xF3], "\(code) goes out as 1011")
        }
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4401, 4999] {
            #expect(ServerFrame.isValidCloseCode(code))
            #expect(ServerFrame.close(code: code, reason: "").getInteger(at: 2, as: UInt16.self) == code)
        }
    }

    @Test func aLongCloseReasonIsCutBetweenCharactersToFitAControlFrame() {
        for reason in [String(repeating: "a", count: 200), String(repeating: "é", count: 100), String(repeating: "😀", count: 40),
                       "a" + String(repeating: "😀", count: 40)] {
            let frame = ServerFrame.close(code: 1000, reason: reason)
            let length = Int(frame.getInteger(at: 1, as: UInt8.self)!)
            #expect(length <= 125, "a control frame's payload")
            #expect(frame.readableBytes == 2 + length)
            let cut = frame.getBytes(at: 4, length: length - 2)!
            let text = String(validating: cut, as: UTF8.self)
            #expect(text != nil, "still UTF-8")
            #expect(text.map { reason.hasPrefix($0) && $0.utf8.count > 119 } == true, "as much as fits")
        }
    }

    @Test func objectIdsParseAndOrder() throws {
        let generator = ObjectIdGenerator()
        let ids = (0..<1000).map { _ in generator.next() }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == 1000)
        for id in ids.prefix(10) { #expect(ObjectId(hex: id.hex) == id) }
        #expect(ObjectId(hex: "6543210FEDCBA98765432100")?.hex == "6543210fedcba98765432100")
        for bad in ["", "123", "zz43210fedcba98765432100", "6543210fedcba987654321000", "6543210fedcba9876543210 "] {
            #expect(ObjectId(hex: bad) == nil)
        }
        let stamped = generator.next(at: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(stamped.timestamp == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func rateLimiterAllowsBurstThenRate() {
        let start = ContinuousClock.now
        var limiter = RateLimiter(rate: 2, burst: 3, now: start)
        #expect((0..<5).map { _ in limiter.allow(now: start) } == [true, true, true, false, false])
        let later = [limiter.allow(now: start + .milliseconds(500)), limiter.allow(now: start + .milliseconds(600)),
                     limiter.allow(now: start + .seconds(10))]
        #expect(later == [true, false, true])
    }
}
