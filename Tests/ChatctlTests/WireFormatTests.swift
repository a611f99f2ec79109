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
