@testable import ChatAdmin
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing

@Suite struct ExtendedJSONTests {
    let id = ObjectId(hex: "5f1d7a3b2c4e5f6a7b8c9d0e")!

    func message(_ text: String = "hi", user: String = "alice", ms: Int64 = 1_795_546_800_123) -> ChatMessage {
        ChatMessage(id: id, user: user, text: text, time: Date(millisecondsSince1970: ms))
    }

    @Test func relaxedIsWhatMongoexportWrites() {
        #expect(ExtendedJSON.document(message()) ==
            #"{"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d0e"},"user":"alice","msg":"hi","time":{"$date":"2026-11-24T19:00:00.123Z"}}"#)
    }

    @Test func canonicalDatesAreNumberLong() {
        #expect(ExtendedJSON.document(message(), format: .canonical) ==
            #"{"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d0e"},"user":"alice","msg":"hi","time":{"$date":{"$numberLong":"1795546800123"}}}"#)
    }

    @Test(arguments: [
        (Int64(1_795_546_800_000), #"{"$date":"2026-11-24T19:00:00Z"}"#),
        (1_795_546_800_100, #"{"$date":"2026-11-24T19:00:00.1Z"}"#),
        (1_795_546_800_120, #"{"$date":"2026-11-24T19:00:00.12Z"}"#),
        (0, #"{"$date":"1970-01-01T00:00:00Z"}"#),
        (-1, #"{"$date":{"$numberLong":"-1"}}"#),
        (-86_400_000 * 365, #"{"$date":{"$numberLong":"-31536000000"}}"#),
        (253_402_300_799_999, #"{"$date":"9999-12-31T23:59:59.999Z"}"#),
        (253_402_300_800_000, #"{"$date":{"$numberLong":"253402300800000"}}"#),
        (951_782_400_000, #"{"$date":"2000-02-29T00:00:00Z"}"#),
    ] as [(Int64, String)])
    func relaxedDates(ms: Int64, expected: String) {
        var out: [UInt8] = []
        ExtendedJSON.appendDate(milliseconds: ms, format: .relaxed, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func stringsAreEscapedLikeTheGoDriver() {
        #expect(ExtendedJSON.quoted("a\"b\\c\n\r\t\u{8}\u{C}\u{1}\u{1F}\u{7F}") == #""a\"b\\c\n\r\t\b\f\u0001\u001f"# + "\u{7F}\"")
        #expect(ExtendedJSON.quoted("<b>&amp;</b> é 😀 /") == "\"<b>&amp;</b> é 😀 /\"")
        #expect(ExtendedJSON.quoted("x\u{2028}y\u{2029}z") == #""x\u2028y\u2029z""#)
        #expect(ExtendedJSON.quoted("\u{2027}\u{202A}") == "\"\u{2027}\u{202A}\"")
    }

    @Test(arguments: [
        "plain", "quotes \" and \\ backslashes", "new\nline\ttab\r", "\u{0}\u{1}\u{1F}", "é ü ß 漢字 😀 👩‍👩‍👧",
        "\u{2028}\u{2029}", "<script>alert(1)</script>", String(repeating: "x", count: 4096),
    ])
    func roundTripsText(text: String) throws {
        for format in ExtendedJSONFormat.allCases {
            let original = message(text)
            let line = ExtendedJSON.document(original, format: format)
            #expect(!line.contains("\n"))
            let parsed = try MessageDocumentReader(maxMessageBytes: 1 << 20).message(from: Array(line.utf8))
            #expect(parsed == original)
        }
    }

    @Test(arguments: [Int64(0), 1, -1, -1000, 1_795_546_800_123, -62_135_596_800_000, -62_135_596_800_001, 253_402_300_799_999,
                      253_402_300_800_000, 8_640_000_000_000_000, -8_640_000_000_000_000, 1_000_000_000_000_000] as [Int64])
    func roundTripsDates(ms: Int64) throws {
        for format in ExtendedJSONFormat.allCases {
            let original = message(ms: ms)
            #expect(original.time.millisecondsSince1970 == ms)
            let parsed = try MessageDocumentReader().message(from: Array(ExtendedJSON.document(original, format: format).utf8))
            #expect(parsed.time.millisecondsSince1970 == ms)
            #expect(parsed == original)
        }
    }

    @Test func millisecondsSurviveDateArithmetic() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100_000 {
            let ms = Int64.random(in: -8_000_000_000_000_000...8_000_000_000_000_000, using: &generator) / Int64.random(in: 1...100_000, using: &generator)
            #expect(Date(millisecondsSince1970: ms).millisecondsSince1970 == ms)
        }
    }

    @Test(arguments: [
        ("2026-11-24T19:00:00.123Z", Int64(1_795_546_800_123)),
        ("2026-11-24T19:00:00Z", 1_795_546_800_000),
        ("2026-11-24T19:00:00.1234567Z", 1_795_546_800_123),
        ("2026-11-24T20:00:00+01:00", 1_795_546_800_000),
        ("2026-11-24T18:30:00-0030", 1_795_546_800_000),
        ("2026-11-24T19:00:00", 1_795_546_800_000),
        ("2026-11-24 19:00:00.5Z", 1_795_546_800_500),
        ("2026-11-24", 1_795_478_400_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000),
    ] as [(String, Int64)])
    func parsesISODates(text: String, ms: Int64) {
        #expect(ISO8601Millis.parse(text) == ms)
    }

    @Test(arguments: ["", "2026", "2026-13-01", "2026-02-30", "2026-11-24T25:00:00Z", "2026-11-24T19:00:00.Z", "2026-11-24T19:00:00Q",
                      "2026-11-24T19:00:00Z junk", "yesterday", "24-11-2026"])
    func rejectsBadISODates(text: String) {
        #expect(ISO8601Millis.parse(text) == nil)
    }

    @Test func acceptsEveryDateForm() throws {
        let reader = MessageDocumentReader()
        let forms = [
            #"{"$date":"2026-11-24T19:00:00.123Z"}"#,
            #"{"$date":"2026-11-24T20:00:00.123+01:00"}"#,
            #"{"$date":{"$numberLong":"1795546800123"}}"#,
            #"{"$date":1795546800123}"#,
            #""2026-11-24T19:00:00.123Z""#,
        ]
        for form in forms {
            let doc = #"{"_id":{"$oid":"5f1d7a3b2c4e5f6a7b8c9d0e"},"user":"alice","msg":"hi","time":"# + form + "}"
            #expect(try reader.message(from: Array(doc.utf8)) == message(), "\(form)")
        }
        let bareId = #"{"_id":"5f1d7a3b2c4e5f6a7b8c9d0e","user":"alice","msg":"hi","time":{"$date":"2026-11-24T19:00:00.123Z"}}"#
        #expect(try reader.message(from: Array(bareId.utf8)) == message())
    }

    @Test func missingIdIsDerivedFromTheContent() throws {
        let doc = Array(#"{"user":"alice","msg":"hi","time":{"$date":"2026-11-24T19:00:00.123Z"}}"#.utf8)
        let reader = MessageDocumentReader()
        let first = try reader.message(from: doc)
        let second = try reader.message(from: doc)
        #expect(first.id == second.id)
        #expect(first.id.timestamp == Date(timeIntervalSince1970: 1_795_546_800))
        let other = try reader.message(from: Array(#"{"user":"alice","msg":"hi!","time":{"$date":"2026-11-24T19:00:00.123Z"}}"#.utf8))
        #expect(other.id != first.id)
    }

    @Test(arguments: [
        ("", "malformed JSON"),
        ("{", "malformed JSON"),
        ("not json", "malformed JSON"),
        (#"{"user":"a","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"}} x"#, "malformed JSON"),
        (#"{"user":"a","user":"b","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "duplicate field"),
        ("[1,2]", "expected a JSON object"),
        (#"{"msg":"b","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "missing field \"user\""),
        (#"{"user":"a","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "missing field \"msg\""),
        (#"{"user":"a","msg":"b"}"#, "missing field \"time\""),
        (#"{"user":1,"msg":"b","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "\"user\" must be a string, found a number"),
        (#"{"user":"a","msg":null,"time":{"$date":"2026-11-24T19:00:00Z"}}"#, "\"msg\" must be a string, found null"),
        (#"{"user":"","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "\"user\" is empty"),
        (#"{"user":"a","msg":"","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "\"msg\" is empty"),
        (#"{"user":"a","msg":"b","time":1795546800123}"#, "\"time\" must be a date"),
        (#"{"user":"a","msg":"b","time":{"$date":"soon"}}"#, "not an ISO-8601 date"),
        (#"{"user":"a","msg":"b","time":{"$date":{"$numberLong":1}}}"#, "$numberLong must be a string"),
        (#"{"user":"a","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"},"_id":{"$oid":"xyz"}}"#, "24 hexadecimal digits"),
        (#"{"user":"a","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"},"_id":42}"#, "\"_id\" must be an ObjectId"),
        (#"{"user":"a","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"},"room":"x"}"#, "unknown field \"room\""),
        (#"{"user":"a","msg":"\ud800","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "lone surrogate"),
        (#"{"user":"a","msg":"\q","time":{"$date":"2026-11-24T19:00:00Z"}}"#, "invalid escape"),
        ("{\"user\":\"a\",\"msg\":\"tab\there\",\"time\":{\"$date\":\"2026-11-24T19:00:00Z\"}}", "unescaped control character"),
    ] as [(String, String)])
    func rejectsWithAReason(document: String, reason: String) {
        #expect {
            _ = try MessageDocumentReader().message(from: Array(document.utf8))
        } throws: { error in
            (error as? MessageDocumentReader.Rejection)?.reason.contains(reason) == true
        }
    }

    @Test func rejectsInvalidUTF8() {
        var bytes = Array(#"{"user":"a","msg":""#.utf8)
        bytes += [0xC3, 0x28]
        bytes += Array(#"","time":{"$date":"2026-11-24T19:00:00Z"}}"#.utf8)
        #expect(throws: MessageDocumentReader.Rejection.self) { try MessageDocumentReader().message(from: bytes) }
    }

    @Test func enforcesSizeLimits() throws {
        let long = String(repeating: "é", count: 2049)  // 4098 bytes
        let doc = #"{"user":"a","msg":"\#(long)","time":{"$date":"2026-11-24T19:00:00Z"}}"#
        #expect(throws: MessageDocumentReader.Rejection.self) { try MessageDocumentReader(maxMessageBytes: 4096).message(from: Array(doc.utf8)) }
        #expect(try MessageDocumentReader(maxMessageBytes: 5000).message(from: Array(doc.utf8)).text == long)
        let user = String(repeating: "u", count: 257)
        let doc2 = #"{"user":"\#(user)","msg":"m","time":{"$date":"2026-11-24T19:00:00Z"}}"#
        #expect(throws: MessageDocumentReader.Rejection.self) { try MessageDocumentReader().message(from: Array(doc2.utf8)) }
    }

    @Test func ignoresUnknownFieldsWhenAsked() throws {
        let doc = #"{"user":"a","msg":"b","time":{"$date":"2026-11-24T19:00:00Z"},"__v":0}"#
        #expect(try MessageDocumentReader(ignoreUnknownFields: true).message(from: Array(doc.utf8)).text == "b")
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
    }

    @Test func timeSpecs() throws {
        let now = Date(millisecondsSince1970: 1_795_546_800_000)
        let day = try #require(TimeSpec.parse("24h", now: now))
        let week = try #require(TimeSpec.parse("7d", now: now))
        #expect(day.millisecondsSince1970 == 1_795_460_400_000)
        #expect(week.millisecondsSince1970 == 1_794_942_000_000)
        #expect(TimeSpec.parse("2026-11-24", now: now)?.millisecondsSince1970 == 1_795_478_400_000)
        #expect(TimeSpec.parse("banana", now: now) == nil)
        #expect(TimeSpec.parse("12", now: now) == nil)
    }
}
