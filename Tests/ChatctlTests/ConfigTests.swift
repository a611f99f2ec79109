@testable import ChatAuth
@testable import ChatConfig
@testable import ChatModel
@testable import ChatServer
import Foundation
import Testing


@Suite("Configuration")
struct ConfigTests {
    private func loader(flags: [String: String] = [:], env: [String: String] = [:], file: String? = nil) throws -> ConfigLoader {
        var path: String?
        if let file {
            path = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent(".env")
            try file.write(toFile: path!, atomically: true, encoding: .utf8)
        }
        return ConfigLoader(flags: flags, environment: env, envFile: path)
    }

    @Test func precedenceIsFlagThenEnvironmentThenFileThenDefault() throws {
        let file = "PORT=1111\nHOST=10.0.0.1\nLOG_LEVEL=debug\nMONGO_DB_NAME=fromfile\n"
        let config = try loader(flags: ["PORT": "3333"], env: ["PORT": "2222", "HOST": "0.0.0.0"], file: file).load()
        #expect(config.port == 3333)
        #expect(config.host == "0.0.0.0")
        #expect(config.logLevel == .debug)
        #expect(config.mongoDatabase == "fromfile")
        #expect(config.dataDirectory == "./data")
        #expect(config.allowSignup)
    }

    @Test(arguments: [
        ("PORT", "0"), ("PORT", "65536"), ("PORT", "http"), ("PORT", "-1"), ("PORT", ""),
        ("HOST", "bad host"), ("HOST", "-x.example"), ("HOST", String(repeating: "a", count: 300)),
        ("LOG_LEVEL", "loud"), ("SECRET_KEY", "short"), ("SECRET_KEY", "!!!!"),
        ("SECRET_KEY", String(repeating: "ab", count: 31)),
        ("MONGO_HOST", "localhost:27017"), ("MONGO_DB_NAME", "a/b"), ("ALLOW_SIGNUP", "maybe"),
        ("ALLOWED_ORIGINS", "not an origin"), ("BCRYPT_COST", "3"), ("BCRYPT_COST", "32"),
        ("SESSION_TTL", "5s"), ("SESSION_TTL", "forever"), ("MAX_MESSAGE_BYTES", "0"),
        ("RATE_LIMIT", "-1"), ("RATE_BURST", "0"), ("OUTBOUND_BUFFER_BYTES", "10"),
    ])
    func invalidValuesAreRefusedWithAFix(name: String, value: String) throws {
        let (_, errors) = try loader(env: [name: value]).validate()
        let error = try #require(errors.first, "\(name)=\(value) was accepted")
        #expect(error.variable == name)
        #expect(!error.fix.isEmpty)
        #expect(!error.description.contains("\n"))
        #expect(error.message.contains("environment"))
    }

    @Test func validValuesAreAccepted() throws {
        let key = SecretKey.random()
        let hex = key.bytes.map { String(format: "%02x", $0) }.joined()
        let env = [
            "SECRET_KEY": hex, "HOST": "::1", "PORT": "65535", "ALLOW_SIGNUP": "no", "SESSION_TTL": "12h",
            "ALLOWED_ORIGINS": "https://chat.example.com, http://localhost:3000", "MONGO_HOST": "mongodb://db:27017/?replicaSet=rs0",
            "LOG_LEVEL": "TRACE", "BCRYPT_COST": "10",
        ]
        let config = try loader(env: env).load()
        #expect(config.secretKey == key)
        #expect(config.host == "::1")
        #expect(!config.allowSignup)
        #expect(config.sessionLifetime == .seconds(12 * 3600))
        #expect(config.allowedOrigins == ["https://chat.example.com", "http://localhost:3000"])
        #expect(config.usesMongo)
        #expect(config.logLevel == .trace)
        #expect(try loader(env: ["SECRET_KEY": key.base64]).load().secretKey == key)
        let urlSafe = key.base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(try loader(env: ["SECRET_KEY": urlSafe]).load().secretKey == key)
    }

    @Test func envFileSyntax() throws {
        let text = """
            # comment
            export HOST=0.0.0.0
            PORT = 9000 # trailing comment
            SECRET_KEY="quoted value # not a comment"
            EMPTY=
            MONGO_DB_NAME='single'\r
            """
        let file = try EnvFile.parse(text)
        #expect(file.values["HOST"] == "0.0.0.0")
        #expect(file.values["PORT"] == "9000")
        #expect(file.values["SECRET_KEY"] == "quoted value # not a comment")
        #expect(file.values["EMPTY"] == "")
        #expect(file.values["MONGO_DB_NAME"] == "single")
        #expect(file.entries.first?.line == 2)
    }

    @Test(arguments: ["JUSTAWORD", "1BAD=x", "BAD KEY=x", "X=\"unterminated", "=value"])
    func malformedEnvFilesNameTheLine(_ line: String) throws {
        #expect(throws: EnvFile.ParseError.self) { try EnvFile.parse("OK=1\n\(line)\n") }
        do {
            _ = try EnvFile.parse("OK=1\n\(line)\n")
        } catch let error as EnvFile.ParseError {
            #expect(error.line == 2)
        }
    }

    @Test func explicitEnvFileMustExistAndBeText() throws {
        let missing = ConfigLoader(flags: [:], environment: [:], envFile: "/nonexistent/.env")
        #expect(throws: EnvFile.ParseError.self) { try missing.load() }
        let path = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent("binary.env")
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0xff, 0xfe, 0x00])))
        #expect(throws: EnvFile.ParseError.self) { try ConfigLoader(environment: [:], envFile: path).load() }
        let huge = (TestPaths.temporaryDirectory() as NSString).appendingPathComponent("huge.env")
        #expect(FileManager.default.createFile(atPath: huge, contents: Data(repeating: 0x41, count: EnvFile.maximumSize + 1)))
        #expect(throws: EnvFile.ParseError.self) { try ConfigLoader(environment: [:], envFile: huge).load() }
    }

    @Test func durations() {
        #expect(DurationParser.seconds("90") == 90)
        #expect(DurationParser.seconds("15m") == 900)
        #expect(DurationParser.seconds("24h") == 86400)
        #expect(DurationParser.seconds("7d") == 604_800)
        #expect(DurationParser.seconds("2w") == 1_209_600)
        #expect(DurationParser.seconds("") == nil)
        #expect(DurationParser.seconds("h") == nil)
        #expect(DurationParser.seconds("-5m") == nil)
        #expect(DurationParser.seconds("99999999999999999999d") == nil)
    }
}

@Suite("Credentials, sessions, origins")
struct AuthUnitTests {
    @Test(arguments: ["a", "alice", "Alice_1.x-y", String(repeating: "z", count: 32)])
    func validLogins(_ login: String) throws { try Credentials.validateLogin(login) }

    @Test(arguments: ["", " alice", "al ice", "ålice", "a/b", "<b>", String(repeating: "z", count: 33), "a\u{0}b"])
    func invalidLogins(_ login: String) {
        #expect(throws: Credentials.Problem.login) { try Credentials.validateLogin(login) }
    }

    @Test(arguments: ["a@b.co", "first.last+tag@sub.example.org"])
    func validEmails(_ email: String) throws { try Credentials.validateEmail(email) }

    @Test(arguments: ["", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com", ".a@b.com", "a@1.2.3.4",
                      "a@b.com\n", String(repeating: "a", count: 65) + "@b.com"])
    func invalidEmails(_ email: String) {
        #expect(throws: Credentials.Problem.email) { try Credentials.validateEmail(email) }
    }

    @Test func passwords() throws {
        try Credentials.validatePassword("12345678")
        try Credentials.validatePassword(String(repeating: "p", count: 72))
        #expect(throws: Credentials.Problem.passwordTooShort) { try Credentials.validatePassword("1234567") }
        #expect(throws: Credentials.Problem.passwordTooLong) { try Credentials.validatePassword(String(repeating: "é", count: 37)) }
    }

    @Test func bcryptAndLegacyPasswords() async throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("secret pass")
        #expect(UserRecord.isBcryptHash(hash))
        #expect(try await hasher.verify("secret pass", against: hash))
        #expect(!(try await hasher.verify("secret pasS", against: hash)))
        #expect(try await hasher.verify("plain", against: "plain"))
        #expect(!(try await hasher.verify("plain", against: "plain2")))
        #expect(!(try await hasher.verify("", against: "x")))
    }

    @Test func sessionCookiesRoundTripAndExpire() throws {
        let codec = SessionCodec(secret: .random(), lifetime: .seconds(3600))
        let id = ObjectIdGenerator().next()
        let now = Date()
        let cookie = try codec.encode(.init(userID: id, issued: now))
        #expect(codec.decode(cookie, now: now)?.userID == id)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(3599))?.userID == id)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(3601)) == nil)
        #expect(codec.decode(cookie, now: now.addingTimeInterval(-3600)) == nil)
        #expect(!cookie.contains(id.hex))
        #expect(cookie.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func originPolicyFollowsCrossOriginProtection() {
        let policy = OriginPolicy(trustedOrigins: ["https://trusted.example"])
        let host = "chat.example:8080"
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "same-origin", origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "none", origin: nil, host: host) == .allowed)
        #expect(policy.check(method: "GET", secFetchSite: "cross-site", origin: "http://evil", host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "cross-site", origin: nil, host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "http://chat.example:8080", host: host) == .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "http://chat.example", host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: nil, origin: "null", host: host) != .allowed)
        #expect(policy.check(method: "POST", secFetchSite: "cross-site", origin: "https://trusted.example", host: host) == .allowed)
        #expect(policy.checkOrigin(secFetchSite: nil, origin: "ws://chat.example", host: host) == .allowed)
        #expect(policy.checkOrigin(secFetchSite: nil, origin: "ws://evil.example", host: host) != .allowed)
    }
}

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
